// The LLGI table layout, mirrored from runtime/include/llgi_table.h (the C
// reader is the authority; docs/table-format.md describes both). Only
// compiler/table/write.ts encodes these bytes.

export const MAGIC = 'LLGITBL1';
export const VERSION = 1;
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

/** FNV-1a 32, the header checksum over every byte after the header. */
export function fnv1a32(buf: Uint8Array, start = 0, end = buf.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
