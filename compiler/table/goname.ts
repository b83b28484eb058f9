// gc's spelling of Go function names: the one place where names read from a
// binary's symbol table or DWARF are turned into what gc's runtime prints
// (docs/symbolization.md, "gc-built binaries"; docs/gc-semantics.md §5.5).
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

const ABI_SUFFIX = /\.(?:abi\d+|abiinternal)$/;

/** A `.symtab` name of a gc binary without the linker's ABI mangling (`runtime.goexit.abi0` -> `runtime.goexit`). */
export function stripAbiSuffix(name: string): string {
  return name.replace(ABI_SUFFIX, '');
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

/**
 * The name gc's runtime prints for a function of a gc binary named `name` by
 * its symbol table (`fromSymtab`) or DWARF. ABI suffixes are stripped only
 * from symbol names, and only when DWARF does not name the function by the
 * suffixed name itself (`dwarfName`): gc emits no subprogram DIE for
 * assembly and ABI wrappers, while a Go function literally named `abi0`
 * has one.
 */
export function gcRuntimeName(name: string, fromSymtab: boolean, dwarfName?: string): string {
  const s = fromSymtab && dwarfName !== name ? stripAbiSuffix(name) : name;
  return funcNameForPrint(s);
}
