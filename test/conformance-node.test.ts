// The bundled scenarios as c-shared libraries inside this Node process
// (docs/conformance.md, "In Node"): gc's build and, when llgo is here,
// llgo's, loaded side by side. Each runtime prints what it says about its
// own stacks (go/probe); our callersFrames and funcForPC over the same pcs
// must say the same. Then the two runtimes are compared with each other, and
// the heap profile our sampler takes of llgo's library is compared with
// gc's own profile of gc's library, site by site: at rate 1, and at the
// default rate by sampling error over repeated runs. The C port of the heap
// scenario (test/fixtures/mprof/heap.c) takes llgo's place where there is
// no llgo.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { findGo, goBuild } from '../compiler/toolchain/gc';
import { llgoBuild } from '../compiler/toolchain/llgo';
import {
  bundledScenarios, compareRuns, formatReport, formatSamplingErrors, parseHeapProbes, samplingError, siteCounts, siteCountsSince,
  type HeapRecord, type HeapReport, type ProbeReport, type Run, type SamplingError, type SiteCount,
} from '../lib/conformance/index';
import { callersFrames, funcForPC, load, markerLine, resetMemProfile, type MemProfileRecord, type Module } from '../lib/index';
import { differs, llgo, takeProbes, testWithLlgo } from './helpers/llgo-real';
import { mprofModule, mprofSource, profileAt } from './helpers/mprof';
import { testWith } from './helpers/tools';

const OUT = path.join(os.tmpdir(), `llgi-node-probes-${process.pid}.jsonl`);
process.env.LLGI_PROBE_OUT = OUT;

const [SHAPES] = bundledScenarios();
const PKG = './cmd/cshared';
const HEAP_PREFIX = 'llgo-introspect.dev/scenarios/heap.';
const HEAP_GO = path.join(SHAPES.module, 'heap', 'heap.go');
const N = 100;
const DEFAULT_RATE = 512 * 1024;

interface Loaded { m: Module; version: string; atLoad: ProbeReport[] }
const loaded = new Map<string, Loaded>();

function loadOnce(subject: 'gc' | 'llgo'): Loaded {
  let l = loaded.get(subject);
  if (!l) {
    takeProbes(OUT);
    let so: string;
    let version: string;
    if (subject === 'gc') {
      const go = findGo()!;
      so = goBuild(go, { module: SHAPES.module, pkg: PKG, name: 'scenarios', buildMode: 'c-shared' });
      version = go.version;
    } else {
      so = llgoBuild(llgo!, { module: SHAPES.module, pkg: PKG, mode: 'c-shared', name: 'scenarios' }).path;
      version = llgo!.version;
    }
    const m = load(so);
    // gc's library read its environment as the process started: tell it the file.
    if (subject === 'gc') m.func('LlgiProbeTo', 'void (const char *)')(OUT);
    l = { m, version, atLoad: takeProbes(OUT) };
    loaded.set(subject, l);
  }
  return l;
}

const ran = new Map<string, { l: Loaded; run: Run }>();

/**
 * Runs every shape in `subject`'s library once (its callbacks probe only
 * their first call in a process): what its runtime said, init's report
 * (made at load) first.
 */
function shapes(subject: 'gc' | 'llgo'): { l: Loaded; run: Run } {
  let r = ran.get(subject);
  if (!r) {
    const l = loadOnce(subject);
    l.m.call('LlgiShapes');
    const reports = [...l.atLoad, ...takeProbes(OUT)];
    r = { l, run: { subject, version: l.version, binary: l.m.path, reports } };
    ran.set(subject, r);
  }
  return r;
}

/** Our callersFrames and funcForPC over every pc the runtime reported, against what the runtime said. */
function checkOwnAnswers(t: ExecutionContext, reports: ProbeReport[], anchors: boolean): number {
  let compared = 0;
  for (const r of reports) {
    const ours = callersFrames(r.pcs);
    t.is(ours.length, r.frames.length, `${r.tag}: as many frames as the runtime's CallersFrames`);
    r.frames.forEach((theirs, i) => {
      compared++;
      t.is(differs(ours[i], theirs, anchors), null, `${r.tag} frame ${i}`);
    });
    r.funcs.forEach((fn) => {
      const f = funcForPC(fn.pc);
      t.is(f?.name, fn.name, `${r.tag}: FuncForPC(0x${fn.pc.toString(16)})`);
    });
  }
  return compared;
}

testWith(['go'], "gc's c-shared library in Node: callersFrames and funcForPC answer every pc as gc's runtime", (t) => {
  const { l, run } = shapes('gc');
  // gc ran the package's init during dlopen, before the probe had its file.
  t.deepEqual(l.atLoad, []);
  t.is(run.reports.length, 21);
  const compared = checkOwnAnswers(t, run.reports, false);
  // gc's FuncForPC gives the physical entry and FileLine(pc) for the pc itself, as ours does.
  for (const r of run.reports) {
    for (const fn of r.funcs) {
      const f = funcForPC(fn.pc)!;
      t.is(f.entry, fn.entry, `${r.tag}: entry of ${fn.name}`);
      t.deepEqual(f.fileLine(fn.pc), { file: fn.file, line: fn.line }, `${r.tag}: FileLine of ${fn.name}`);
    }
  }
  t.log(`gc c-shared: all ${compared} frames equal to gc's`);
});

testWithLlgo("llgo's c-shared library beside gc's: its own answers are ours, and against gc's runtime no regression", (t) => {
  const gc = shapes('gc').run;
  const { run } = shapes('llgo');
  t.is(run.reports.length, 22);
  const compared = checkOwnAnswers(t, run.reports.filter((r) => r.tag !== 'init'), true);
  // gc's init report went to stdout (above): compare the shapes both ran from LlgiShapes.
  const r = compareRuns(gc, { ...run, reports: run.reports.filter((x) => x.tag !== 'init') });
  t.log(`llgo c-shared: all ${compared} frames equal to llgo's; against gc in the same process: ${r.frames.equal} of ${r.frames.compared} identical`);
  t.deepEqual(r.regressions, []);
  t.true(r.frames.equal >= 90, `${r.frames.equal}`);
});

/** gc's own heap profile of its library so far (cumulative, as runtime.MemProfile is). */
function gcHeapProbe(m: Module): HeapReport {
  takeProbes(OUT);
  m.call('LlgiHeapProbe');
  const text = fs.readFileSync(OUT, 'utf8');
  fs.truncateSync(OUT, 0);
  const [h] = parseHeapProbes(text);
  return h;
}

/** gc's own heap profile of its library after n allocations of each kind at rate 1. */
function gcHeap(): HeapReport {
  const { m } = loadOnce('gc');
  m.call('LlgiSetMemProfileRate', 1);
  m.call('LlgiHeap', N);
  const h = gcHeapProbe(m);
  m.call('LlgiSetMemProfileRate', DEFAULT_RATE);
  return h;
}

/** Our records as a probe reports them: counts and our frames. */
const asHeapRecords = (records: MemProfileRecord[]): HeapRecord[] => records.map((r) => ({
  allocObjects: r.allocObjects, allocBytes: r.allocBytes, freeObjects: r.freeObjects, freeBytes: r.freeBytes,
  frames: r.frames().map((f) => ({ function: f.function, file: f.file, line: f.line })),
}));

testWithLlgo("llgo's library through our sampler at rate 1 against gc's own profile: every site found, each difference a known deviation", (t) => {
  const truth = gcHeap();
  t.is(truth.rate, 1);
  const { m } = loadOnce('llgo');
  const records = profileAt(1, () => m.call('LlgiHeap', N)).filter((r) => r.frames().some((f) => f.gcFunction.startsWith(HEAP_PREFIX)));
  const ours: HeapReport = { tag: 'heap', prefix: HEAP_PREFIX, rate: 1, records: asHeapRecords(records) };
  const run = (subject: string, heap: HeapReport): Run => ({ subject, version: '', binary: '', reports: [], heap: [heap] });
  const r = compareRuns(run('gc', truth), run('llgo', ours));
  t.log(`llgo through our sampler: ${r.heap.equal} of ${r.heap.compared} heap sites identical`);
  if (r.regressions.length) t.log(formatReport(r));
  t.deepEqual(r.regressions, []);
  // One object per allocation where neither gc's tiny blocks nor a runtime's
  // layout interferes: the same N objects, llgo's on the loop header line.
  for (const kind of ['composite', 'make-slice', 'make-map']) {
    const line = markerLine(HEAP_GO, `@heap:${kind}`);
    const ds = r.heapProbes[0].differences.filter((d) => d.want?.line === line);
    t.deepEqual(ds.map((d) => [d.kind, d.deviation?.id]), [['heap-site-line', 'llgo-loop-header-line']], kind);
    t.like(ds[0], { want: { allocObjects: N }, got: { allocObjects: N, line: line - 1 } }, kind);
  }
});

// ---- sampling error at the default rate (docs/conformance.md) ------------------------------------

/** Iterations of each kind in the rate-1 run that gives each site's exact count per iteration. */
const TRUTH_ITERS = 10_000;
/** Iterations of each kind per sampled run, and runs. */
const ITERS = 1_000_000;
const RUNS = 10;
/** append's growths are not proportional to the iterations. */
const NOT_LINEAR = ['appendGrowth'];

/** gc's sampler on gc's library: exact counts at rate 1, then RUNS profiles at the default rate (differences of its cumulative profile); once per process. */
let gcSampled: { truth: Map<string, SiteCount>; error: SamplingError } | undefined;
function gcSampling() {
  if (gcSampled) return gcSampled;
  const { m } = loadOnce('gc');
  const read = (rate: number) => siteCounts(gcHeapProbe(m).records, HEAP_PREFIX, 'gc', rate);
  m.call('LlgiSetMemProfileRate', 1);
  const before = read(1);
  m.call('LlgiHeap', TRUTH_ITERS);
  const truth = siteCountsSince(read(1), before);
  m.call('LlgiSetMemProfileRate', DEFAULT_RATE);
  const runs: Map<string, SiteCount>[] = [];
  let prev = read(DEFAULT_RATE);
  for (let i = 0; i < RUNS; i++) {
    m.call('LlgiHeap', ITERS);
    const cur = read(DEFAULT_RATE);
    runs.push(siteCountsSince(cur, prev));
    prev = cur;
  }
  gcSampled = { truth, error: samplingError(truth, TRUTH_ITERS, runs, ITERS, DEFAULT_RATE, NOT_LINEAR) };
  return gcSampled;
}

/**
 * Our sampler on a module whose `heapRun(n)` allocates n of each kind: exact
 * counts at rate 1, then RUNS fresh profiles at the default rate (seeds seedBase + run).
 * Sites are the first frames under `prefix`, in `subject`'s spelling.
 */
function ourSampling(heapRun: (n: number) => void, prefix: string, subject: string, seedBase: number) {
  const counts = (records: MemProfileRecord[], rate: number) => siteCounts(asHeapRecords(records), prefix, subject, rate);
  const truth = counts(profileAt(1, () => heapRun(TRUTH_ITERS)), 1);
  const runs = Array.from({ length: RUNS }, (_, i) => counts(profileAt(DEFAULT_RATE, () => heapRun(ITERS), seedBase + i), DEFAULT_RATE));
  resetMemProfile();
  return { truth, error: samplingError(truth, TRUTH_ITERS, runs, ITERS, DEFAULT_RATE, NOT_LINEAR) };
}

/** Our sampling error against gc's own, as docs/conformance.md states the bar. */
function expectSamplingParity(t: ExecutionContext, theirs: SamplingError, ours: SamplingError) {
  t.log(`${RUNS} runs of ${ITERS} iterations at R=${DEFAULT_RATE} (rms: of estimate/truth - 1; theory: sampling's sd)\n${formatSamplingErrors([['gc', theirs], ['ours', ours]])}`);
  t.deepEqual(ours.sites.map((s) => s.function), theirs.sites.map((s) => s.function), 'the same sites');
  for (const s of ours.sites) t.is(s.tolerance, null, `ours: ${s.function}`);
  // The law both samplers follow: gc's own error is what theory gives, so the yardstick holds.
  t.true(theirs.pooledZ > 0.7 && theirs.pooledZ < 1.4, `gc's pooled z ${theirs.pooledZ}`);
  t.true(ours.pooledZ < 1.3, `our pooled z ${ours.pooledZ}: errors as small as sampling allows`);
  t.true(ours.pooledZ < 1.3 * theirs.pooledZ, `our pooled z ${ours.pooledZ} against gc's ${theirs.pooledZ}`);
  t.true(Math.abs(ours.meanZ) < 4 / Math.sqrt(ours.count), `unbiased: mean z ${ours.meanZ}`);
}

testWithLlgo("at the default rate, our sampler on llgo's library estimates every site within gc heapsampling's tolerance, and its error is no worse than gc's own on gc's library", (t) => {
  const { m } = loadOnce('llgo');
  expectSamplingParity(t, gcSampling().error, ourSampling((n) => m.call('LlgiHeap', n), HEAP_PREFIX, 'llgo', 0x5a3e_0000).error);
});

// ---- the C port of the heap scenario (test/fixtures/mprof/heap.c): the same checks without llgo ----

const HEAP_C = 'heap.c';
/** Sites of gc's tiny allocator: the block a run starts filling depends on what came before (docs/conformance.md). */
const TINY = ['newObjects', 'tinyObjects', 'itoa', 'boxing'];
const cPort = () => mprofModule('gcc', HEAP_C);

testWith(['go', 'gcc'], "the C port at rate 1: our sampler counts, function by function and size by size, the objects gc's own profile has", (t) => {
  const gcTruth = gcSampling().truth;
  const m = cPort();
  const records = profileAt(1, () => m.call('heap_run', TRUTH_ITERS));
  const ours = siteCounts(asHeapRecords(records), '', 'c', 1);
  const fns = [...gcTruth.keys()].filter((fn) => !NOT_LINEAR.includes(fn)).sort();
  t.deepEqual([...ours.keys()].sort(), fns, "the port's functions are gc's sites");
  for (const fn of fns) {
    // gc's runtime now and then allocates for itself under a site's frame (one 112-byte object once in
    // makeChans' 10,000 channels): a size with at most 2 objects is gc's own, not the site's.
    const want = Object.fromEntries([...gcTruth.get(fn)!.sizes].filter(([, n]) => n > 2));
    const got = Object.fromEntries(ours.get(fn)!.sizes);
    if (!TINY.includes(fn)) t.deepEqual(got, want, fn);
    else {
      t.deepEqual(Object.keys(got), Object.keys(want), `${fn}: sizes`);
      for (const size of Object.keys(want)) t.true(Math.abs(got[size] - want[size]) <= 2, `${fn}: ${got[size]} objects of ${size} B, gc ${want[size]}`);
    }
  }
  // Each record's site is its marked line of the port.
  const file = mprofSource(HEAP_C);
  for (const r of records) {
    const f = r.frames()[0];
    t.is(f.file, file);
    t.regex(fs.readFileSync(file, 'utf8').split('\n')[f.line - 1] ?? '', /@heap:[a-z-]+/, `${f.function}:${f.line}`);
  }
});

testWith(['go', 'gcc'], "the C port at the default rate: every site within gc heapsampling's tolerance, the error no worse than gc's own on gc's library", (t) => {
  const m = cPort();
  expectSamplingParity(t, gcSampling().error, ourSampling((n) => m.call('heap_run', n), '', 'c', 0x5a3f_0000).error);
});
