// How well a sampled heap profile estimates what was allocated
// (docs/conformance.md, "Sampling error at the default rate"): per function
// of a scenario, each run's estimate of its objects against the exact count
// a rate-1 run gives, compared with what sampling theory allows. The same
// numbers for gc's own sampler and for ours say whether ours is as good.

import type { HeapRecord } from './probes';
import { spelled } from './spelling';

/** One function's allocations in one profile: objects, pprof's estimate of them, and objects by size. */
export interface SiteCount {
  objects: number;
  /** Σ over records of objects / (1 - exp(-size/rate)) (pprof's scaling, untruncated; = objects at rate 1). */
  estimate: number;
  /** Objects by their size in bytes (a record's bytes over its objects). */
  sizes: Map<number, number>;
}

/**
 * Each record charged to its first frame whose gc spelling starts with
 * `prefix`, summed per function (gc's spelling, prefix removed). Records
 * outside the scenario are left out.
 */
export function siteCounts(records: readonly HeapRecord[], prefix: string, subject: string, rate: number): Map<string, SiteCount> {
  const out = new Map<string, SiteCount>();
  for (const r of records) {
    if (!r.allocObjects) continue;
    const f = r.frames.find((x) => spelled(subject, x.function).startsWith(prefix));
    if (!f) continue;
    const fn = spelled(subject, f.function).slice(prefix.length);
    let s = out.get(fn);
    if (!s) out.set(fn, (s = { objects: 0, estimate: 0, sizes: new Map() }));
    const size = r.allocBytes / r.allocObjects;
    s.objects += r.allocObjects;
    s.estimate += rate <= 1 ? r.allocObjects : r.allocObjects / (1 - Math.exp(-size / rate));
    s.sizes.set(Math.round(size), (s.sizes.get(Math.round(size)) ?? 0) + r.allocObjects);
  }
  return out;
}

/** `later` less `earlier`: what a cumulative profile (gc's MemProfile) gained between two reads. */
export function siteCountsSince(later: Map<string, SiteCount>, earlier: Map<string, SiteCount>): Map<string, SiteCount> {
  const out = new Map<string, SiteCount>();
  for (const [fn, l] of later) {
    const e = earlier.get(fn);
    const sizes = new Map(l.sizes);
    for (const [size, n] of e?.sizes ?? []) sizes.set(size, (sizes.get(size) ?? 0) - n);
    out.set(fn, { objects: l.objects - (e?.objects ?? 0), estimate: l.estimate - (e?.estimate ?? 0), sizes });
  }
  return out;
}

export interface SiteError {
  function: string;
  /** The objects allocated per run: the rate-1 count scaled to the runs' iterations. */
  truth: number;
  /** Each run's estimate. */
  estimates: number[];
  /** Root mean square of estimate / truth - 1 over the runs. */
  rmsError: number;
  /** The relative standard deviation sampling theory gives (Var = Σ n(1-p)/p over sizes, p = 1 - exp(-S/R)). */
  theoryError: number;
  /** gc heapsampling's check of the estimates against truth (±10%, fails only when all lie on one side), or null when it passes. */
  tolerance: string | null;
}

export interface SamplingError {
  rate: number;
  runs: number;
  sites: SiteError[];
  /** RMS over every site and run of (estimate - truth) / theory's sd: 1 for a sampler as good as the law allows. */
  pooledZ: number;
  /** Mean of the same: 0 for an unbiased sampler (its sd is 1 / sqrt(count)). */
  meanZ: number;
  /** Values pooled. */
  count: number;
}

/**
 * Sampling error of `runs` (each `iters` iterations at `rate`) against
 * `truth` (a rate-1 profile of `truthIters` iterations): per site and
 * pooled. `skip` names functions whose count is not proportional to the
 * iterations (append's growths).
 */
export function samplingError(truth: Map<string, SiteCount>, truthIters: number, runs: readonly Map<string, SiteCount>[], iters: number, rate: number, skip: readonly string[] = []): SamplingError {
  const sites: SiteError[] = [];
  let z2 = 0;
  let zSum = 0;
  let count = 0;
  const scale = iters / truthIters;
  for (const [fn, t] of [...truth].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (skip.includes(fn) || t.objects <= 0) continue;
    const want = t.objects * scale;
    let variance = 0;
    for (const [size, n] of t.sizes) {
      const p = 1 - Math.exp(-size / rate);
      variance += (n * scale * (1 - p)) / p;
    }
    const sd = Math.sqrt(variance);
    const estimates = runs.map((r) => r.get(fn)?.estimate ?? 0);
    const rel = estimates.map((e) => e / want - 1);
    for (const e of estimates) {
      const z = sd > 0 ? (e - want) / sd : 0;
      z2 += z * z;
      zSum += z;
      count++;
    }
    sites.push({
      function: fn, truth: want, estimates,
      rmsError: Math.sqrt(rel.reduce((a, x) => a + x * x, 0) / rel.length),
      theoryError: sd / want,
      tolerance: checkValue(fn, Math.round(want), estimates.map(Math.trunc)),
    });
  }
  return { rate, runs: runs.length, sites, pooledZ: Math.sqrt(z2 / count), meanZ: zSum / count, count };
}

/**
 * heapsampling.go's checkValue (docs/gc-semantics.md §4): fails only when
 * every value lies on the same side outside want ± want/10 (integer
 * division, as Go's int64 division truncates).
 */
export function checkValue(what: string, want: number, got: readonly number[]): string | null {
  if (!got.length) return `${what}: unexpected empty result`;
  const margin = Math.trunc(want / 10);
  const min = Math.min(...got);
  const max = Math.max(...got);
  if (min > want + margin || max < want - margin) return `${what}: want in [${want - margin}, ${want + margin}], got ${got.join(' ')}`;
  return null;
}

/** One table of two samplers' errors, site by site (their sites in the first's order). */
export function formatSamplingErrors(named: readonly [string, SamplingError][]): string {
  const fns = [...new Set(named.flatMap(([, e]) => e.sites.map((s) => s.function)))];
  const head = ['site', ...named.flatMap(([n]) => [`${n} objects`, `${n} rms`, `${n} theory`])];
  const rows = fns.map((fn) => [fn, ...named.flatMap(([, e]) => {
    const s = e.sites.find((x) => x.function === fn);
    return s ? [String(Math.round(s.truth)), s.rmsError.toFixed(3), s.theoryError.toFixed(3)] : ['-', '-', '-'];
  })]);
  rows.push(['pooled z (rms, mean)', ...named.flatMap(([, e]) => [String(e.count), e.pooledZ.toFixed(3), e.meanZ.toFixed(3)])]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')).join('\n');
}
