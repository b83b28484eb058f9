// gc's spelling of Go function names (docs/symbolization.md, "gc-built
// binaries"; docs/gc-semantics.md §5.5). The table builder applies it to gc
// binaries in C (runtime/src/builder/goname.c, the same rules); this copy of
// funcNameForPrint spells llgo's names (compiler/llgo/names.ts), and
// isGcBinary tells the builder which binaries gc built.
//
// - Generic shapes: gc's symbols and DWARF name instantiations by shape
//   (`F[go.shape.int]`, `(*T[go.shape.string]).M`), and its runtime prints
//   `[...]` in their place (runtime/traceback.go funcNamePiecesForPrint:
//   everything from the first `[` to the last `]`). Used for gc binaries and
//   for llgo's names (compiler/llgo/names.ts gcName).
// - Assembly ABI suffixes: gc's linker writes `.symtab` names through
//   mangleABIName (cmd/link/internal/ld/symtab.go): an ABI0 text symbol
//   (assembly, or the ABI0 wrapper of a Go function) that has an ABIInternal
//   sibling gets `.abi0` (`runtime.goexit.abi0`), and with -linkshared
//   ABIInternal functions get `.abiinternal`. The pclntab, whose names the
//   runtime prints, is written from the unmangled names (pcln.go), and so is
//   DWARF; debug/gosym and runtime.FuncForPC answer `runtime.goexit`.

import type { ElfFile } from '../elf';

/**
 * gc's funcNameForPrint: the type arguments of a generic function, from the
 * first `[` to the last `]`, print as `[...]`. A name without a `]` after its
 * first `[` is returned as is.
 */
export function funcNameForPrint(name: string): string {
  const i = name.indexOf('[');
  if (i < 0) return name;
  const j = name.lastIndexOf(']');
  if (j <= i) return name;
  return `${name.slice(0, i)}[...]${name.slice(j + 1)}`;
}

/**
 * Whether gc's linker built `elf`: it has a `.gopclntab` section. gc's
 * linker always writes one (cmd/link/internal/ld/data.go), for every build
 * mode and with internal or external linking, and `-ldflags=-s -w` keeps it
 * (the runtime needs it). gccgo, llgo, gcc and clang write none.
 */
export function isGcBinary(elf: ElfFile): boolean {
  return elf.section('.gopclntab') !== undefined;
}
