// Builds the LLGI table model of an ELF binary from its symbol table and
// DWARF (.debug_info for functions and inlined calls, .debug_line for lines).
//
// The answers are meant to equal llvm-symbolizer's, with gc's pc->function
// rule on top (docs/symbolization.md lists where the two differ):
// - function starts: symbols chosen as llvm does (symbols.ts), plus DWARF
//   subprograms that no symbol names;
// - which compile unit owns an address: .debug_aranges, then the unit DIEs'
//   own ranges, the lowest unit offset winning overlaps (DWARFDebugAranges);
// - lines and inlined calls: that unit's line table (lines.ts) and DIE
//   painting (inline.ts).

import { LlgiError, isLlgiError } from '../errors';
import type { ElfFile } from '../elf';
import { readAranges, readCompileUnits, type CompileUnit, type Range, type Subroutine } from '../dwarf/info';
import { parseLineTable, type LineTable } from '../dwarf/line';
import { clip, pointsIn, type Interval } from './intervals';
import { lineIntervals, type LineValue } from './lines';
import { paintUnit } from './inline';
import { functionSymbols } from './symbols';
import type { FuncModel, InlineNode, TableModel } from './model';
import { writeTable } from './write';
import { buildHeap, maxOldSpaceFor } from './heap';
import { mergeLlgoFunctions, mergeLlgoLines } from '../llgo/merge';
import { isLlgoBinary, readLlgoTables, type LlgoTableSource, type LlgoTables } from '../llgo/read';
import { funcNameForPrint, gcRuntimeName, isGcBinary } from './goname';

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
   * each unit counts twice, once its line table is read and once as its lines
   * and inlined calls are placed (done of total; never for a binary without DWARF).
   */
  onProgress?: (done: number, total: number) => void;
}

interface Unit {
  cu: CompileUnit;
  lines?: LineTable;
}

/** Units' address regions: which unit answers for which address. */
function unitRegions(units: Unit[], aranges: { cuOffset: number; ranges: Range[] }[]): Map<Unit, { lo: number; hi: number }[]> {
  const byOffset = new Map(units.map((u) => [u.cu.offset, u]));
  const raw: { lo: number; hi: number; unit: Unit }[] = [];
  const listed = new Set<number>();
  for (const a of aranges) {
    const u = byOffset.get(a.cuOffset);
    if (!u) continue;
    listed.add(a.cuOffset);
    for (const [lo, hi] of a.ranges) if (lo < hi) raw.push({ lo, hi, unit: u });
  }
  for (const u of units) {
    if (listed.has(u.cu.offset)) continue;
    for (const [lo, hi] of u.cu.ranges) if (lo < hi) raw.push({ lo, hi, unit: u });
  }
  // Elementary segments between all boundaries; the lowest unit offset wins.
  const cuts = [...new Set(raw.flatMap((r) => [r.lo, r.hi]))].sort((a, b) => a - b);
  raw.sort((a, b) => a.lo - b.lo);
  const regions = new Map<Unit, { lo: number; hi: number }[]>();
  let active: typeof raw = [];
  let next = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i];
    const hi = cuts[i + 1];
    while (next < raw.length && raw[next].lo <= lo) active.push(raw[next++]);
    active = active.filter((r) => r.hi > lo);
    if (!active.length) continue;
    const best = active.reduce((a, b) => (b.unit.cu.offset < a.unit.cu.offset ? b : a)).unit;
    const list = regions.get(best) ?? [];
    const last = list[list.length - 1];
    if (last && last.hi === lo) last.hi = hi;
    else list.push({ lo, hi });
    regions.set(best, list);
  }
  return regions;
}

function readUnits(elf: ElfFile, warnings: string[], strict: boolean, onProgress?: BuildOptions['onProgress']): { units: Unit[]; aranges: { cuOffset: number; ranges: Range[] }[] } {
  const s = elf.dwarfSections();
  if (!s.info) return { units: [], aranges: [] };
  const guard = <T>(what: string, f: () => T, fallback: T): T => {
    try {
      return f();
    } catch (e) {
      if (strict || !isLlgiError(e, 'LLGI_DWARF_CORRUPT')) throw e;
      warnings.push(`${what}: ${e.message}; answering from the symbol table`);
      return fallback;
    }
  };
  const cus = guard('.debug_info', () => readCompileUnits(s), [] as CompileUnit[]);
  const aranges = s.aranges ? guard('.debug_aranges', () => readAranges(s), []) : [];
  const units = cus.map((cu, i) => {
    const lines = cu.stmtList === undefined || !s.line ? undefined
      : guard(`.debug_line of unit 0x${cu.offset.toString(16)}`, () => parseLineTable(s, cu.stmtList!, cu.compDir), undefined);
    onProgress?.(i + 1, 2 * cus.length);
    return { cu, lines };
  });
  return { units, aranges };
}

/** All subprogram DIEs with code, in any nesting. */
function* subprograms(list: Subroutine[]): Generator<Subroutine> {
  for (const d of list) {
    if (d.tag === 'subprogram' && d.ranges.length) yield d;
    yield* subprograms(d.children);
  }
}

export function buildModel(elf: ElfFile, opts: BuildOptions = {}): { model: TableModel; report: BuildReport } {
  refuseWithoutHeap(elf);
  const warnings: string[] = [];
  const execSecs = elf.executableRanges();
  const execAt = (addr: number) => execSecs.some((s) => addr >= s.start && addr < s.end);

  // Functions from the symbol table.
  const funcs = new Map<number, FuncModel>();
  for (const s of functionSymbols(elf)) {
    if (!execAt(s.addr)) continue;
    funcs.set(s.addr, {
      entry: s.addr, size: s.size || undefined, name: s.name, fromSymtab: true, fromDwarf: false,
      symFile: s.file, lines: [], paints: [],
    });
  }

  const { units, aranges } = readUnits(elf, warnings, !!opts.strict, opts.onProgress);
  const fileOf = (u: Unit | undefined, idx: number | undefined) =>
    u?.lines && idx !== undefined ? u.lines.files[idx] : undefined;
  const unitAt = new Map(units.map((u) => [u.cu.offset, u]));
  const dwarfNameAt = new Map<number, string>();

  // DWARF subprograms: declaration lines, and functions no symbol names.
  for (const u of units) {
    for (const d of subprograms(u.cu.subroutines)) {
      const entry = Math.min(...d.ranges.map((r) => r[0]));
      if (!execAt(entry)) continue;
      let f = funcs.get(entry);
      if (!f) {
        const r = d.ranges.find((x) => x[0] === entry)!;
        f = { entry, size: r[1] - r[0], name: d.name ?? '', fromSymtab: false, fromDwarf: true, lines: [], paints: [] };
        funcs.set(entry, f);
      }
      f.fromDwarf = true;
      if (d.trampoline) f.wrapper = true;
      if (d.name !== undefined && !dwarfNameAt.has(entry)) dwarfNameAt.set(entry, d.name);
      const declUnit = d.declFileCu !== undefined ? unitAt.get(d.declFileCu) : u;
      f.declFile ??= fileOf(declUnit, d.declFile);
      f.declLine ??= d.declLine;
    }
  }
  // llgo's funcinfo tables: names, and the functions a stripped binary only names there.
  let llgo: LlgoTables | null = null;
  let llgoFailed = false;
  try {
    llgo = readLlgoTables(elf, { sidecar: opts.llgoSidecar });
  } catch (e) {
    if (opts.strict || !(isLlgiError(e, 'LLGI_LLGO_INVALID') || isLlgiError(e, 'LLGI_LLGO_SIDECAR_MISSING'))) throw e;
    llgoFailed = true;
    warnings.push(`${e.message}; answering from the symbol table and DWARF`);
  }
  if (llgo) mergeLlgoFunctions(funcs, llgo);
  // llgo -pclntab=none keeps its runtime's (empty) table globals: the symbol table is all there is.
  const llgoBuilt = !llgo && !llgoFailed && isLlgoBinary(elf);
  // gc binaries: the names gc's runtime prints (goname.ts; docs/symbolization.md, "gc-built binaries").
  const gcBuilt = !llgo && !llgoFailed && !llgoBuilt && isGcBinary(elf);
  if (gcBuilt) for (const f of funcs.values()) f.name = gcRuntimeName(f.name, f.fromSymtab, dwarfNameAt.get(f.entry));
  // Wrapper elision is gc's rule, for gc's wrappers only.
  else for (const f of funcs.values()) delete f.wrapper;
  // gc records relative file names (<autogenerated>, cgo's _cgo_gotypes.go)
  // in the compilation directory ".", which the line table joins; gc's
  // runtime prints them as the compiler named them.
  if (gcBuilt) {
    for (const u of units) if (u.lines) u.lines.files = u.lines.files.map((f) => f?.replace(/^\.\//, ''));
  }

  const list = [...funcs.values()].sort((a, b) => a.entry - b.entry);
  if (!list.length) throw new LlgiError('LLGI_TABLE_INVALID', `${elf.name}: no functions in the symbol table or DWARF`);

  // Sizes never run into the next function; the text ends with the last one.
  for (let i = 0; i + 1 < list.length; i++) {
    const room = list[i + 1].entry - list[i].entry;
    if (list[i].size !== undefined && list[i].size! > room) list[i].size = room;
  }
  const last = list[list.length - 1];
  const textStart = list[0].entry;
  // An unsized last symbol runs to the end of the executable sections, as
  // llvm-symbolizer lets size-0 symbols run to the next symbol.
  const execEnd = Math.max(...execSecs.map((s) => s.end));
  const textEnd = last.size ? last.entry + last.size : execEnd;

  // Lines and inlined calls, each answered by the unit that owns the address.
  const regions = unitRegions(units, aranges);
  // Each unit's intervals, joined once at the end: concatenating per unit copied
  // the growing list again for every unit, quadratic in the unit count.
  const lineParts: Interval<LineValue>[][] = [];
  const paintParts: Interval<Subroutine>[][] = [];
  const parents = new Map<Subroutine, Subroutine | null>();
  const unitOfDie = new Map<Subroutine, Unit>();
  let step = units.length;
  for (const u of units) {
    opts.onProgress?.(++step, 2 * units.length);
    const reg = regions.get(u);
    if (!reg) continue;
    if (u.lines) lineParts.push(clip(lineIntervals(u.lines), reg));
    const painted = paintUnit(u.cu.subroutines, parents);
    for (const iv of painted) unitOfDie.set(iv.value, u);
    paintParts.push(clip(painted, reg));
  }
  const lineIv = lineParts.flat();
  const paintIv = paintParts.flat();
  lineIv.sort((a, b) => a.lo - b.lo);
  paintIv.sort((a, b) => a.lo - b.lo);

  // Inline nodes for painted inlined DIEs and their inlined ancestors, parents first.
  const nodes: InlineNode[] = [];
  const nodeOf = new Map<Subroutine, number>();
  const nodeFor = (d: Subroutine, u: Unit): number => {
    if (d.tag !== 'inlined') return -1;
    const known = nodeOf.get(d);
    if (known !== undefined) return known;
    const p = parents.get(d) ?? null;
    const parent = p ? nodeFor(p, u) : -1;
    const id = nodes.length;
    nodes.push({ parent, name: gcBuilt ? funcNameForPrint(d.name ?? '') : d.name ?? '', callFile: fileOf(u, d.callFile), callLine: d.callLine ?? 0 });
    nodeOf.set(d, id);
    return id;
  };
  const paintNodes: Interval<number>[] = paintIv.map((iv) => ({ lo: iv.lo, hi: iv.hi, value: nodeFor(iv.value, unitOfDie.get(iv.value)!) }));

  const noLine: LineValue = { line: 0 };
  let li = 0;
  let pi = 0;
  let rows = 0;
  list.forEach((f, i) => {
    const hi = i + 1 < list.length ? list[i + 1].entry : textEnd;
    const l = pointsIn(lineIv, li, f.entry, hi, noLine, (a, b) => a.file === b.file && a.line === b.line);
    li = l.next;
    f.lines = l.points.map((p) => ({ pc: p.pc, file: p.value.file, line: p.value.file === undefined ? 0 : p.value.line }));
    const p = pointsIn(paintNodes, pi, f.entry, hi, -1, (a, b) => a === b);
    pi = p.next;
    f.paints = p.points.map((x) => ({ pc: x.pc, node: x.value }));
  });
  if (llgo) mergeLlgoLines(list, llgo);
  for (const f of list) rows += f.lines.length;

  return {
    model: { textStart, textEnd, funcs: list, nodes },
    report: {
      functions: list.length,
      functionsWithDwarf: list.filter((f) => f.fromDwarf).length,
      compileUnits: units.length,
      lineRows: rows,
      inlineNodes: nodes.length,
      // Absent rather than undefined, so a report read back from the table cache (JSON) is the same.
      ...(llgo ? {
        llgo: {
          functions: list.filter((f) => f.llgoName).length, prebuilt: llgo.prebuilt, statementSites: llgo.lines.length,
          source: llgo.source, ...(llgo.sidecar ? { sidecar: llgo.sidecar } : {}),
        },
      } : llgoBuilt ? { llgo: { functions: 0, prebuilt: false, statementSites: 0, source: 'none' as const } } : {}),
      warnings,
    },
  };
}

/**
 * LLGI_OUT_OF_HEAP when the build would not fit in what is left of V8's heap:
 * running out of it would end the whole process (heap.ts).
 */
function refuseWithoutHeap(elf: ElfFile): void {
  const dwarf = elf.dwarfBytes();
  const { need, headroom } = buildHeap(dwarf);
  if (need <= headroom) return;
  const gib = (n: number) => (n < 2 ** 30 ? `${Math.ceil(n / 2 ** 20)} MiB` : `${(n / 2 ** 30).toFixed(1)} GiB`);
  throw new LlgiError('LLGI_OUT_OF_HEAP', `${elf.name}: building its table from ${(dwarf / 2 ** 20).toFixed(0)} MiB of DWARF needs about ${gib(need)} `
    + `of JavaScript heap and this process has ${gib(Math.max(0, headroom))} left: run node with --max-old-space-size=${maxOldSpaceFor(dwarf)} `
    + '(the llgo-introspect command does this by itself), or embed the table with postlink');
}

/** The LLGI table bytes of an ELF binary. */
export function buildTable(elf: ElfFile, opts: BuildOptions = {}): { table: Buffer; report: BuildReport } {
  const { model, report } = buildModel(elf, opts);
  return { table: writeTable(model), report };
}
