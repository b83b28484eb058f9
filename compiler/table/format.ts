// The LLGI table layout, mirrored from runtime/include/llgi_table.h (the C
// reader is the authority; docs/table-format.md describes both), for the
// TypeScript that reads tables and their headers (runtime/src/table_write.c
// encodes them).

export const MAGIC = 'LLGITBL1';
/**
 * 3: the checksum also covers the header from text_start on; 2 introduced the
 * lane checksum (1 had byte-wise FNV-1a).
 */
export const VERSION = 3;
export const HEADER_SIZE = 96;
export const NONE = 0xffffffff;

export const BUCKET_SIZE = 4096;
export const SUBBUCKETS = 16;
export const SUBBUCKET_SIZE = BUCKET_SIZE / SUBBUCKETS;

/** Header field offsets. */
export const H = {
  magic: 0,
  version: 8,
  headerSize: 10,
  totalSize: 12,
  flags: 16,
  checksum: 20,
  textStart: 24,
  textLen: 32,
  nfunc: 36,
  sections: 40,
} as const;

/** The header checksum covers bytes [CHECKSUM_START, total size): text_start onwards. */
export const CHECKSUM_START = H.textStart;

/** Sections in header order, each described by {u32 offset, u32 count}. */
export const SECTIONS = ['ftab', 'buckets', 'funcs', 'rows', 'paints', 'nodes', 'strings'] as const;
export type SectionName = (typeof SECTIONS)[number];
export const ELEM_SIZE: Record<SectionName, number> = {
  ftab: 4,
  buckets: 36,
  funcs: 44,
  rows: 12,
  paints: 8,
  nodes: 16,
  strings: 1,
};

/** Function record flags. */
export const FUNC_SYMTAB = 0x1;
export const FUNC_DWARF = 0x2;
export const FUNC_SIZED = 0x4;
/** The name is llgo's (its funcinfo record), not the symbol table's. */
export const FUNC_LLGO_NAME = 0x8;
/** The lines are llgo's (record line and statement anchors), not DWARF's. */
export const FUNC_LLGO_LINES = 0x10;
/** A gc wrapper (DW_AT_trampoline in a gc-built binary): elided above the function it wraps, as gc does. */
export const FUNC_WRAPPER = 0x20;

/**
 * The header checksum over bytes [start, end) (docs/table-format.md,
 * "Checksum"): four FNV-style lanes over little-endian 32-bit words, each
 * step followed by an xorshift so that every bit of a word reaches the low
 * bits; trailing bytes go into lane 0; the lanes fold into one word. Lanes
 * make it run about 20x faster than byte-wise FNV-1a in C.
 */
export function tableChecksum(buf: Uint8Array, start = 0, end = buf.length): number {
  const P = 0x01000193;
  const lanes = [0x811c9dc5, 0x811c9dc4, 0x811c9dc7, 0x811c9dc6];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const words = (end - start) >>> 2;
  for (let i = 0; i < words; i++) {
    let l = Math.imul(lanes[i & 3] ^ dv.getUint32(start + 4 * i, true), P);
    l ^= l >>> 15;
    lanes[i & 3] = l;
  }
  for (let i = start + 4 * words; i < end; i++) {
    let l = Math.imul(lanes[0] ^ buf[i], P);
    l ^= l >>> 15;
    lanes[0] = l;
  }
  let h = 0x811c9dc5;
  for (const l of lanes) {
    h = Math.imul(h ^ l, P);
    h ^= h >>> 15;
  }
  return h >>> 0;
}
