// Function starts and names from the ELF symbol table, chosen the way
// llvm-symbolizer chooses them (SymbolizableObjectFile): .symtab, or .dynsym
// when there is no .symtab; FUNC, IFUNC and NOTYPE symbols defined in a
// section; at one address the largest size wins, then the last in table order.

import {
  SHF_EXECINSTR, SHN_LORESERVE, SHN_UNDEF, STB_LOCAL, STT_FILE, STT_FUNC, STT_GNU_IFUNC, STT_NOTYPE,
  type ElfFile, type ElfSymbol,
} from '../elf';

export interface FuncSymbol {
  addr: number;
  /** 0 when the symbol has no size (llvm: it runs to the next symbol). */
  size: number;
  name: string;
  /** For local symbols, the STT_FILE name that precedes them in the table. */
  file?: string;
}

/** aarch64/arm mapping symbols ($x, $d, $x.N) are format-specific, not functions. */
function isMappingSymbol(name: string): boolean {
  return name.length >= 2 && name[0] === '$' && (name[1] === 'x' || name[1] === 'd' || name[1] === 'a' || name[1] === 't');
}

export function functionSymbols(elf: ElfFile): FuncSymbol[] {
  let syms: ElfSymbol[] = elf.symbols();
  if (syms.length === 0) syms = elf.dynamicSymbols();
  const exec = new Set(elf.sections.filter((s) => s.flags & SHF_EXECINSTR).map((s) => s.index));

  const found: FuncSymbol[] = [];
  let file: string | undefined;
  for (const s of syms) {
    if (s.type === STT_FILE) {
      file = s.name;
      continue;
    }
    if (s.type !== STT_FUNC && s.type !== STT_GNU_IFUNC && s.type !== STT_NOTYPE) continue;
    if (s.shndx === SHN_UNDEF || s.shndx >= SHN_LORESERVE || !exec.has(s.shndx)) continue;
    // llgo's statement-anchor labels are local NOTYPE symbols inside functions (docs/llgo-format.md §3.2).
    if (s.name === '' || isMappingSymbol(s.name) || s.name.includes('__llgo_pcsite_')) continue;
    found.push({ addr: s.value, size: s.size, name: s.name, file: s.bind === STB_LOCAL ? file : undefined });
  }

  // Stable sort by (addr, size); keep the last of each address group.
  const order = found.map((_, i) => i);
  order.sort((a, b) => found[a].addr - found[b].addr || found[a].size - found[b].size || a - b);
  const out: FuncSymbol[] = [];
  for (let i = 0; i < order.length; i++) {
    const s = found[order[i]];
    if (i + 1 < order.length && found[order[i + 1]].addr === s.addr) continue;
    out.push(s);
  }
  return out;
}
