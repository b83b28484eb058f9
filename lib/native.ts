// Loads the native addon (built by node-gyp at install, found by `bindings`).

import path from 'node:path';
import type { NativeDwarfAranges, NativeDwarfInfo } from '../compiler/dwarf/info';
import type { DwarfSections } from '../compiler/dwarf/reader';
import { LlgiError, type LlgiErrorCode } from '../compiler/errors';

export interface NativeTable {
  /** The arrays frames() reads addresses from and writes words to (kept alive by the table), and the bias it subtracts. */
  bind(addrs: BigUint64Array, out: Uint32Array, bias: bigint): void;
  /** Words written to the bound out, or -(words needed) when it is too small; each address is addrs[i] - bias (mod 2^64). */
  frames(count: number, returnAddresses: boolean): number;
  /** The bound addresses' answers in gc's layout, each ended by an empty line (runtime/include/llgi_frametext.h). */
  text(count: number, returnAddresses: boolean): Buffer;
  /** text()'s answers for lines that are each a bare 0x address, or null when any is something else. */
  textLines(lines: Buffer, returnAddresses: boolean): Buffer | null;
  /** Function index at addr, or -1 outside the table; throws (code LLGI_TABLE_INVALID) once a table adopted at first use is refused. */
  findFunc(addr: bigint): number;
  /**
   * firstUse: adopted with a checksum index, validated per bucket by the first lookup in it.
   * refused: for such a table, a view of its refusal word, nonzero once it is refused
   * (read it, never write it); null for a table adopted whole.
   */
  info(): { textStart: bigint; textLen: number; nfunc: number; maxDepth: number; stringsOffset: number; firstUse: boolean; refused: Uint32Array | null };
  /** Validates every bucket of a table adopted at first use now (LLGI_TABLE_INVALID when one is bad). */
  validateAll(): void;
}

export interface LoadedImage {
  handle: bigint;
  base: bigint;
  /** Executable segments, runtime addresses: lo, hi, lo, hi, ... */
  ranges: BigUint64Array;
  buildId: string | null;
  name: string;
  /**
   * The table embedded in the image's "LLGI.table" note (docs/embedding.md),
   * not yet validated: a zero-copy Buffer over the mapped image (read-only:
   * never write to it), valid only until the image is dlclosed. null when
   * there is no note or it is an empty reservation.
   */
  embedded: Buffer | null;
  /** The checksum index after the embedded table (docs/embedding.md), same rules; null when there is none. */
  embeddedSums: Buffer | null;
  /** Why the note cannot hold a table (then `embedded` is null). */
  embeddedError: string | null;
}

export interface TraceResult {
  pcs: BigUint64Array;
  ends: Uint32Array;
  dropped: number;
  truncated: number;
}

/** The addon interface this code was written against (native/addon.cc kAbiVersion). */
const ABI_VERSION = 15;

/** What compiler/table/build.ts gives the C table builder (native/build.cc, runtime/include/llgi_build.h). */
export interface BuildInput {
  sections: DwarfSections;
  /** [start, end) of each executable section. */
  exec: Float64Array;
  /** The symbol table (ElfFile.symbolTable), absent when there is none. */
  symtab?: { syms: Buffer; strs: Buffer; xindex?: Buffer; where: string };
  /** Per section index: 1 for an SHF_EXECINSTR section. */
  execSections: Uint8Array;
  llgo?: {
    funcNames: Buffer; funcSymbols: Buffer; funcFiles: Buffer; funcLine: Uint32Array;
    entryPc: Float64Array; entryFunc: Uint32Array;
    sitePc: Float64Array; siteFunc: Uint32Array; siteFiles: Buffer; siteLine: Uint32Array;
  };
  strict: boolean;
  /** A gc-built binary: gc's names and files. */
  gc: boolean;
  progress?: (done: number, total: number) => void;
}

/** A table's content as llgi_table_write_full takes it; addresses are link-time, node -1 / parent -1 for none. */
export interface TableShape {
  textStart: number;
  textEnd: number;
  funcs: {
    entry: number; size?: number; name: string; flags: number; declFile?: string; declLine?: number; symFile?: string;
    lines: { pc: number; file?: string; line: number }[];
    paints: { pc: number; node: number }[];
  }[];
  nodes: { parent: number; name: string; callFile?: string; callLine: number }[];
}

export interface BuildOutput {
  table: Buffer;
  functions: number;
  functionsWithDwarf: number;
  compileUnits: number;
  lineRows: number;
  inlineNodes: number;
  llgoFunctions: number;
  warnings: string[];
}

export interface NativeAddon {
  abiVersion: number;
  Table: new (table: Buffer, sums?: Buffer) => NativeTable;
  /** Builds a binary's table (runtime/include/llgi_build.h). */
  buildTable(input: BuildInput): BuildOutput;
  /** Lays out a table of a given shape (runtime/include/llgi_table_write.h): for tests of the reader. */
  writeTable(model: TableShape): Buffer;
  /** gc's spelling of a name as the builder applies it (runtime/src/builder/goname.h); fromSymtab null: shapes only. */
  gcName(name: string, fromSymtab: boolean | null, dwarfName: string | null): string;
  tableHeaderSize: number;
  dlopen(path: string): LoadedImage;
  dlclose(handle: bigint): boolean;
  dlsym(handle: bigint, name: string): bigint | null;
  /** Calls address(args...) on this thread's stack: up to 6 integer/pointer arguments, an integer result. */
  callInt(address: bigint, args: BigInt64Array): bigint;
  /** The LLGI table of an llgo module built from its memory (runtime/include/llgi_llgo.h); null for other modules. */
  llgoTable(handle: bigint): Buffer | null;
  /** Whether an llgo c-shared library's package initialisation ran (its main.init$guard), null without the guard. */
  llgoInitDone(handle: bigint): boolean | null;
  register(handle: bigint, base: bigint, ranges: BigUint64Array, table: NativeTable, id: number): { slots: number[]; hooks: boolean };
  unregister(handle: bigint, base: bigint, slots: number[]): void;
  traceBegin(maxPcs: number, maxStacks: number, maxDepth: number): unknown;
  traceEnd(handle: unknown): TraceResult;
  mprofSetRate(rate: number): void;
  mprofRate(): number;
  mprofSeed(seed: bigint): void;
  mprofGc(): void;
  mprofReset(): void;
  /** counts: allocs, frees, allocBytes, freeBytes, size per record; stacks back to back, ends per record. */
  mprofRead(inuseZero: boolean): { counts: Float64Array; stacks: BigUint64Array; ends: Uint32Array };
  /** Interposes the module's allocation GOT slots (runtime/include/llgi_interpose.h); again on an interposed module: no change. */
  interpose(handle: bigint): InterposeResult;
  /** Puts the module's slots back; the number written back (0 when it was not interposed). */
  restore(handle: bigint): number;
  /** Installs the fault handler (runtime/include/llgi_crash.h): traceback to fd (-1: none), record file, signal bit mask. */
  crashInstall(fd: number, record: string | null, signals: number): void;
  crashUninstall(): void;
  /**
   * The line table at `offset` of .debug_line (runtime/include/llgi_dwarf.h): seqs holds lowPc, highPc,
   * rowStart, rowCount per sequence; fields holds file, line, column, isStmt per row. Throws LLGI_DWARF_CORRUPT.
   */
  dwarfLineTable(sections: DwarfSections, offset: number, compDir: string): { version: number; files: (string | null)[]; seqs: Float64Array; address: Float64Array; fields: Uint32Array };
  /** That table's answers (llgi_dline_intervals): lo, hi, file (2^32 - 1: none), line per interval. */
  dwarfLineIntervals(sections: DwarfSections, offset: number, compDir: string): Float64Array;
  /** The path llvm-symbolizer prints for a file entry (llgi_dline_path). */
  dwarfLinePath(version: number, dirs: (string | null)[], name: string, dirIndex: number, compDir: string): string;
  /** The compile units and subroutines of .debug_info (runtime/include/llgi_dwarf.h); throws LLGI_DWARF_CORRUPT. */
  dwarfInfo(sections: DwarfSections): NativeDwarfInfo;
  /** The sets of .debug_aranges; throws LLGI_DWARF_CORRUPT. */
  dwarfAranges(sections: DwarfSections): NativeDwarfAranges;
}

export interface InterposedSlot {
  symbol: string;
  kind: 'JUMP_SLOT' | 'GLOB_DAT';
  /** Runtime address of the GOT slot. */
  addr: bigint;
  /** The slot's value before interposition (written back by restore). */
  original: bigint;
  /** The wrapper the slot holds while interposed (a gated slot: only while a sampled pointer is live). */
  wrapper: bigint;
  /** The slot's page was read-only (RELRO) and was written under mprotect. */
  relro: boolean;
  /**
   * A free function's JUMP_SLOT on a writable page: it holds `original` while
   * no sampled pointer is live, and `wrapper` otherwise (docs/interposition.md, "The free gate").
   */
  gated: boolean;
}

export interface InterposeResult {
  patched: number;
  /** Slots of listed symbols left alone (no real function, another definition, already interposed). */
  skipped: number;
  slots: InterposedSlot[];
}

let addon: NativeAddon | undefined;

export function native(): NativeAddon {
  if (!addon) {
    try {
      // LLGI_ADDON names another build of the addon (the CMake one, docs/building.md).
      const file = process.env.LLGI_ADDON;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      addon = (file ? require(path.resolve(file)) : require('bindings')('llgi')) as NativeAddon;
    } catch (e) {
      addon = undefined;
      throw new LlgiError('LLGI_NATIVE', `the llgo-introspect native addon is not built or cannot load (run \`npm rebuild llgo-introspect\`): ${(e as Error).message}`, { cause: e });
    }
  }
  if (addon.abiVersion !== ABI_VERSION) {
    const found = addon.abiVersion;
    addon = undefined;
    throw new LlgiError('LLGI_NATIVE', `the native addon is out of date (interface ${found}, this code needs ${ABI_VERSION}): run \`npm rebuild llgo-introspect\``);
  }
  return addon;
}

/** Runs a native call; an error carrying one of our codes becomes an LlgiError. */
export function coded<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw asCoded(e);
  }
}

/** What coded() throws for a native error e (for hot paths that cannot afford coded's closure). */
export function asCoded(e: unknown): unknown {
  const code = (e as { code?: string }).code;
  return typeof code === 'string' && code.startsWith('LLGI_') ? new LlgiError(code as LlgiErrorCode, (e as Error).message) : e;
}

/**
 * Adopts a table in the C reader: whole, or with its checksum index `sums`
 * for validation at first use (docs/embedding.md). Rejection becomes
 * LlgiError('LLGI_TABLE_INVALID').
 */
export function adoptTable(table: Buffer, sums?: Buffer): NativeTable {
  const { Table } = native();
  return coded(() => new Table(table, sums));
}
