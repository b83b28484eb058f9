// The debug sections the DWARF readers take. The readers themselves are C
// (runtime/src/dwarf/, runtime/include/llgi_dwarf.h); compiler/dwarf/info.ts
// and line.ts hand them these Buffers through the addon.

/**
 * The debug sections of one object, already decompressed. Absent sections are
 * undefined. Produced by elf.ts (`dwarfSections()`), consumed by the DWARF readers.
 */
export interface DwarfSections {
  info?: Buffer;
  abbrev?: Buffer;
  str?: Buffer;
  lineStr?: Buffer;
  strOffsets?: Buffer;
  line?: Buffer;
  ranges?: Buffer;
  rnglists?: Buffer;
  addr?: Buffer;
  aranges?: Buffer;
}
