// The link-time reservation for an embedded LLGI table (docs/embedding.md).
//
// `objcopy --add-section` cannot make a section the loader maps, so the space
// is reserved when the binary is linked: one ELF note in an allocated,
// 8-byte aligned SHT_NOTE section `.note.llgi`, whose descriptor is N zero
// bytes. Linkers put allocated notes into a PT_NOTE segment inside a PT_LOAD,
// so the runtime finds the note from the loaded image's program headers, and
// `strip` keeps it (it never drops allocated sections). `postlink.ts` later
// writes the table into the descriptor in place.
//
// Note layout (both 4- and 8-byte note padding give the same offsets):
//   0  namesz = 11      4  descsz = N      8  type = 1
//   12 "LLGI.table\0"   23 pad to 24       24 desc: N bytes (the table)

import { LlgiError } from '../errors';

/** Section holding the note. */
export const NOTE_SECTION = '.note.llgi';
/** Note name (with its NUL, namesz = 11) and type. */
export const NOTE_NAME = 'LLGI.table';
export const NOTE_TYPE = 1;
/** Offset of the descriptor from the start of the note. */
export const NOTE_DESC_OFFSET = 24;
/** Alignment of the section, so the descriptor (the table) is 8-byte aligned in memory. */
export const NOTE_ALIGN = 8;
/** Largest reservation: the table format's offsets are 32-bit, and descsz is a u32. */
export const MAX_RESERVE = 0xffff_fff8;

/** `bytes` rounded up to the note's 8-byte granule: the descriptor size actually reserved. */
export function reservedSize(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes > MAX_RESERVE) {
    throw new LlgiError('LLGI_BAD_ARGUMENT', `a table reservation must be 1..${MAX_RESERVE} bytes, got ${bytes}`);
  }
  return Math.ceil(bytes / NOTE_ALIGN) * NOTE_ALIGN;
}

/**
 * GNU assembler source (gcc, clang and their integrated assemblers, x86-64
 * and aarch64) reserving `bytes` (rounded up to a multiple of 8) for an
 * embedded table. Add the file to any link: `cc ... llgi-reserve.s`.
 */
export function reserveSource(bytes: number): string {
  const n = reservedSize(bytes);
  return [
    '/* llgo-introspect: space for an embedded LLGI table (docs/embedding.md).',
    ' * Filled after linking by `llgo-introspect postlink <binary>`. */',
    `\t.section ${NOTE_SECTION},"a",@note`,
    `\t.p2align 3`,
    `\t.long ${NOTE_NAME.length + 1}\t/* namesz */`,
    `\t.long ${n}\t/* descsz: the reserved bytes */`,
    `\t.long ${NOTE_TYPE}\t/* type */`,
    `\t.asciz "${NOTE_NAME}"`,
    `\t.p2align 3\t/* desc at offset ${NOTE_DESC_OFFSET}, 8-byte aligned */`,
    `\t.zero ${n}`,
    `\t.p2align 3`,
    '\t/* An assembler file without this marker would make the stack executable. */',
    '\t.section .note.GNU-stack,"",@progbits',
    '',
  ].join('\n');
}
