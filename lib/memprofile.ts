// Heap profiling of loaded modules with gc's semantics (docs/memprofile.md):
// MemProfileRate, runtime.GC-style publication, runtime.MemProfile records.

import { LlgiError } from '../compiler/errors';
import { callersFrames, modules, type LiveFrame } from './live';
import { native } from './native';
import { stackView, trimAllocationStack, type StackView, type TrimmedStack } from './shown';

/** gc's runtime.MemProfileRecord; counts are raw samples (unscale with scaleHeapSample). */
export interface MemProfileRecord {
  allocBytes: number;
  freeBytes: number;
  allocObjects: number;
  freeObjects: number;
  inUseBytes: number;
  inUseObjects: number;
  /** The size the samples of this record were taken at (records are keyed by stack and size). */
  size: number;
  /** Return addresses, innermost first (at most 32, as gc): the raw stack, as gc's MemProfileRecord.Stack(). */
  stack: bigint[];
  /**
   * The shown frames: the stack symbolized with gc's CallersFrames rules, its
   * leading allocation plumbing (llgo's runtime, malloc, operator new, ...)
   * hidden as gc's runtime/pprof hides leading runtime frames (lib/shown.ts).
   */
  frames(): LiveFrame[];
  /** Every frame of the stack, plumbing included (gc's CallersFrames over `stack`). */
  rawFrames(): LiveFrame[];
  /** The raw pcs from the physical frame holding the first shown frame on (what the pprof output writes). */
  shownStack(): bigint[];
}

/** Which records' frames the summaries use (see MemProfileRecord.frames / rawFrames). */
export interface RecordViewOptions {
  /** Count a record for its allocating frame only (default) or for every frame on its stack. */
  frame?: 'innermost' | 'any';
  /** 'shown' (default): leading allocation plumbing hidden; 'raw': every frame. */
  stack?: StackView;
}

/** A record's frames in `view` (checked: 'shown' or 'raw'). */
export function recordFrames(r: MemProfileRecord, view: StackView | undefined): LiveFrame[] {
  return stackView(view) === 'raw' ? r.rawFrames() : r.frames();
}

function checkRate(n: number): number {
  if (!Number.isSafeInteger(n)) throw new LlgiError('LLGI_BAD_ARGUMENT', `memory profile rate must be an integer, got ${n}`);
  return n;
}

/**
 * gc's runtime.MemProfileRate = n: 0 off, 1 every allocation, n one sample
 * per n bytes on average. 0 also restores every module's original allocation
 * slots, so the modules then run with no interposition at all; a non-zero
 * rate patches them again.
 */
export function setMemProfileRate(n: number): void {
  native().mprofSetRate(checkRate(n));
  for (const m of modules()) m.setInterposed(n !== 0);
}

export function memProfileRate(): number {
  return native().mprofRate();
}

/** Restarts every thread's sampling PRNG from `seed`, for reproducible samples in tests. */
export function setMemProfileSeed(seed: bigint | number): void {
  const s = BigInt(seed);
  if (s < 0n || s >= 1n << 64n) throw new LlgiError('LLGI_BAD_ARGUMENT', `seed must fit in 64 bits, got ${seed}`);
  native().mprofSeed(s);
}

/** Completes a profiling cycle as runtime.GC() does: everything sampled before is published. */
export function gc(): void {
  native().mprofGc();
}

/** Forgets every record and every remembered sampled pointer. */
export function resetMemProfile(): void {
  native().mprofReset();
}

/**
 * gc's runtime.MemProfile(p, inuseZero): the published records, newest first.
 * Without inuseZero, records whose allocated and freed bytes are equal are left
 * out. Before anything was published by gc(), every sample so far is included.
 */
export function memProfile(opts: { inuseZero?: boolean } = {}): MemProfileRecord[] {
  const { counts, stacks, ends } = native().mprofRead(!!opts.inuseZero);
  const out: MemProfileRecord[] = [];
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const stack = Array.from(stacks.subarray(start, ends[i]));
    start = ends[i];
    const [allocObjects, freeObjects, allocBytes, freeBytes, size] = counts.subarray(i * 5, i * 5 + 5);
    out.push({
      allocObjects, freeObjects, allocBytes, freeBytes, size,
      inUseObjects: allocObjects - freeObjects,
      inUseBytes: allocBytes - freeBytes,
      stack,
      ...views(stack),
    });
  }
  return out;
}

/** The record's frame views, symbolized once on first use. */
function views(stack: bigint[]): Pick<MemProfileRecord, 'frames' | 'rawFrames' | 'shownStack'> {
  let t: TrimmedStack | undefined;
  const trimmed = () => (t ??= trimAllocationStack(stack));
  return {
    frames: () => [...trimmed().frames],
    rawFrames: () => (t ? [...t.rawFrames] : callersFrames(stack)),
    shownStack: () => [...trimmed().stack],
  };
}

export interface Totals {
  allocObjects: number;
  allocBytes: number;
  inUseObjects: number;
  inUseBytes: number;
}

function addTo(map: Map<string, Totals>, key: string, r: MemProfileRecord): void {
  const t = map.get(key) ?? { allocObjects: 0, allocBytes: 0, inUseObjects: 0, inUseBytes: 0 };
  t.allocObjects += r.allocObjects;
  t.allocBytes += r.allocBytes;
  t.inUseObjects += r.inUseObjects;
  t.inUseBytes += r.inUseBytes;
  map.set(key, t);
}

/**
 * Raw counts per "file:line": of the innermost frame (the allocating line,
 * default), or of every distinct line on the stack ('any'). Frames are the
 * shown ones (leading allocation plumbing hidden) unless opts.stack is 'raw'.
 */
export function byLine(records: MemProfileRecord[], opts: RecordViewOptions = {}): Map<string, Totals> {
  const map = new Map<string, Totals>();
  const view = stackView(opts.stack);
  for (const r of records) {
    const frames = recordFrames(r, view);
    if (!frames.length) continue;
    const keys = opts.frame === 'any' ? new Set(frames.map((f) => `${f.file}:${f.line}`)) : [`${frames[0].file}:${frames[0].line}`];
    for (const k of keys) addTo(map, k, r);
  }
  return map;
}

/** Raw counts per function: the innermost frame's function, or every function on the stack ('any'); frames as in byLine. */
export function byFunction(records: MemProfileRecord[], opts: RecordViewOptions = {}): Map<string, Totals> {
  const map = new Map<string, Totals>();
  const view = stackView(opts.stack);
  for (const r of records) {
    const frames = recordFrames(r, view);
    if (!frames.length) continue;
    const keys = opts.frame === 'any' ? new Set(frames.map((f) => f.function)) : [frames[0].function];
    for (const k of keys) addTo(map, k, r);
  }
  return map;
}
