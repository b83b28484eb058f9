// Compares what a subject compiler's runtime reported at each probe with what
// gc's reported for the same scenario: probes matched by tag (in order for a
// repeated tag), frames aligned by gc's spelling of the function (align.ts),
// each difference classified as a known deviation or a regression; heap
// probes compared site by site (heap.ts).

import { alignFrames } from './align';
import { classify, type KnownDeviation } from './deviations';
import { compareHeap, heapSites, type HeapSite } from './heap';
import type { HeapReport, ProbeReport } from './probes';
import { spelled } from './spelling';

/** One probe run of one compiler. */
export interface Run {
  subject: string;
  /** The exact compiler version used. */
  version: string;
  binary: string;
  reports: ProbeReport[];
  /** The heap probes' reports (none when the scenario has no heap probe). */
  heap?: HeapReport[];
}

/** A frame as compared: the runtime's own name, gc's spelling of it, file and line. */
export interface ShownFrame {
  function: string;
  gcFunction: string;
  file: string;
  line: number;
}

export type DifferenceKind = 'missing-probe' | 'extra-probe' | 'missing-frame' | 'extra-frame' | 'function' | 'file' | 'line' |
  // Heap probes (want and got are HeapSites): the subject's profile has no
  // stacks; a site only one side has; a site on another line of the same
  // function; the same site with other object or byte counts.
  'heap-no-stacks' | 'heap-missing-site' | 'heap-extra-site' | 'heap-site-line' | 'heap-objects' | 'heap-bytes';

export interface Difference {
  /** The probe's tag ('#2' appended for the second probe of a repeated tag). */
  probe: string;
  kind: DifferenceKind;
  /** gc's frame, and its index in gc's stack. */
  want?: ShownFrame;
  wantIndex?: number;
  /** The subject's frame, and its index in the subject's stack. */
  got?: ShownFrame;
  gotIndex?: number;
  /** An extra frame at the bottom of the subject's stack. */
  last?: boolean;
  /** The subject's frame just before `got` (its callee), for an extra or renamed frame. */
  callee?: ShownFrame;
  /** A missing frame below the subject's last frame: gc's function where the subject's stack ended. */
  truncatedAt?: string;
  /** For a heap site only one side has: the other side's site in the same function, if any. */
  sibling?: ShownFrame;
  /** The probe's two stacks, gc's function names (the subject's in gc's spelling), innermost first. */
  stacks?: { want: string[]; got: string[] };
  /** The known deviation this is (its id and reason), or none: a regression. */
  deviation?: { id: string; reason: string };
}

export interface ProbeComparison {
  probe: string;
  /**
   * gc's frames (a heap probe: gc's sites), and how many of them the subject
   * gave identically (function, file, line; a site also its objects and bytes).
   */
  compared: number;
  equal: number;
  differences: Difference[];
}

export interface ConformanceReport {
  truth: { subject: string; version: string };
  subject: { subject: string; version: string };
  probes: ProbeComparison[];
  frames: { compared: number; equal: number };
  heapProbes: ProbeComparison[];
  /** gc's heap sites, and how many the subject has at the same function and line with the same counts. */
  heap: { compared: number; equal: number };
  differences: Difference[];
  /** Differences that are not known deviations. */
  regressions: Difference[];
}

export interface CompareOptions {
  /** The known deviations (default: the project's table, deviations.ts). */
  deviations?: readonly KnownDeviation[];
}

function view(subject: string, f: { function: string; file: string; line: number }): ShownFrame {
  return { function: f.function, gcFunction: spelled(subject, f.function), file: f.file, line: f.line };
}

/** Reports keyed by tag, a repeated tag numbered from its second occurrence. */
function byTag<T extends { tag: string }>(reports: readonly T[]): Map<string, T> {
  const seen = new Map<string, number>();
  const out = new Map<string, T>();
  for (const r of reports) {
    const n = (seen.get(r.tag) ?? 0) + 1;
    seen.set(r.tag, n);
    out.set(n === 1 ? r.tag : `${r.tag}#${n}`, r);
  }
  return out;
}

function compareProbe(probe: string, want: ShownFrame[], got: ShownFrame[]): ProbeComparison {
  const differences: Difference[] = [];
  let equal = 0;
  const pairs = alignFrames(want, got, (f, side) => (side === 'want' ? f.function : f.gcFunction));
  // Where the subject's stack ends: the first of gc's frames after the subject's last.
  const lastGot = pairs.map((p) => !!p.got).lastIndexOf(true);
  const truncatedAt = pairs.slice(lastGot + 1).find((p) => p.want)?.want?.function;
  const stacks = { want: want.map((f) => f.function), got: got.map((f) => f.gcFunction) };
  pairs.forEach((p, i) => {
    const at = { probe, want: p.want, wantIndex: p.wantIndex, got: p.got, gotIndex: p.gotIndex, stacks };
    const callee = p.gotIndex ? got[p.gotIndex - 1] : undefined;
    if (!p.got) differences.push({ ...at, kind: 'missing-frame', ...(i > lastGot ? { truncatedAt } : {}) });
    else if (!p.want) differences.push({ ...at, kind: 'extra-frame', last: p.gotIndex === got.length - 1, callee });
    else if (p.want.function !== p.got.gcFunction) differences.push({ ...at, kind: 'function', callee });
    else if (p.want.file !== p.got.file) differences.push({ ...at, kind: 'file' });
    else if (p.want.line !== p.got.line) differences.push({ ...at, kind: 'line' });
    else equal++;
  });
  return { probe, compared: want.length, equal, differences };
}

/**
 * gc's probes paired with the subject's by tag: `compare` for each pair; a
 * probe the subject lacks is one missing-probe difference over gc's `size`
 * frames or sites, one only the subject has is one extra-probe.
 */
function pairProbes<T extends { tag: string }>(want: readonly T[], got: readonly T[], compare: (tag: string, w: T, g: T) => ProbeComparison, size: (w: T) => number): ProbeComparison[] {
  const wanted = byTag(want);
  const have = byTag(got);
  const out: ProbeComparison[] = [];
  for (const [tag, w] of wanted) {
    const g = have.get(tag);
    out.push(g ? compare(tag, w, g) : { probe: tag, compared: size(w), equal: 0, differences: [{ probe: tag, kind: 'missing-probe' }] });
  }
  for (const tag of have.keys()) {
    if (!wanted.has(tag)) out.push({ probe: tag, compared: 0, equal: 0, differences: [{ probe: tag, kind: 'extra-probe' }] });
  }
  return out;
}

const total = (ps: readonly ProbeComparison[]) => ({ compared: ps.reduce((n, p) => n + p.compared, 0), equal: ps.reduce((n, p) => n + p.equal, 0) });

/** The structured diff of `got` against gc's `truth`, every difference classified. */
export function compareRuns(truth: Run, got: Run, opts: CompareOptions = {}): ConformanceReport {
  const frames = (subject: string, r: ProbeReport) => r.frames.map((f) => view(subject, f));
  const probes = pairProbes(truth.reports, got.reports, (tag, w, g) => compareProbe(tag, frames(truth.subject, w), frames(got.subject, g)), (w) => w.frames.length);
  const heapProbes = pairProbes(truth.heap ?? [], got.heap ?? [], (tag, w, g) => compareHeap(tag, w, truth.subject, g, got.subject),
    (w) => heapSites(w, truth.subject).length);
  const differences = [...probes.flatMap((p) => p.differences), ...heapProbes.flatMap((p) => p.differences)];
  for (const d of differences) {
    const k = classify(d, got.subject, opts.deviations);
    if (k) d.deviation = { id: k.id, reason: k.reason };
  }
  return {
    truth: { subject: truth.subject, version: truth.version },
    subject: { subject: got.subject, version: got.version },
    probes,
    frames: total(probes),
    heapProbes,
    heap: total(heapProbes),
    differences,
    regressions: differences.filter((d) => !d.deviation),
  };
}

const at = (f?: ShownFrame) => (f ? `${f.function} ${f.file || '?'}:${f.line}` : '-');

/** A heap site's counts: objects, bytes, and objects per size. */
function counts(f?: ShownFrame): string {
  const s = f as HeapSite | undefined;
  if (!s) return '';
  return `: ${s.allocObjects} objects, ${s.allocBytes} bytes (${Object.entries(s.sizes).map(([size, n]) => `${n} of ${size} B`).join(', ')})`;
}

/** The report as text: the match rate, then every difference with its class. */
export function formatReport(r: ConformanceReport): string {
  const rate = (x: { equal: number; compared: number }) => (x.compared ? ((100 * x.equal) / x.compared).toFixed(1) : '100.0');
  const lines = [
    `${r.subject.subject} (${r.subject.version}) against ${r.truth.subject} (${r.truth.version})`,
    [
      r.frames.compared || !r.heapProbes.length ? `frames: ${r.frames.equal} of ${r.frames.compared} identical (${rate(r.frames)}%)` : '',
      r.heapProbes.length ? `heap sites: ${r.heap.equal} of ${r.heap.compared} identical (${rate(r.heap)}%)` : '',
      `${r.differences.length - r.regressions.length} known deviations, ${r.regressions.length} regressions`,
    ].filter(Boolean).join('; '),
  ];
  const list = (title: string, unit: string, ps: readonly ProbeComparison[], detail: (f?: ShownFrame) => string) => {
    for (const p of ps) {
      if (!p.differences.length) continue;
      lines.push(`${title} ${p.probe}: ${p.equal} of ${p.compared} ${unit} identical`);
      for (const d of p.differences) {
        lines.push(`  ${d.deviation ? `known ${d.deviation.id}` : 'REGRESSION'}: ${d.kind}`);
        if (d.want || d.got) lines.push(`    gc:      ${at(d.want)}${detail(d.want)}`, `    subject: ${at(d.got)}${detail(d.got)}`);
      }
    }
  };
  list('probe', 'frames', r.probes, () => '');
  list('heap probe', 'sites', r.heapProbes, counts);
  return lines.join('\n') + '\n';
}
