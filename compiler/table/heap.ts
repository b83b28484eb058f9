// How much JavaScript heap a table build takes, so that a build that cannot fit
// is refused with a typed error before V8 runs out of heap, which would kill the
// whole process (bench/README.md, "Scale": 19-21 bytes of peak memory per byte
// of DWARF, measured from 4 to 509 MB of DWARF).

import v8 from 'node:v8';

/** Heap a build may take per byte of DWARF (uncompressed), rounded up from the measurements. */
const HEAP_PER_DWARF_BYTE = 20;
/** zlib-compressed DWARF, estimated at this many times its stored size. */
export const COMPRESSED_RATIO = 4;

const MIB = 1 << 20;

/** The heap a build of `dwarfBytes` of DWARF needs, and what this process has left. */
export function buildHeap(dwarfBytes: number): { need: number; headroom: number } {
  const h = v8.getHeapStatistics();
  return { need: dwarfBytes * HEAP_PER_DWARF_BYTE, headroom: h.heap_size_limit - h.used_heap_size };
}

/** The --max-old-space-size (MiB) under which a build of `dwarfBytes` fits, with room for the rest of the process. */
export function maxOldSpaceFor(dwarfBytes: number): number {
  return Math.ceil((dwarfBytes * HEAP_PER_DWARF_BYTE + v8.getHeapStatistics().used_heap_size) / MIB) + 512;
}
