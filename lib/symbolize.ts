// Offline symbolization: ELF -> LLGI table (compiler/) -> C lookups (runtime/).
// The same C reader answers in-process lookups, so offline and live answers
// cannot disagree.

import fs from 'node:fs';
import { ElfFile } from '../compiler/elf';
import { gcName } from '../compiler/llgo/names';
import type { BuildOptions, BuildReport } from '../compiler/table/build';
import { ELEM_SIZE, FUNC_LLGO_LINES, FUNC_LLGO_NAME, FUNC_SYMTAB, H, SECTIONS } from '../compiler/table/format';
import { AddressLike, parseAddress } from './address';
import { adoptTable, asCoded, coded, type NativeTable } from './native';
import { adoptCached, buildAndStore, tableCacheDir, tableCacheKey } from './table-store';

/** One logical frame, gc's runtime.Frame in spirit. */
export interface Frame {
  /** The address looked up (the given address, or address-1 for a return address). */
  pc: bigint;
  /** Function name ("" when the binary names none). */
  function: string;
  /** Source file, "?" when unknown (as gc prints). */
  file: string;
  /** Source line, 0 when unknown. */
  line: number;
  /** Entry of the physical function (also for inlined frames, as gc). */
  entry: bigint;
  /** True for a call inlined into the next frame. */
  inlined: boolean;
  /** gc's spelling of `function` (llgo closures, generics, init and bound methods; docs/llgo.md). */
  gcFunction: string;
  /** Where `function` came from: llgo's funcinfo record, the ELF symbol table or DWARF. */
  functionSource: 'llgo' | 'symtab' | 'dwarf';
  /** Where `file`/`line` came from: llgo's record and statement anchors, DWARF, or nowhere. */
  lineSource: 'llgo' | 'dwarf' | 'none';
}

export interface SymbolizeOptions {
  /** Treat addresses as return addresses: look up address-1 when it is above its function's entry (gc's CallersFrames). */
  returnAddresses?: boolean;
}

export interface OpenOptions extends BuildOptions {
  /**
   * The table cache directory, or false to neither read nor write it
   * (default: $LLGI_TABLE_CACHE, else the XDG cache directory;
   * docs/table-cache.md).
   */
  cacheDir?: string | false;
}

/** Where a Symbolizer's table came from: built now from the file, or the table cache. */
export type SymbolizerSource = 'built' | 'cache' | 'table';

const NONE = 0xffffffff;
const FRAME_WORDS = 6;
const NAME_CACHE_BITS = 12;
const NAME_CACHE = 1 << NAME_CACHE_BITS;

/** What every frame of one physical function shares, read from its record once. */
interface FuncRecord {
  name: string;
  gcName: string;
  entry: bigint;
  source: Frame['functionSource'];
  llgoLines: boolean;
}

/**
 * Makes one frame from its fields, in Frame's order. Frames are made by one
 * such function per kind (Frame here, LiveFrame in live.ts), so that all of
 * a kind have one shape: V8 keeps property access on them monomorphic.
 */
export type FrameMaker<F extends Frame> = (pc: bigint, fn: string, file: string, line: number, entry: bigint, inlined: boolean,
  gcFunction: string, functionSource: Frame['functionSource'], lineSource: Frame['lineSource']) => F;

const frame: FrameMaker<Frame> = (pc, fn, file, line, entry, inlined, gcFunction, functionSource, lineSource) =>
  ({ pc, function: fn, file, line, entry, inlined, gcFunction, functionSource, lineSource });

export class Symbolizer {
  readonly path: string;
  readonly buildId: string | null;
  /** The build report of the table (kept with it in the cache); undefined for a table given to fromTable. */
  readonly report: BuildReport | undefined;
  /** 'built' (from the file, now), 'cache' (the table cache) or 'table' (given to fromTable). */
  readonly source: SymbolizerSource;
  /** The adopted LLGI table; kept alive as long as this object. */
  readonly table: Buffer;
  /** Its checksum index when it was adopted for validation at first use (docs/embedding.md). */
  readonly sums: Buffer | undefined;
  private readonly native: NativeTable;
  private readonly textStart: bigint;
  private readonly stringsOffset: number;
  private readonly funcsOffset: number;
  /** The table's refusal word (first-use validation), null when adopted whole. */
  private readonly refusedWord: Uint32Array | null;
  /** Strings by table offset, and records by function index: made once, at most one per string and function. */
  private readonly names = new Map<number, string>();
  /** A direct-mapped cache in front of `names`: a Map lookup cost as much as the rest of a frame (bench:live). */
  private readonly nameKeys = new Uint32Array(NAME_CACHE).fill(NONE);
  private readonly nameVals: string[] = new Array<string>(NAME_CACHE).fill('');
  private readonly funcs: (FuncRecord | undefined)[];
  /** Reused for every lookup (bound to the native table), so a lookup allocates only its Frame objects. */
  private scratchIn = new BigUint64Array(16);
  private scratchOut = new Uint32Array(256);

  /**
   * Added to every address the table describes: 0 offline, a module's load
   * bias for live pcs (runtime address = table address + bias).
   */
  readonly bias: bigint;

  private constructor(path: string, buildId: string | null, table: Buffer, report?: BuildReport, bias = 0n, sums?: Buffer, source: SymbolizerSource = 'table') {
    this.path = path;
    this.source = source;
    this.buildId = buildId;
    this.table = table;
    this.sums = sums;
    this.report = report;
    this.bias = bias;
    this.native = adoptTable(table, sums);
    const info = this.native.info();
    this.textStart = info.textStart;
    this.stringsOffset = info.stringsOffset;
    this.refusedWord = info.refused;
    this.funcs = new Array(info.nfunc);
    this.funcsOffset = table.readUInt32LE(H.sections + 8 * SECTIONS.indexOf('funcs'));
    this.native.bind(this.scratchIn, this.scratchOut, bias);
  }

  /**
   * The binary's table: from the table cache when it holds one for the
   * binary's build-id and size (docs/table-cache.md), else read and built
   * from the file (LLGI_IO, LLGI_NOT_ELF, ... on bad input) and cached.
   * Binaries without a build-id are always built, and a table whose build
   * had warnings (a degraded answer: corrupt DWARF, say) is never cached.
   */
  static open(path: string, opts: OpenOptions = {}): Symbolizer {
    const dir = tableCacheDir(opts.cacheDir);
    const probe = dir === null ? null : probeOrNull(path);
    const key = probe?.buildId ? tableCacheKey(dir!, probe.buildId, fs.statSync(path).size, sidecarIdentity(path, opts.llgoSidecar)) : null;
    const cached = adoptCached(key, (c) => new Symbolizer(path, probe!.buildId!, aligned(c.table), c.report, 0n, undefined, 'cache'));
    if (cached) return cached;
    const elf = ElfFile.open(path);
    const { table, report } = buildAndStore(elf, key, opts);
    return new Symbolizer(path, elf.buildId(), table, report, 0n, undefined, 'built');
  }

  /**
   * Adopts an existing table (validated by the C reader: LLGI_TABLE_INVALID):
   * whole, or, given its checksum index `sums`, in O(1) with each 4 KiB
   * bucket of text validated by the first lookup in it; a lookup that finds
   * the table corrupt then throws LLGI_TABLE_INVALID, as does every later one
   * (docs/embedding.md, "Validation at first use").
   */
  static fromTable(table: Buffer, path = '<table>', bias = 0n, buildId: string | null = null, sums?: Buffer, report?: BuildReport): Symbolizer {
    return new Symbolizer(path, buildId, aligned(table), report, bias, sums && aligned(sums));
  }

  /** Whether the table is validated at first use (it was adopted with a checksum index). */
  get firstUse(): boolean {
    return this.sums !== undefined;
  }

  /**
   * Whether first-use validation has refused the table (by a lookup on any
   * thread); every lookup throws LLGI_TABLE_INVALID from then on. Costs no
   * call into the addon: caches of answers check it before answering.
   */
  get refused(): boolean {
    return this.refusedWord !== null && this.refusedWord[0] !== 0;
  }

  /** Validates every bucket now (a no-op for a table adopted whole); LLGI_TABLE_INVALID when one is bad. */
  validateAll(): void {
    coded(() => this.native.validateAll());
  }

  /** The native table (for registration with the live registry). */
  get nativeTable(): NativeTable {
    return this.native;
  }

  private str(off: number): string {
    const h = Math.imul(off, 0x9e3779b1) >>> (32 - NAME_CACHE_BITS);
    if (this.nameKeys[h] === off) return this.nameVals[h];
    let s = this.names.get(off);
    if (s === undefined) {
      const at = this.stringsOffset + off;
      s = this.table.toString('utf8', at, this.table.indexOf(0, at));
      this.names.set(off, s);
    }
    this.nameKeys[h] = off;
    this.nameVals[h] = s;
    return s;
  }

  /** Function fi's name, entry and flags (its record was validated by the C reader before fi was returned). */
  private func(fi: number, entryOff: number): FuncRecord {
    let r = this.funcs[fi];
    if (r === undefined) {
      const rec = this.funcsOffset + fi * ELEM_SIZE.funcs;
      const flags = this.table.readUInt32LE(rec + 32);
      const name = this.str(this.table.readUInt32LE(rec));
      const llgo = (flags & FUNC_LLGO_NAME) !== 0;
      r = {
        name,
        gcName: llgo ? gcName(name) : name,
        entry: this.textStart + BigInt(entryOff) + this.bias,
        source: llgo ? 'llgo' : flags & FUNC_SYMTAB ? 'symtab' : 'dwarf',
        llgoLines: (flags & FUNC_LLGO_LINES) !== 0,
      };
      this.funcs[fi] = r;
    }
    return r;
  }

  /** The native lookup of the first `count` scratch addresses: words written, or -(words needed). */
  private frames(count: number, ret: boolean): number {
    try {
      return this.native.frames(count, ret);
    } catch (e) {
      throw asCoded(e);
    }
  }

  /** Puts addrs into the bound input array (and, parsed, into `given` when passed). */
  private load(addrs: readonly AddressLike[], given?: bigint[]): void {
    const count = addrs.length;
    if (this.scratchIn.length < count) {
      this.scratchIn = new BigUint64Array(count);
      this.native.bind(this.scratchIn, this.scratchOut, this.bias);
    }
    const pcs = this.scratchIn;
    if (given) for (let i = 0; i < count; i++) pcs[i] = given[i] = parseAddress(addrs[i]);
    else for (let i = 0; i < count; i++) pcs[i] = parseAddress(addrs[i]);
  }

  /**
   * The answers for addrs as text, in one Buffer: each address's frames in
   * gc's layout (formatFrames; "?\n\t?:0\n" for none), then an empty line,
   * as `llgo-introspect symbolize` prints them. Made in C, without an
   * object per frame; the frames are symbolize()'s.
   */
  symbolizeText(addrs: readonly AddressLike[], opts: SymbolizeOptions = {}): Buffer {
    this.load(addrs);
    try {
      return this.native.text(addrs.length, !!opts.returnAddresses);
    } catch (e) {
      throw asCoded(e);
    }
  }

  /** Frames for each address, innermost first; [] for an address outside every function. */
  /**
   * symbolizeText for `lines`, each a bare `0x` address (at most 16 hex
   * digits) ended by "\n" or "\r\n", parsed in C; null when any line is
   * something else (then parse them and call symbolizeText). The
   * `symbolize` command's common input, without a string or BigInt per line.
   */
  symbolizeTextLines(lines: Buffer, opts: SymbolizeOptions = {}): Buffer | null {
    try {
      return this.native.textLines(lines, !!opts.returnAddresses);
    } catch (e) {
      throw asCoded(e);
    }
  }

  symbolize(addrs: readonly AddressLike[], opts: SymbolizeOptions = {}): Frame[][] {
    return this.lookup(addrs, !!opts.returnAddresses, frame);
  }

  /** @internal symbolize, with frames made by `make` (live.ts adds the module). */
  lookup<F extends Frame>(addrs: readonly AddressLike[], ret: boolean, make: FrameMaker<F>): F[][] {
    const count = addrs.length;
    // The given addresses, as bigints: each becomes its frames' pc, without another BigInt.
    const given: bigint[] = new Array(count);
    this.load(addrs, given);
    // Only a table validated at first use can throw here (LLGI_TABLE_INVALID).
    let used = this.frames(count, ret);
    if (used < 0) {
      this.scratchOut = new Uint32Array(-used);
      this.native.bind(this.scratchIn, this.scratchOut, this.bias);
      used = this.frames(count, ret);
    }
    const w = this.scratchOut;
    const out: F[][] = new Array(count);
    let k = 0;
    for (let i = 0; i < count; i++) {
      const n = w[k++];
      const pc = w[k++] ? given[i] - 1n : given[i];
      // Every frame of one address shares the physical function (word 3) and its entry (word 4).
      const fn = n ? this.func(w[k + 3], w[k + 4]) : undefined;
      const frames: F[] = new Array(n);
      for (let j = 0; j < n; j++, k += FRAME_WORDS) {
        const file = w[k + 1] === NONE ? '?' : this.str(w[k + 1]);
        // The innermost frame's line is the row's; outer frames' lines are DWARF call sites.
        const lineSource = file === '?' ? 'none' : j === 0 && fn!.llgoLines ? 'llgo' : 'dwarf';
        if (w[k + 5] === 1) {
          const name = this.str(w[k]);
          frames[j] = make(pc, name, file, w[k + 2], fn!.entry, true, name, 'dwarf', lineSource);
        } else {
          frames[j] = make(pc, fn!.name, file, w[k + 2], fn!.entry, false, fn!.gcName, fn!.source, lineSource);
        }
      }
      out[i] = frames;
    }
    return out;
  }
}

/** The C reader wants 4-byte alignment; a Buffer slice may not have it. */
const aligned = (b: Buffer): Buffer => (b.byteOffset % 8 === 0 ? b : Buffer.from(b));

/** The file's build-id and headers; null where open() should give the error (it names it best). */
function probeOrNull(path: string): ReturnType<typeof ElfFile.probe> | null {
  try {
    return ElfFile.probe(path);
  } catch {
    return null;
  }
}

/**
 * What identifies the llgo sidecar a build would read (BuildOptions.llgoSidecar;
 * docs/llgo.md): its path, size and modification time, '' when there is none.
 */
function sidecarIdentity(binary: string, option: string | false | undefined): string {
  if (option === false) return 'no-sidecar';
  const file = option ?? `${binary}.pclntab`;
  try {
    const st = fs.statSync(file);
    return `${fs.realpathSync(file)}:${st.size}:${st.mtimeMs}`;
  } catch {
    return option === undefined ? '' : `missing:${file}`;
  }
}

/** Whether chain `a` is exactly b[from..]. */
function sameTail(a: readonly Frame[], b: readonly Frame[], from: number): boolean {
  if (a.length !== b.length - from) return false;
  for (let i = 0; i < a.length; i++) {
    const f = a[i];
    const g = b[from + i];
    if (f.function !== g.function || f.file !== g.file || f.line !== g.line || f.entry !== g.entry) return false;
  }
  return true;
}

/**
 * gc's CallersFrames over the frame chains of a pc list (runtime/symtab.go,
 * Frames.Next): each pc gives its innermost frame, and the frames enclosing
 * an inlined one follow until the next pc is the implied pc of the next
 * enclosing frame. gc's runtime.Callers lists such a pc for every logical
 * frame; we know the next pc is one when its chain is exactly the remaining
 * enclosing frames. Over return addresses of a frame-pointer walk (one pc
 * per physical frame) every chain is expanded whole.
 */
export function callersFramesOf<F extends Frame>(chains: readonly (readonly F[])[]): F[] {
  const out: F[] = [];
  let next = 0; // the next non-empty chain after chain i (chains.length: none)
  for (let i = 0; i < chains.length; i++) {
    const chain = chains[i];
    if (!chain.length) continue;
    out.push(chain[0]);
    if (chain.length === 1) continue;
    if (next <= i) next = i + 1;
    while (next < chains.length && !chains[next].length) next++;
    const after = next < chains.length ? chains[next] : undefined;
    for (let j = 1; j < chain.length; j++) {
      if (after && sameTail(after, chain, j)) break;
      out.push(chain[j]);
    }
  }
  return out;
}

/** One-shot: symbolize link-time addresses of `binary` (what llvm-symbolizer takes). */
export function symbolize(binary: string, addrs: readonly AddressLike[], opts: SymbolizeOptions & OpenOptions = {}): Frame[][] {
  return Symbolizer.open(binary, opts).symbolize(addrs, opts);
}

/** gc's traceback style: "function\n\tfile:line" per frame. */
export function formatFrames(frames: Frame[]): string {
  return frames.map((f) => `${f.function || '?'}\n\t${f.file}:${f.line}\n`).join('');
}
