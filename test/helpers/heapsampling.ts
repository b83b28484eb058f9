// gc's test/heapsampling.go, its checks ported to TypeScript (docs/gc-semantics.md §4):
// allocObjects, checkAllocations and getMemProfileRecords as the test has them,
// over whichever frames a caller names for a record (ours, or an oracle's), and
// a raw-count check beyond the test's 10%. Used for the C port
// (memprofile-sampling.test.ts) and for real llgo (llgo-real-heapsampling.test.ts).

import type { ExecutionContext } from 'ava';
import { gc, memProfile, type MemProfileRecord } from '../../lib/index';
import { checkValue, scaleHeapSample } from './mprof';

export interface Stat {
  objects: number;
  bytes: number;
}

/** A record's frames, innermost first, reduced to what the test reads. */
export type FramesOf = (r: MemProfileRecord) => readonly { function: string; line: number }[];

/** Our own frames of a record. */
export const ourFrames: FramesOf = (r) => r.frames();

/** One of the test's two kinds: its allocating function, its experiment wrappers (one per try) and its sizes, one per contiguous line. */
export interface HsKind {
  leaf: string;
  frames: readonly string[];
  sizes: readonly number[];
}

/**
 * heapsampling.go's allocObjects: the records with `fn` anywhere on the
 * stack, per line of the first frame named `leaf` (Go 1.26; 0 when none is),
 * scaled.
 */
export function allocObjects(records: MemProfileRecord[], leaf: string, fn: string, rate: number, framesOf: FramesOf = ourFrames, scale = true): Map<number, Stat> {
  const a = new Map<number, Stat>();
  for (const r of records) {
    let ln = 0;
    for (const f of framesOf(r)) {
      if (f.function === leaf && ln === 0) ln = f.line;
      if (f.function === fn) {
        const s = a.get(ln) ?? { objects: 0, bytes: 0 };
        s.bytes += r.allocBytes;
        s.objects += r.allocObjects;
        a.set(ln, s);
      }
    }
  }
  if (scale) {
    for (const [ln, s] of a) {
      const [objects, bytes] = scaleHeapSample(s.objects, s.bytes, rate);
      a.set(ln, { objects, bytes });
    }
  }
  return a;
}

/** heapsampling.go's checkAllocations over experiments frames[0..k-1]; firstLine is the lowest leaf line under frames[0]. */
export function checkAllocations(records: MemProfileRecord[], leaf: string, frames: readonly string[], count: number, sizes: readonly number[], rate: number, framesOf: FramesOf = ourFrames): { err: string | null; firstLine: number } {
  let firstLine = 0;
  for (const ln of allocObjects(records, leaf, frames[0], rate, framesOf).keys()) if (firstLine === 0 || firstLine > ln) firstLine = ln;
  const objectsPerLine = new Map<number, number[]>();
  const bytesPerLine = new Map<number, number[]>();
  const totalCount: number[] = [];
  for (const frame of frames) {
    let objectCount = 0;
    const a = allocObjects(records, leaf, frame, rate, framesOf);
    sizes.forEach((_, s) => {
      const ln = firstLine + s;
      const st = a.get(ln) ?? { objects: 0, bytes: 0 };
      objectsPerLine.set(ln, [...(objectsPerLine.get(ln) ?? []), st.objects]);
      bytesPerLine.set(ln, [...(bytesPerLine.get(ln) ?? []), st.bytes]);
      objectCount += st.objects;
    });
    totalCount.push(objectCount);
  }
  for (const [i, w] of sizes.entries()) {
    const ln = firstLine + i;
    const err = checkValue(`${frames[0]}:${ln} objects`, count, objectsPerLine.get(ln)!) ?? checkValue(`${frames[0]}:${ln} bytes`, count * w, bytesPerLine.get(ln)!);
    if (err) return { err, firstLine };
  }
  return { err: checkValue(`${frames[0]}:0 total`, count * sizes.length, totalCount), firstLine };
}

/** heapsampling.go's getMemProfileRecords: runtime.GC() twice, then MemProfile(p, true) (the n+50 loop is native's). */
export function getMemProfileRecords(): MemProfileRecord[] {
  gc();
  gc();
  return memProfile({ inuseZero: true });
}

/**
 * Beyond the 10% check: each experiment's raw samples per line against
 * N * p, p = 1 - exp(-S/R), within 5 binomial standard deviations, and the
 * bytes exactly samples * size.
 */
export function checkRawCounts(t: ExecutionContext, records: MemProfileRecord[], kind: HsKind, experiments: number, iters: number, rate: number, firstLine: number, framesOf: FramesOf = ourFrames) {
  const rows: string[] = [];
  for (const fn of kind.frames.slice(0, experiments)) {
    const raw = allocObjects(records, kind.leaf, fn, rate, framesOf, false);
    kind.sizes.forEach((size, i) => {
      const p = 1 - Math.exp(-size / rate);
      const want = iters * p;
      const sd = Math.sqrt(iters * p * (1 - p));
      const got = raw.get(firstLine + i)?.objects ?? 0;
      t.true(Math.abs(got - want) < 5 * sd, `${fn} line +${i} (${size} B at R=${rate}): ${got} samples, want ${want.toFixed(1)} ± ${(5 * sd).toFixed(1)}`);
      t.is(raw.get(firstLine + i)?.bytes ?? 0, got * size, 'bytes = samples * size (sizes are recorded as given)');
      rows.push(`${fn} ${size}: ${got} (${((got / want - 1) * 100).toFixed(2)}%, z ${((got - want) / sd).toFixed(2)})`);
    });
  }
  t.log(rows.join('\n'));
}
