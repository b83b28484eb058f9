// In-process introspection: load modules, symbolize live pcs with gc's rules,
// and collect stacks from llgi_probe() (docs/in-process.md).

import fs from 'node:fs';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { NOTE_SECTION } from '../compiler/embed/reserve';
import { LlgiError } from '../compiler/errors';
import { AddressLike, parseAddress } from './address';
import { BoundedMap } from './bounded-map';
import { coded, native } from './native';
import { Symbolizer, callersFramesOf, type Frame, type FrameMaker } from './symbolize';
import { moduleTable, type TableChoice, type TableSource, type Validation } from './table-cache';

export interface LoadOptions {
  /** The table cache directory, or false for none (default: $LLGI_TABLE_CACHE, else the XDG cache; docs/table-cache.md). */
  cacheDir?: string | false;
  /**
   * Interpose the module's allocation functions for the heap profile
   * (docs/interposition.md). Default true: as in gc, profiling is on unless the
   * rate is 0; the slots are patched while the rate is non-zero.
   */
  interpose?: boolean;
  /**
   * Which table to build when the image embeds none and none is cached:
   * 'auto' (default) builds an llgo module without DWARF from its own memory
   * and everything else from its file; 'file' always builds from the file;
   * 'llgo-memory' always from the module's memory (llgo modules only).
   */
  table?: TableChoice;
  /**
   * When an embedded table is validated (docs/embedding.md): 'first-use'
   * (default) adopts it in O(1) and validates each 4 KiB bucket of text in
   * the first lookup that lands in it, so a corrupt table is refused by that
   * lookup (LLGI_TABLE_INVALID) and every later one; 'load' validates all of
   * it before load() returns. Tables without a checksum index (written by an
   * older postlink), cached and built tables are always validated at load.
   */
  validate?: Validation;
  /**
   * An llgo c-shared library's package initialisation, `main.init`, must run
   * before any export is called (docs/llgo.md, "c-shared libraries in
   * Node"). Current llgo runs it from the library's own ELF constructor,
   * inside dlopen; older llgo leaves it to the host. 'auto' (default): when
   * llgo's init guard says it has not run yet, load() calls `main.init`,
   * once, on this thread's own stack (as Module.call), after the module is
   * registered and interposed, so its allocations are profiled. true: the
   * same, but the module must be an llgo c-shared library
   * (LLGI_BAD_ARGUMENT otherwise). false: leave it to the caller
   * (`m.call('main.init')`; llgo's guard makes a second call a no-op).
   */
  init?: 'auto' | boolean;
}

/** A frame of a live stack: gc's runtime.Frame plus the module it is in. */
export interface LiveFrame extends Frame {
  module: Module;
}

/**
 * gc's *runtime.Func for a live pc. Frozen: funcForPC returns the same object
 * for the same pc while it is cached (FUNC_CACHE_SIZE).
 */
export interface Func {
  /** gc's Func.Name(): the innermost inlined function at the pc given to funcForPC. */
  readonly name: string;
  /** gc's spelling of `name` (differs for llgo's closures, generics, init and bound methods; docs/llgo.md). */
  readonly gcName: string;
  /** Entry of the physical function (runtime address). */
  readonly entry: bigint;
  /** file:line at the pc given to funcForPC. */
  readonly file: string;
  readonly line: number;
  readonly module: Module;
  /** gc's Func.FileLine(pc). For a Func of an inlined pc, gc answers for the original pc whatever is passed. */
  fileLine(pc: AddressLike): { file: string; line: number };
}

/** The inline wrappers of llgi_module.h, hidden from the frames they are inlined into. */
const WRAPPERS = new Set(['llgi_callers', 'llgi_probe', 'llgi_alloc']);

/**
 * Index of the first frame to show: llgi_callers/llgi_probe/llgi_alloc are always_inline
 * wrappers from llgi_module.h, so a stack starts at their caller, as gc's
 * stacks start past runtime.Callers once it is skipped.
 */
function visibleFrom(frames: Frame[]): number {
  let i = 0;
  while (i < frames.length - 1 && frames[i].inlined && WRAPPERS.has(frames[i].function) && frames[i].file.endsWith('/llgi_module.h')) i++;
  return i;
}

const open: Module[] = [];
/** Closed modules whose tables still answer for pcs captured before close. */
const retired: Module[] = [];
let nextId = 1;

/**
 * Most Funcs funcForPC keeps, one per pc looked up (the oldest goes first):
 * about 230 bytes each (measured), so at most about 1 MB. A module's entries
 * go when it closes; a table refused at first use is checked before a cached
 * answer (docs/in-process.md).
 */
export const FUNC_CACHE_SIZE = 4096;
const funcs = new BoundedMap<bigint, Func>(FUNC_CACHE_SIZE);

export class Module {
  readonly id: number;
  /** Absolute path given to dlopen. */
  readonly path: string;
  readonly buildId: string | null;
  /** Load bias: runtime address = link-time address + base. */
  readonly base: bigint;
  /** Lowest and highest runtime addresses of the executable segments. */
  readonly textStart: bigint;
  readonly textEnd: bigint;
  /** Where the table came from: 'embedded' (postlink), 'cache', 'built' from the file, or 'llgo-memory'. */
  readonly tableSource: TableSource;
  /** When the table is validated: 'first-use' (per bucket, by lookups) or 'load' (whole, before load() returned). */
  readonly tableValidation: Validation;
  /** True when the module's hook table was found and filled (it includes llgi_module.h). */
  readonly hooks: boolean;
  /**
   * For an llgo c-shared library, who ran its package initialisation by the
   * time load() returned: 'constructor' (the library's own, inside dlopen),
   * 'load' (LoadOptions.init), or null when it has not run (init: false);
   * undefined for other modules.
   */
  llgoInit: 'constructor' | 'load' | null | undefined = undefined;
  /** @internal the dlopen handle (dlopen returns the same one for an image already loaded) */
  readonly handle: bigint;
  private readonly slots: number[];
  private readonly ranges: BigUint64Array;
  /** The ranges as bigints: reading a BigUint64Array makes a new BigInt each time. */
  private readonly spans: bigint[];
  /**
   * @internal An embedded table (tableSource 'embedded') is read in place in
   * the mapped image; close() swaps in a heap copy before dlclose unmaps it.
   */
  sym: Symbolizer;
  private ffi: { unload(): void; func(proto: string): (...args: unknown[]) => unknown } | undefined;
  private closedFlag = false;
  private gcLinked: boolean | undefined;
  /** Whether this module takes part in allocation interposition (LoadOptions.interpose). */
  readonly interposes: boolean;
  private interposed = false;

  /** @internal use load() */
  constructor(file: string, img: ReturnType<ReturnType<typeof native>['dlopen']>, opts: LoadOptions, hasDwarf?: boolean) {
    this.id = nextId++;
    this.path = file;
    this.buildId = img.buildId;
    this.base = img.base;
    this.handle = img.handle;
    this.ranges = img.ranges;
    this.spans = Array.from(img.ranges);
    let lo = img.ranges[0];
    let hi = img.ranges[1];
    for (let i = 0; i < img.ranges.length; i += 2) {
      if (img.ranges[i] < lo) lo = img.ranges[i];
      if (img.ranges[i + 1] > hi) hi = img.ranges[i + 1];
    }
    this.textStart = lo;
    this.textEnd = hi;
    if (img.embeddedError) {
      throw new LlgiError('LLGI_TABLE_INVALID', `${file}: its ${NOTE_SECTION} note cannot hold an LLGI table: ${img.embeddedError}`);
    }
    const { sym, source } = moduleTable(file, img.base, img.buildId, {
      cacheDir: opts.cacheDir, embedded: img.embedded, embeddedSums: img.embeddedSums, handle: img.handle, hasDwarf, table: opts.table,
      validate: opts.validate,
    });
    this.sym = sym;
    this.tableSource = source;
    this.tableValidation = sym.firstUse ? 'first-use' : 'load';
    const reg = coded(() => native().register(this.handle, this.base, this.ranges, sym.nativeTable, this.id));
    this.slots = reg.slots;
    this.hooks = reg.hooks;
    this.interposes = opts.interpose !== false;
  }

  /** @internal patches (on) or restores (off) the allocation slots; see setMemProfileRate. */
  setInterposed(on: boolean): void {
    if (!this.interposes || this.closedFlag || on === this.interposed) return;
    coded(() => (on ? native().interpose(this.handle) : native().restore(this.handle)));
    this.interposed = on;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** True when pc is inside one of this module's executable segments. */
  contains(pc: bigint): boolean {
    const s = this.spans;
    for (let i = 0; i < s.length; i += 2) if (pc >= s[i] && pc < s[i + 1]) return true;
    return false;
  }

  /** True when the module or a library it needs defines GC_malloc: it runs on libgc. */
  get linksGc(): boolean {
    this.checkOpen();
    this.gcLinked ??= native().dlsym(this.handle, 'GC_malloc') !== null;
    return this.gcLinked;
  }

  /** Runtime address of an exported symbol (dlsym), or null. */
  symbol(name: string): bigint | null {
    this.checkOpen();
    return native().dlsym(this.handle, name);
  }

  /**
   * A JavaScript function calling the exported function `name` through koffi,
   * over this same loaded image. `signature` is a C type with the name left
   * out: 'int (int)', 'void (uint64_t *, int)'.
   *
   * koffi runs the call on a stack of its own, and libgc's collector cannot
   * scan such a stack (docs/in-process.md, "Boehm GC modules"): for a module
   * linked with libgc (every llgo module) this is LLGI_BAD_ARGUMENT unless
   * `opts.entersGc` is false, the caller's word that the function never
   * allocates from or collects with the GC. Use call() for the others.
   */
  func(name: string, signature: string, opts: { entersGc?: boolean } = {}): (...args: unknown[]) => unknown {
    this.checkOpen();
    const m = /^\s*([^()]+?)\s*\((.*)\)\s*$/s.exec(signature);
    if (!m || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new LlgiError('LLGI_BAD_ARGUMENT', `bad function signature ${JSON.stringify(signature)} for ${name}: expected e.g. 'int (int, int)'`);
    }
    if (opts.entersGc !== false && this.linksGc) {
      throw new LlgiError('LLGI_BAD_ARGUMENT', `${this.path} uses the Boehm GC, which cannot scan the stack koffi calls ${name} on: `
        + 'call it with Module.call (up to six integer or pointer arguments), or pass { entersGc: false } if it never enters the GC');
    }
    if (!this.ffi) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const koffi = require('koffi') as { load(p: string): { unload(): void; func(proto: string): (...a: unknown[]) => unknown } };
      this.ffi = koffi.load(this.path);
    }
    try {
      return this.ffi.func(`${m[1]} ${name}(${m[2]})`);
    } catch (e) {
      throw new LlgiError('LLGI_BAD_ARGUMENT', `cannot bind ${name}${signature}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Calls the exported function `name` with up to six integer or pointer
   * arguments, and returns its integer (or pointer) result as a bigint. Unlike
   * func(), the call runs on the calling thread's own stack. koffi switches to
   * a stack of its own, and runtimes that scan the stack, such as the Boehm GC
   * that llgo modules use, cannot live with that. A function returning void
   * gives an unspecified value.
   */
  call(name: string, ...args: (number | bigint)[]): bigint {
    this.checkOpen();
    if (args.length > 6) throw new LlgiError('LLGI_BAD_ARGUMENT', `call() passes at most 6 integer arguments, got ${args.length}`);
    const addr = native().dlsym(this.handle, name);
    if (addr === null) throw new LlgiError('LLGI_BAD_ARGUMENT', `${this.path} exports no ${name}`);
    const a = new BigInt64Array(6);
    args.forEach((x, i) => {
      if (typeof x === 'number' && !Number.isSafeInteger(x)) throw new LlgiError('LLGI_BAD_ARGUMENT', `call(${name}) argument ${i} is not an integer: ${x}`);
      a[i] = BigInt.asIntN(64, BigInt(x));
    });
    return native().callInt(addr, a);
  }

  /** Unregisters and dlcloses. pcs captured before stay symbolizable with callersFrames(). */
  close(): void {
    if (this.closedFlag) return;
    this.setInterposed(false);
    this.closedFlag = true;
    native().unregister(this.handle, this.base, this.slots);
    this.ffi?.unload();
    this.ffi = undefined;
    // pcs captured before close keep answering (retired modules), but dlclose
    // may unmap an embedded table: answer from a copy from now on.
    if (this.tableSource === 'embedded') {
      const { table, sums } = this.sym;
      this.sym = Symbolizer.fromTable(Buffer.from(table), this.path, this.base, this.buildId, sums && Buffer.from(sums));
    }
    native().dlclose(this.handle);
    const i = open.indexOf(this);
    if (i >= 0) open.splice(i, 1);
    retired.push(this);
    funcs.deleteWhere((f) => f.module === this);
  }

  private checkOpen(): void {
    if (this.closedFlag) throw new LlgiError('LLGI_CLOSED', `${this.path} was closed`);
  }
}

/**
 * dlopens a shared object (RTLD_NOW | RTLD_LOCAL), adopts its LLGI table
 * (embedded in the image by `llgo-introspect postlink`; else built at first
 * use, then cached by build-id), registers its text for walks and fills its
 * hook table. Loading an open module again returns the same Module.
 */
export function load(file: string, opts: LoadOptions = {}): Module {
  const abs = path.resolve(file);
  if (opts.table !== undefined && !['auto', 'file', 'llgo-memory'].includes(opts.table)) {
    throw new LlgiError('LLGI_BAD_ARGUMENT', `load option table must be 'auto', 'file' or 'llgo-memory', got ${JSON.stringify(opts.table)}`);
  }
  if (opts.validate !== undefined && !['first-use', 'load'].includes(opts.validate)) {
    throw new LlgiError('LLGI_BAD_ARGUMENT', `load option validate must be 'first-use' or 'load', got ${JSON.stringify(opts.validate)}`);
  }
  if (opts.init !== undefined && !['auto', true, false].includes(opts.init)) {
    throw new LlgiError('LLGI_BAD_ARGUMENT', `load option init must be 'auto', true or false, got ${JSON.stringify(opts.init)}`);
  }
  // Typed errors for what dlopen would only describe in a string. Only the
  // ELF and program headers are read here (a segment past the end of the
  // file would fault when mapped); the whole file is read only when the table
  // has to be built.
  if (!fs.existsSync(abs)) throw new LlgiError('LLGI_IO', `cannot open ${abs}: no such file`);
  const elf = ElfFile.probe(abs); // LLGI_NOT_ELF, LLGI_ELF_UNSUPPORTED, LLGI_ELF_TRUNCATED, ...
  if (elf.machine !== process.arch.replace('x64', 'x86_64').replace('arm64', 'aarch64')) {
    throw new LlgiError('LLGI_ELF_UNSUPPORTED', `${abs} is built for ${elf.machine}, this process runs on ${process.arch}`);
  }
  const img = coded(() => native().dlopen(abs));
  const same = open.find((m) => m.handle === img.handle);
  if (same) {
    native().dlclose(img.handle); // balance dlopen's reference count
    return same;
  }
  let m: Module;
  try {
    m = new Module(abs, img, opts, elf.hasDwarf);
  } catch (e) {
    native().dlclose(img.handle);
    throw e;
  }
  open.push(m);
  try {
    m.setInterposed(native().mprofRate() !== 0);
    runLlgoInit(m, opts.init ?? 'auto');
  } catch (e) {
    m.close(); // nothing stays registered
    throw e;
  }
  return m;
}

/** llgo's package initialisation entry of a c-shared library. */
const LLGO_INIT = 'main.init';

/** LoadOptions.init: runs main.init of an llgo c-shared library unless its guard says it ran. */
function runLlgoInit(m: Module, init: 'auto' | boolean): void {
  const done = m.symbol(LLGO_INIT) !== null ? native().llgoInitDone(m.handle) : null;
  if (done === null) {
    if (init === true) throw new LlgiError('LLGI_BAD_ARGUMENT', `${m.path} is not an llgo c-shared library (no ${LLGO_INIT} and main.init$guard): load option init: true cannot run it`);
    return;
  }
  if (done) m.llgoInit = 'constructor';
  else if (init === false) m.llgoInit = null;
  else {
    m.call(LLGO_INIT);
    m.llgoInit = 'load';
  }
}

/** The open modules, in load order. */
export function modules(): Module[] {
  return [...open];
}

function moduleOf(pc: bigint, includeClosed: boolean): Module | undefined {
  for (const m of open) if (m.contains(pc)) return m;
  return includeClosed ? retired.findLast((m) => m.contains(pc)) : undefined;
}

/**
 * gc's runtime.FuncForPC: the pc is used as given; null outside every open
 * module. Like callersFrames, it does not name llgi_module.h's wrappers: a pc
 * inside an inlined llgi_callers/llgi_probe answers for the function that
 * called it. Answers are cached per pc (FUNC_CACHE_SIZE): a cached pc gets
 * the same frozen Func back.
 */
export function funcForPC(pc: AddressLike): Func | null {
  const p = parseAddress(pc);
  const hit = funcs.get(p);
  // A closing module takes its entries along; a refused table answers nothing.
  if (hit !== undefined && !hit.module.sym.refused) return hit;
  const m = moduleOf(p, false);
  if (!m) return null;
  const [all] = m.sym.symbolize([p]);
  if (!all.length) return null;
  const f = funcOf(m, all.slice(visibleFrom(all)));
  funcs.set(p, f);
  return f;
}

/** The Func of a pc whose visible frames are `frames`, innermost first. */
function funcOf(m: Module, frames: Frame[]): Func {
  const { function: name, gcFunction, entry, file, line } = frames[0];
  const inlined = frames.length > 1;
  return Object.freeze({
    name,
    gcName: gcFunction,
    entry,
    file,
    line,
    module: m,
    fileLine(at: AddressLike) {
      if (inlined) return { file, line };
      const [f] = m.sym.symbolize([at]);
      if (!f.length || f[f.length - 1].entry !== entry) return { file: '?', line: 0 };
      const v = f[visibleFrom(f)];
      return { file: v.file, line: v.line };
    },
  });
}

/**
 * gc's CallersFrames: each pc is a return address (looked up at pc-1 unless it
 * is a function's entry), inlined calls expanded innermost first, except
 * where the next pc already stands for an enclosing frame (gc's own Callers
 * lists one: callersFramesOf). pcs outside every module are skipped, as gc
 * skips pcs without a function. Modules closed after the pcs were captured
 * still answer.
 */
export function callersFrames(pcs: Iterable<AddressLike>): LiveFrame[] {
  const chains: LiveFrame[][] = [];
  // One lookup per run of consecutive pcs in the same module (a stack's usual shape).
  let run: bigint[] = [];
  let runModule: Module | undefined;
  const flush = () => {
    if (!runModule) return;
    const module = runModule;
    const make: FrameMaker<LiveFrame> = (pc, fn, file, line, entry, inlined, gcFunction, functionSource, lineSource) =>
      ({ pc, function: fn, file, line, entry, inlined, gcFunction, functionSource, lineSource, module });
    for (const frames of module.sym.lookup(run, true, make)) {
      const from = visibleFrom(frames);
      chains.push(from ? frames.slice(from) : frames);
    }
    run = [];
  };
  for (const pc of pcs) {
    const p = parseAddress(pc);
    const m = moduleOf(p, true);
    if (!m) continue;
    if (m !== runModule) {
      flush();
      runModule = m;
    }
    run.push(p);
  }
  flush();
  return callersFramesOf(chains);
}

export interface TraceOptions {
  /** Most stacks kept; later probes count as dropped (default 65536). */
  maxStacks?: number;
  /** Most pcs kept per stack, innermost first (default 1024). */
  maxDepth?: number;
  /** Most pcs kept in all (default 1 << 20). */
  maxPcs?: number;
}

export interface Trace<T> {
  value: T;
  /** One stack per llgi_probe() on this thread while fn ran: return addresses, innermost first. */
  stacks: bigint[][];
  /** Probes that found no room left. */
  dropped: number;
  /** Stacks cut at maxDepth or at the end of the buffer. */
  truncated: number;
}

/**
 * Runs fn; every llgi_probe() executed meanwhile on this thread appends one
 * stack. Traces nest (the innermost receives the probes). If fn throws, the
 * error is rethrown with the stacks recorded so far attached as `error.trace`.
 * Only synchronous work is traced: probes after fn returns (a Promise's
 * continuation) are not.
 */
export function trace<T>(fn: () => T, opts: TraceOptions = {}): Trace<T> {
  const maxStacks = opts.maxStacks ?? 65536;
  const maxDepth = opts.maxDepth ?? 1024;
  const maxPcs = opts.maxPcs ?? 1 << 20;
  for (const [k, v] of Object.entries({ maxStacks, maxDepth, maxPcs })) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new LlgiError('LLGI_BAD_ARGUMENT', `trace option ${k} must be a positive integer, got ${v}`);
  }
  const h = native().traceBegin(maxPcs, maxStacks, maxDepth);
  let value: T | undefined;
  let failure: { error: unknown } | undefined;
  try {
    value = fn();
  } catch (error) {
    failure = { error };
  }
  const r = native().traceEnd(h);
  const stacks: bigint[][] = [];
  let start = 0;
  for (const end of r.ends) {
    stacks.push(Array.from(r.pcs.subarray(start, end)));
    start = end;
  }
  const result = { value: value as T, stacks, dropped: r.dropped, truncated: r.truncated };
  if (failure) {
    const e = failure.error;
    if (e && typeof e === 'object') Object.assign(e, { trace: { stacks, dropped: r.dropped, truncated: r.truncated } });
    throw e;
  }
  return result;
}
