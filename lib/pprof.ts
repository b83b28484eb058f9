// runtime/pprof's heap profile for the records of memProfile(): the gzipped
// profile.proto that pprof.WriteHeapProfile writes, and the legacy text format
// of pprof.Lookup("heap").WriteTo(w, 1). gc's rules are docs/gc-semantics.md
// §3; where ours differ, docs/memprofile.md ("pprof output") says why.

import fs from 'node:fs';
import zlib from 'node:zlib';
import { Function as PFunction, Label, Location, Mapping, Sample, ValueType } from 'pprof-format';
import { LlgiError } from '../compiler/errors';
import { callersFrames, modules, type LiveFrame } from './live';
import { memProfile, memProfileRate, recordFrames, type MemProfileRecord } from './memprofile';
import { GOEXIT, stackView, trimAllocationStack, type StackView } from './shown';

export interface HeapProfileOptions {
  /** 'proto' (default): gzipped profile.proto; 'text': gc's legacy text format (debug=1). */
  format?: 'proto' | 'text';
  /** The records to write (default: memProfile({ inuseZero: true }), as runtime/pprof reads them). */
  records?: MemProfileRecord[];
  /** The sampling rate the records were taken at (default: memProfileRate()). */
  rate?: number;
  /**
   * 'shown' (default): each stack starts past its leading allocation plumbing,
   * as gc's runtime/pprof hides leading runtime frames (lib/shown.ts); 'raw':
   * every frame. The text format's `@` line lists the raw pcs either way, as gc's.
   */
  stack?: StackView;
}

/**
 * gc's scaleHeapSample: the estimate of what was allocated, given `count`
 * samples of `size` bytes in all taken at MemProfileRate `rate` (each sample
 * of average size S stands for 1/(1-exp(-S/rate)) allocations). Truncates
 * toward zero like gc's int64(float64) conversions.
 */
export function scaleHeapSample(count: number, size: number, rate: number): [number, number] {
  if (count === 0 || size === 0) return [0, 0];
  if (rate <= 1) return [count, size]; // 1: every allocation was recorded; <= 0: unknown, no scaling
  const avg = size / count;
  const scale = 1 / (1 - Math.exp(-avg / rate));
  return [Math.trunc(count * scale), Math.trunc(size * scale)];
}

/** The profile in `opts.format` (proto: gzipped bytes; text: UTF-8 bytes). */
export function heapProfile(opts: HeapProfileOptions = {}): Buffer {
  const format = opts.format ?? 'proto';
  if (format !== 'proto' && format !== 'text') throw new LlgiError('LLGI_BAD_ARGUMENT', `unknown heap profile format ${JSON.stringify(format)}: expected 'proto' or 'text'`);
  const rate = opts.rate ?? memProfileRate();
  if (!Number.isSafeInteger(rate)) throw new LlgiError('LLGI_BAD_ARGUMENT', `rate must be an integer, got ${rate}`);
  const view = stackView(opts.stack);
  const records = opts.records ?? memProfile({ inuseZero: true });
  return format === 'proto' ? protoProfile(records, rate, view) : Buffer.from(textProfile(records, rate, view));
}

/**
 * pprof.WriteHeapProfile: writes the heap profile to a file path or a stream
 * and returns the bytes written. Call gc() first for an up-to-date profile,
 * as `go test -memprofile` calls runtime.GC().
 */
export function writeHeapProfile(dest: string | NodeJS.WritableStream, opts: HeapProfileOptions = {}): Buffer {
  const bytes = heapProfile(opts);
  if (typeof dest === 'string') {
    try {
      fs.writeFileSync(dest, bytes);
    } catch (e) {
      throw new LlgiError('LLGI_IO', `cannot write ${dest}: ${(e as Error).message}`, { cause: e });
    }
  } else {
    dest.write(bytes);
  }
  return bytes;
}

// ---- profile.proto ----------------------------------------------------------

/** Top-level field numbers of perftools.profiles.Profile. */
const F = { sampleType: 1, sample: 2, mapping: 3, location: 4, function: 5, stringTable: 6, timeNanos: 9, periodType: 11, period: 12 };

/** A protobuf byte sink; sub-messages are encoded by pprof-format, the top level here, in gc's order. */
class Pb {
  private chunks: Uint8Array[] = [];
  private varint(v: bigint): void {
    const out: number[] = [];
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.chunks.push(Uint8Array.from(out));
  }
  int(field: number, v: bigint | number): void {
    this.varint(BigInt(field << 3));
    this.varint(BigInt(v));
  }
  bytes(field: number, b: Uint8Array): void {
    this.varint(BigInt((field << 3) | 2));
    this.varint(BigInt(b.length));
    this.chunks.push(b);
  }
  message(field: number, m: { encode(): Uint8Array }): void {
    this.bytes(field, m.encode());
  }
  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

interface ProcMapping {
  start: bigint;
  limit: bigint;
  offset: bigint;
  file: string;
  buildId: string;
  /** gc's symbolizeFlag: some location was attributed to it; one of them failed to symbolize. */
  tried: boolean;
  failed: boolean;
}

/**
 * The executable mappings of /proc/self/maps (as runtime/pprof reads them)
 * that hold a loaded module's text, with the module's GNU build id. The rest
 * of the process (node, libc, the addon) is left out: sampled stacks stop at
 * the first pc outside the modules.
 */
export function moduleMappings(): Omit<ProcMapping, 'tried' | 'failed'>[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return [];
  }
  const mods = modules();
  const out: Omit<ProcMapping, 'tried' | 'failed'>[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+(\d+)\s*(.*)$/.exec(line);
    if (!m || m[3][2] !== 'x') continue;
    if (m[5] === '0' && m[6] === '') continue;
    const start = BigInt(`0x${m[1]}`);
    const limit = BigInt(`0x${m[2]}`);
    const mod = mods.find((x) => x.textStart < limit && start < x.textEnd);
    if (!mod) continue;
    out.push({ start, limit, offset: BigInt(`0x${m[4]}`), file: m[6].replace(/ \(deleted\)$/, ''), buildId: mod.buildId ?? '' });
  }
  return out;
}

/** gc's symbolization failure: no pc, function, file or line. */
function failed(frames: LiveFrame[]): boolean {
  const f = frames[0];
  return !f || f.pc === 0n || f.function === '' || f.file === '' || f.file === '?' || f.line === 0;
}

/**
 * The pcs a sample's locations come from and how many leading logical frames
 * of the first are hidden: gc's writeHeapProto cut, by lib/shown.ts's rule.
 */
function sampleStack(r: MemProfileRecord, view: StackView): { pcs: bigint[]; hide: number } {
  if (view === 'raw') return { pcs: r.stack, hide: 0 };
  const t = trimAllocationStack(r.stack);
  return { pcs: t.stack, hide: t.hiddenInline };
}

function protoProfile(records: MemProfileRecord[], rate: number, view: StackView): Buffer {
  const strings: string[] = [''];
  const index = new Map<string, number>([['', 0]]);
  const str = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const pb = new Pb();
  const started = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;

  pb.message(F.periodType, new ValueType({ type: str('space'), unit: str('bytes') }));
  if (rate !== 0) pb.int(F.period, rate);
  for (const [type, unit] of [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes']]) {
    pb.message(F.sampleType, new ValueType({ type: str(type), unit: str(unit) }));
  }

  const maps: ProcMapping[] = moduleMappings().map((m) => ({ ...m, tried: false, failed: false }));
  const locations = new Map<string, number | null>(); // leaf pc (and hidden inlined frames) -> location id, null: none
  const functions = new Map<string, number>(); // name -> function id (gc keys functions by name)

  for (const r of records) {
    const ids: number[] = [];
    const { pcs, hide: hideFirst } = sampleStack(r, view);
    pcs.forEach((pc, k) => {
      const hide = k === 0 ? hideFirst : 0;
      const key = `${pc}/${hide}`;
      let id = locations.get(key);
      if (id === undefined) {
        // One pc is one physical frame: its logical frames (inlined calls
        // expanded, leaf first) make one location, as gc's merged "deck".
        // The first pc of a trimmed stack drops its hidden inlined plumbing.
        let frames = callersFrames([pc]).slice(hide);
        if (view === 'shown') {
          // gc's allFrames: a pc whose leaf is runtime.goexit makes no
          // location, and a pc's frames end at runtime.goexit.
          if (frames[0]?.function === GOEXIT) {
            locations.set(key, null);
            return;
          }
          const g = frames.findIndex((f) => f.function === GOEXIT);
          if (g >= 0) frames = frames.slice(0, g + 1);
        }
        id = locations.size + 1;
        locations.set(key, id);
        const newFuncs: PFunction[] = [];
        const lines = frames.map((f) => {
          let fid = functions.get(f.function);
          if (fid === undefined) {
            fid = functions.size + 1;
            functions.set(f.function, fid);
            const name = str(f.function);
            newFuncs.push(new PFunction({ id: fid, name, systemName: name, filename: str(f.file) }));
          }
          return { functionId: fid, line: f.line };
        });
        const mi = maps.findIndex((m) => pc >= m.start && pc < m.limit);
        if (mi >= 0) {
          maps[mi].tried = true;
          if (failed(frames)) maps[mi].failed = true;
        }
        const address = frames.length && frames[0].pc !== 0n ? frames[0].pc : pc - 1n;
        pb.message(F.location, new Location({ id, address, line: lines, mappingId: mi + 1 }));
        for (const f of newFuncs) pb.message(F.function, f);
      }
      if (id !== null) ids.push(id);
    });
    const [ao, ab] = scaleHeapSample(r.allocObjects, r.allocBytes, rate);
    const [io, ib] = scaleHeapSample(r.inUseObjects, r.inUseBytes, rate);
    const label: Label[] = [];
    if (r.allocObjects > 0) {
      const blockSize = Math.trunc(r.allocBytes / r.allocObjects);
      if (blockSize !== 0) label.push(new Label({ key: str('bytes'), num: blockSize }));
    }
    pb.message(F.sample, new Sample({ value: [ao, ab, io, ib], locationId: ids, label }));
  }

  pb.int(F.timeNanos, started);
  maps.forEach((m, i) => {
    pb.message(F.mapping, new Mapping({
      id: i + 1, memoryStart: m.start, memoryLimit: m.limit, fileOffset: m.offset,
      filename: str(m.file), buildId: str(m.buildId), hasFunctions: m.tried && !m.failed,
    }));
  });
  for (const s of strings) pb.bytes(F.stringTable, Buffer.from(s, 'utf8'));
  return zlib.gzipSync(pb.finish(), { level: zlib.constants.Z_BEST_SPEED });
}

// ---- legacy text (debug=1) --------------------------------------------------

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** gc's printStackRecord: `#` lines for the stack's shown (or all) frames, then an empty line. */
function stackLines(stack: bigint[], view: StackView): string {
  const t = view === 'shown' ? trimAllocationStack(stack) : undefined;
  const all = t ? t.rawFrames : callersFrames(stack);
  // CallersFrames over a stack without one symbolized pc yields gc's zero Frame.
  if (!all.length) return '#\t0x0\n\n';
  const frames = t ? t.frames : all;
  let s = '';
  for (const f of frames) {
    s += f.function === '' ? `#\t${hex(f.pc)}\n` : `#\t${hex(f.pc)}\t${f.function}+${hex(f.pc - f.entry)}\t${f.file}:${f.line}\n`;
  }
  return s + '\n';
}

function textProfile(input: MemProfileRecord[], rate: number, view: StackView): string {
  const records = [...input].sort((a, b) => b.inUseBytes - a.inUseBytes);
  const total = { ao: 0, ab: 0, fo: 0, fb: 0 };
  for (const r of records) {
    total.ao += r.allocObjects;
    total.ab += r.allocBytes;
    total.fo += r.freeObjects;
    total.fb += r.freeBytes;
  }
  let s = `heap profile: ${total.ao - total.fo}: ${total.ab - total.fb} [${total.ao}: ${total.ab}] @ heap/${2 * rate}\n`;
  for (const r of records) {
    s += `${r.inUseObjects}: ${r.inUseBytes} [${r.allocObjects}: ${r.allocBytes}] @${r.stack.map((pc) => ` ${hex(pc)}`).join('')}\n`;
    s += stackLines(r.stack, view);
  }
  // gc's trailer is runtime.MemStats, which a native process does not have;
  // only its last line, getrusage's peak RSS in bytes, applies here.
  s += `\n# MaxRSS = ${process.resourceUsage().maxRSS * 1024}\n`;
  return tabwrite(s);
}

/**
 * Go's text/tabwriter with the settings runtime/pprof uses (minwidth 1,
 * tabwidth 8, padding 1, padchar '\t', no flags): cells are tab-terminated;
 * a column's width is its widest cell + 1 rounded up to a multiple of 8, and
 * a cell is followed by as many tabs as reach that width. A column block is a
 * run of consecutive lines that have a cell in that column.
 */
export function tabwrite(text: string): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const width = (cell: string) => [...cell].length;
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      let s = '';
      lines[i].forEach((cell, j) => {
        s += cell;
        if (j < widths.length) {
          const w = Math.ceil(widths[j] / 8) * 8;
          s += '\t'.repeat(Math.ceil((w - width(cell)) / 8));
        }
      });
      out.push(s);
    }
  };
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i].length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let w = 1; // minwidth
      for (; i < line1 && column < lines[i].length - 1; i++) w = Math.max(w, width(lines[i][column]) + 1);
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i; // line i ended the block: it has no cell in this column, so the loop may skip it
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out.join('\n');
}

// ---- summaries --------------------------------------------------------------

export interface TopLine {
  /** "file:line" of the allocating frame (innermost). */
  site: string;
  function: string;
  /** Estimates: sums of the records' values scaled with scaleHeapSample, as pprof shows them. */
  allocObjects: number;
  allocBytes: number;
  inUseObjects: number;
  inUseBytes: number;
}

/**
 * Allocation sites by scaled allocated bytes, largest first (what `pprof -top`
 * with line granularity shows). The site is the first shown frame (leading
 * allocation plumbing hidden) unless opts.stack is 'raw'.
 */
export function topLines(records: MemProfileRecord[], opts: { rate?: number; n?: number; stack?: StackView } = {}): TopLine[] {
  const rate = opts.rate ?? memProfileRate();
  const view = stackView(opts.stack);
  const map = new Map<string, TopLine>();
  for (const r of records) {
    const f = recordFrames(r, view)[0];
    if (!f) continue;
    const site = `${f.file}:${f.line}`;
    const t = map.get(site) ?? { site, function: f.function, allocObjects: 0, allocBytes: 0, inUseObjects: 0, inUseBytes: 0 };
    const [ao, ab] = scaleHeapSample(r.allocObjects, r.allocBytes, rate);
    const [io, ib] = scaleHeapSample(r.inUseObjects, r.inUseBytes, rate);
    t.allocObjects += ao;
    t.allocBytes += ab;
    t.inUseObjects += io;
    t.inUseBytes += ib;
    map.set(site, t);
  }
  const all = [...map.values()].sort((a, b) => b.allocBytes - a.allocBytes || b.allocObjects - a.allocObjects || (a.site < b.site ? -1 : 1));
  return opts.n === undefined ? all : all.slice(0, opts.n);
}

/** topLines as a table; `base` shortens file names (e.g. to their basename). */
export function formatTopLines(rows: TopLine[], opts: { base?: (file: string) => string } = {}): string {
  const head = ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'];
  const cells = rows.map((r) => [r.allocObjects, r.allocBytes, r.inUseObjects, r.inUseBytes].map(String));
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const site = (s: string) => {
    if (!opts.base) return s;
    const k = s.lastIndexOf(':');
    return `${opts.base(s.slice(0, k))}${s.slice(k)}`;
  };
  let s = `${head.map((h, i) => h.padStart(w[i])).join('  ')}  site\n`;
  rows.forEach((r, k) => {
    s += `${cells[k].map((c, i) => c.padStart(w[i])).join('  ')}  ${site(r.site)} ${r.function}\n`;
  });
  return s;
}
