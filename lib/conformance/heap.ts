// Compares where two runtimes' heap profiles put a scenario's allocations:
// each record is charged to its site, the first frame of the scenario's own
// code (gc's spelling of its function, file, line); sites are matched by
// function and line, and a site one side has at another line of the same
// function is one difference (`site-line`), not a missing and an extra one.

import type { Difference, ProbeComparison, ShownFrame } from './compare';
import type { HeapRecord, HeapReport } from './probes';
import { spelled } from './spelling';

/** One allocation site and what was allocated there: objects, bytes, and objects per object size. */
export interface HeapSite extends ShownFrame {
  allocObjects: number;
  allocBytes: number;
  inuseObjects: number;
  inuseBytes: number;
  /** Objects by size in bytes (a record's bytes over its objects: gc keys records by stack and size). */
  sizes: Record<string, number>;
}

/** gc's sites, and how many the subject has at the same function and line with the same objects and bytes. */
export type HeapComparison = ProbeComparison;

/** A site's key: gc's function name, file and line. */
const key = (s: ShownFrame) => `${s.gcFunction}\0${s.file}\0${s.line}`;
/** Two sites in the same function (and file). */
const sameFunction = (a: ShownFrame, b: ShownFrame) => a.gcFunction === b.gcFunction && a.file === b.file;

/** The sites of one heap probe, in gc's spelling of `subject`'s names, most objects first. */
export function heapSites(report: HeapReport, subject: string): HeapSite[] {
  const sites = new Map<string, HeapSite>();
  for (const r of report.records) {
    const f = siteFrame(r, report.prefix, subject);
    if (!f) continue;
    const at = { function: f.function, gcFunction: spelled(subject, f.function), file: f.file, line: f.line };
    let s = sites.get(key(at));
    if (!s) sites.set(key(at), (s = { ...at, allocObjects: 0, allocBytes: 0, inuseObjects: 0, inuseBytes: 0, sizes: {} }));
    s.allocObjects += r.allocObjects;
    s.allocBytes += r.allocBytes;
    s.inuseObjects += r.allocObjects - r.freeObjects;
    s.inuseBytes += r.allocBytes - r.freeBytes;
    if (r.allocObjects) {
      const size = String(Math.round(r.allocBytes / r.allocObjects));
      s.sizes[size] = (s.sizes[size] ?? 0) + r.allocObjects;
    }
  }
  return [...sites.values()].sort((a, b) => b.allocObjects - a.allocObjects || a.gcFunction.localeCompare(b.gcFunction) || a.line - b.line);
}

function siteFrame(r: HeapRecord, prefix: string, subject: string) {
  return r.frames.find((f) => spelled(subject, f.function).startsWith(prefix));
}

/** `got`'s heap probe against gc's `want` (same tag); differences unclassified. */
export function compareHeap(probe: string, want: HeapReport, wantSubject: string, got: HeapReport, gotSubject: string): HeapComparison {
  const w = heapSites(want, wantSubject);
  const differences: Difference[] = [];
  if (got.records.length && got.records.every((r) => r.frames.length === 0)) {
    return { probe, compared: w.length, equal: 0, differences: [{ probe, kind: 'heap-no-stacks' }] };
  }
  const g = heapSites(got, gotSubject);
  const gotByKey = new Map(g.map((s) => [key(s), s]));
  const unmatchedGot = new Set(g);
  const unmatchedWant: HeapSite[] = [];
  let equal = 0;
  for (const s of w) {
    const o = gotByKey.get(key(s));
    if (!o) {
      unmatchedWant.push(s);
      continue;
    }
    unmatchedGot.delete(o);
    if (s.allocObjects !== o.allocObjects) differences.push({ probe, kind: 'heap-objects', want: s, got: o });
    else if (s.allocBytes !== o.allocBytes) differences.push({ probe, kind: 'heap-bytes', want: s, got: o });
    else equal++;
  }
  // A site the subject puts on another line of the same function (the same
  // file): paired in line order.
  for (const s of unmatchedWant.sort((a, b) => a.line - b.line)) {
    const o = [...unmatchedGot].filter((x) => sameFunction(x, s)).sort((a, b) => a.line - b.line)[0];
    if (o) {
      unmatchedGot.delete(o);
      differences.push({ probe, kind: 'heap-site-line', want: s, got: o });
    } else {
      const sibling = g.find((x) => sameFunction(x, s));
      differences.push({ probe, kind: 'heap-missing-site', want: s, ...(sibling ? { sibling } : {}) });
    }
  }
  for (const o of unmatchedGot) {
    const sibling = w.find((x) => sameFunction(x, o));
    differences.push({ probe, kind: 'heap-extra-site', got: o, ...(sibling ? { sibling } : {}) });
  }
  return { probe, compared: w.length, equal, differences };
}
