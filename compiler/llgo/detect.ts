// Whether a binary carries llgo's tables, told from its section list and
// the names of its `__llgo_` symbols alone (docs/llgo.md): cheap enough for
// every table build, so that the readers (read.ts and what it needs) load
// only for binaries that have something for them.

import type { ElfFile, ElfSymbol } from '../elf';

export const ENTRY_SECTION = 'llgo_funcinfo_entry';

/** llgo's ABI globals by name: the first defined symbol of each, .dynsym before .symtab. */
export function llgoGlobals(elf: ElfFile): Map<string, ElfSymbol> {
  const m = new Map<string, ElfSymbol>();
  for (const s of elf.symbolsWithPrefix('__llgo_')) {
    if (s.shndx !== 0 && !m.has(s.name)) m.set(s.name, s);
  }
  return m;
}

export function carriesLlgo(elf: ElfFile, g: Map<string, ElfSymbol>): boolean {
  return !!elf.section(ENTRY_SECTION) || g.has('__llgo_funcinfo_table');
}

/** True when the binary carries llgo's funcinfo ABI globals or site sections. */
export function isLlgoBinary(elf: ElfFile): boolean {
  return carriesLlgo(elf, llgoGlobals(elf));
}
