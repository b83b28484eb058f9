// Builds the LLGI table of an ELF binary: this file finds what the file
// holds (its executable sections, symbol table, DWARF sections, llgo's
// tables, whether gc built it) and the C builder in the runtime
// (runtime/include/llgi_build.h) does the rest, per symbol, DIE, line row and
// address, and writes the table.
//
// The answers are meant to equal llvm-symbolizer's, with gc's pc->function
// rule on top (docs/symbolization.md lists where the two differ and how the
// builder decides each step).

import { LlgiError, isLlgiError } from '../errors';
import type { ElfFile } from '../elf';
import { SHF_EXECINSTR } from '../elf';
import type { LlgoTableSource, LlgoTables } from '../llgo/read';
import { carriesLlgo, llgoGlobals } from '../llgo/detect';
import { isGcBinary } from './goname';

export { BUILDER_REVISION } from './revision';

export interface BuildReport {
  functions: number;
  functionsWithDwarf: number;
  compileUnits: number;
  lineRows: number;
  inlineNodes: number;
  /**
   * Functions named by llgo's funcinfo records, and where llgo's tables came
   * from (docs/llgo.md): 'none' for an llgo binary built without them
   * (-pclntab=none), answered from the symbol table alone.
   */
  llgo?: { functions: number; prebuilt: boolean; statementSites: number; source: LlgoTableSource; sidecar?: string };
  /** Problems that degraded the answer (e.g. corrupt DWARF: symbols without lines). */
  warnings: string[];
}

export interface BuildOptions {
  /** Throw on corrupt DWARF or llgo tables (or a missing llgo sidecar) instead of falling back to symbols. */
  strict?: boolean;
  /**
   * The LLGOPCL1 sidecar of an llgo executable built with -pclntab=external
   * (default: `<binary>.pclntab` when the binary needs one), or false to
   * ignore it (docs/llgo.md).
   */
  llgoSidecar?: string | false;
  /**
   * Called as the build advances, one step per compilation unit and phase:
   * each unit counts twice, once as its inlined calls are placed and once as
   * its lines are (done of total; never for a binary without DWARF).
   */
  onProgress?: (done: number, total: number) => void;
}

/** Strings back to back, each NUL-terminated: one conversion in the addon instead of one per string. */
function joined(strings: string[]): Buffer {
  return Buffer.from(strings.length ? `${strings.join('\0')}\0` : '', 'utf8');
}

function llgoInput(t: LlgoTables) {
  return {
    funcNames: joined(t.funcs.map((f) => f.name)),
    funcSymbols: joined(t.funcs.map((f) => f.symbol)),
    funcFiles: joined(t.funcs.map((f) => f.file)),
    funcLine: Uint32Array.from(t.funcs, (f) => f.line),
    entryPc: Float64Array.from(t.entries, (e) => e.pc),
    entryFunc: Uint32Array.from(t.entries, (e) => e.func),
    sitePc: Float64Array.from(t.lines, (s) => s.pc),
    siteFunc: Uint32Array.from(t.lines, (s) => s.func),
    siteFiles: joined(t.lines.map((s) => s.file)),
    siteLine: Uint32Array.from(t.lines, (s) => s.line),
  };
}

/** The LLGI table bytes of an ELF binary. */
export function buildTable(elf: ElfFile, opts: BuildOptions = {}): { table: Buffer; report: BuildReport } {
  const warnings: string[] = [];
  let llgo: LlgoTables | null = null;
  let llgoFailed = false;
  const globals = llgoGlobals(elf);
  const llgoCarried = carriesLlgo(elf, globals);
  try {
    // The readers load only for a binary that has llgo's tables, or to check a sidecar the caller named.
    if (llgoCarried || opts.llgoSidecar !== undefined) {
      const { readLlgoTables } = require('../llgo/read') as typeof import('../llgo/read');
      llgo = readLlgoTables(elf, { sidecar: opts.llgoSidecar });
    }
  } catch (e) {
    if (opts.strict || !(isLlgiError(e, 'LLGI_LLGO_INVALID') || isLlgiError(e, 'LLGI_LLGO_SIDECAR_MISSING'))) throw e;
    llgoFailed = true;
    warnings.push(`${e.message}; answering from the symbol table and DWARF`);
  }
  // llgo -pclntab=none keeps its runtime's (empty) table globals: the symbol table is all there is.
  const llgoBuilt = !llgo && !llgoFailed && llgoCarried;
  // gc binaries: the names gc's runtime prints (docs/symbolization.md, "gc-built binaries").
  const gcBuilt = !llgo && !llgoFailed && !llgoBuilt && isGcBinary(elf);

  const exec = elf.executableRanges();
  const symtab = elf.symbolTable();
  const execSections = new Uint8Array(elf.sections.length);
  for (const s of elf.sections) if (s.flags & SHF_EXECINSTR) execSections[s.index] = 1;
  const { native, asCoded } = require('../../lib/native') as typeof import('../../lib/native');
  let built: ReturnType<ReturnType<typeof native>['buildTable']>;
  try {
    built = native().buildTable({
      sections: elf.dwarfSections(),
      exec: Float64Array.from(exec.flatMap((s) => [s.start, s.end])),
      symtab: symtab && { syms: symtab.syms, strs: symtab.strs, xindex: symtab.xindex, where: symtab.where },
      execSections,
      llgo: llgo ? llgoInput(llgo) : undefined,
      strict: !!opts.strict,
      gc: gcBuilt,
      progress: opts.onProgress,
    });
  } catch (err) {
    const e = asCoded(err);
    if (isLlgiError(e, 'LLGI_TABLE_INVALID') || isLlgiError(e, 'LLGI_TABLE_TOO_LARGE') || isLlgiError(e, 'LLGI_ELF_CORRUPT')) {
      throw new LlgiError(e.code, `${elf.name}: ${e.message}`);
    }
    throw e;
  }
  const report: BuildReport = {
    functions: built.functions,
    functionsWithDwarf: built.functionsWithDwarf,
    compileUnits: built.compileUnits,
    lineRows: built.lineRows,
    inlineNodes: built.inlineNodes,
    // Absent rather than undefined, so a report read back from the table cache (JSON) is the same.
    ...(llgo ? {
      llgo: {
        functions: built.llgoFunctions, prebuilt: llgo.prebuilt, statementSites: llgo.lines.length,
        source: llgo.source, ...(llgo.sidecar ? { sidecar: llgo.sidecar } : {}),
      },
    } : llgoBuilt ? { llgo: { functions: 0, prebuilt: false, statementSites: 0, source: 'none' as const } } : {}),
    warnings: [...built.warnings, ...warnings],
  };
  return { table: built.table, report };
}
