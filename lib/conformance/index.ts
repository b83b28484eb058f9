// llgo-introspect/conformance: build a Go scenario with gc and with the
// compiler under test, run both, and say what differs (docs/conformance.md).
// A scenario is a Go module whose package imports the probe package this
// project ships (go/probe); each probe prints what that compiler's runtime
// says about the stack there.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LlgiError } from '../../compiler/errors';
import { findGo, gccgoVersion, goBuild, type GoToolchain } from '../../compiler/toolchain/gc';
import { findLlgo, llgoBuild } from '../../compiler/toolchain/llgo';
import { compareRuns, formatReport, type CompareOptions, type ConformanceReport, type Run } from './compare';
import { parseHeapProbes, parseProbes } from './probes';

export { alignFrames, type Pair } from './align';
export { compareRuns, formatReport, type CompareOptions, type ConformanceReport, type Difference, type DifferenceKind, type ProbeComparison, type Run, type ShownFrame } from './compare';
export { KNOWN_DEVIATIONS, classify, type KnownDeviation } from './deviations';
export { parseHeapProbes, parseProbes, type HeapRecord, type HeapReport, type ProbeReport, type RuntimeFrame, type RuntimeFunc } from './probes';
export { compareHeap, heapSites, type HeapComparison, type HeapSite } from './heap';
export { checkValue, formatSamplingErrors, samplingError, siteCounts, siteCountsSince, type SamplingError, type SiteCount, type SiteError } from './sampling';
export { formatGoTestReport, goTestPrograms, runGoTests, type GoTestOptions, type GoTestProgram, type GoTestReport, type GoTestResult, type GoTestStatus } from './gotests';

/** The compilers a scenario can be built with. */
export type Subject = 'gc' | 'llgo' | 'gccgo';
export const SUBJECTS: readonly Subject[] = ['gc', 'llgo', 'gccgo'];

export interface Scenario {
  name: string;
  /** The Go module's directory (its go.mod requires llgo-introspect.dev/probe). */
  module: string;
  /** The main package, relative to the module: './cmd/shapes'. */
  pkg: string;
}

/** The package's Go sources (probe and scenarios): beside lib/ in the source tree, beside dist/ when built. */
function goDir(): string {
  for (const up of [['..', '..'], ['..', '..', '..']]) {
    const d = path.join(__dirname, ...up, 'go');
    if (fs.existsSync(path.join(d, 'probe', 'go.mod'))) return d;
  }
  throw new LlgiError('LLGI_IO', "the package's go/ directory (probe and scenarios) is missing");
}

/** The probe package's directory, for a scenario's `replace llgo-introspect.dev/probe => <dir>`. */
export function probeModuleDir(): string {
  return path.join(goDir(), 'probe');
}

/** The bundled scenarios (go/scenarios). */
export function bundledScenarios(): Scenario[] {
  const module = path.join(goDir(), 'scenarios');
  return [{ name: 'shapes', module, pkg: './cmd/shapes' }, { name: 'heap', module, pkg: './cmd/heap' }];
}

/** The go command: it builds gc's ground truth, and gccgo's builds too. */
function needGo(): GoToolchain {
  const go = findGo();
  if (!go) throw new LlgiError('LLGI_TOOLCHAIN_MISSING', 'the go command is not installed (no /usr/local/go/bin/go or go on PATH; set LLGI_GO)');
  return go;
}

export interface RunOptions {
  cacheDir?: string;
}

/** Builds `s` with `subject` (exe mode) and runs it: what that compiler's runtime reported at each probe. */
export function runScenario(s: Scenario, subject: Subject, opts: RunOptions = {}): Run {
  let binary: string;
  let version: string;
  if (subject === 'gc') {
    const go = needGo();
    binary = goBuild(go, { module: s.module, pkg: s.pkg, name: s.name, cacheDir: opts.cacheDir });
    version = go.version;
  } else if (subject === 'gccgo') {
    const v = gccgoVersion();
    if (!v) throw new LlgiError('LLGI_TOOLCHAIN_MISSING', 'gccgo is not installed (Debian: apt-get install gccgo)');
    binary = goBuild(needGo(), { module: s.module, pkg: s.pkg, name: s.name, cacheDir: opts.cacheDir, compiler: 'gccgo' });
    version = v;
  } else if (subject === 'llgo') {
    const llgo = findLlgo();
    if (!llgo) throw new LlgiError('LLGI_TOOLCHAIN_MISSING', 'llgo is not installed ($LLGO or llgo on PATH, with LLGO_ROOT; docs/llgo.md)');
    binary = llgoBuild(llgo, { module: s.module, pkg: s.pkg, mode: 'exe', name: s.name, cacheDir: opts.cacheDir }).path;
    version = `${llgo.version}${llgo.commit ? ` ${llgo.commit}` : ''}`;
  } else {
    throw new LlgiError('LLGI_BAD_ARGUMENT', `unknown subject ${JSON.stringify(subject)}: expected one of ${SUBJECTS.join(', ')}`);
  }
  const r = spawnSync(binary, [], { encoding: 'utf8', env: { ...process.env, LLGI_PROBE_OUT: '' }, maxBuffer: 1 << 28, timeout: 120_000 });
  if (r.error || r.status !== 0) {
    throw new LlgiError('LLGI_SCENARIO_FAILED', `${s.name} built by ${subject} exited with ${r.error?.message ?? `status ${r.status}`}:\n${(r.stderr ?? '').slice(-4000)}`);
  }
  return { subject, version, binary, reports: parseProbes(r.stdout), heap: parseHeapProbes(r.stdout) };
}

/** gc's run of `s`: the ground truth. */
export function groundTruth(s: Scenario, opts: RunOptions = {}): Run {
  return runScenario(s, 'gc', opts);
}

/** `s` under `subject` compared with gc's run of it. */
export function check(s: Scenario, subject: Subject, opts: RunOptions & CompareOptions = {}): ConformanceReport {
  return compareRuns(groundTruth(s, opts), runScenario(s, subject, opts), opts);
}

export interface ExpectOptions {
  /** The known deviations the subject may show, by id (default: any in the table). Any other is a failure. */
  deviations?: readonly string[];
}

/**
 * For a compiler's own tests, with any test runner: throws an LlgiError
 * (LLGI_ASSERTION) carrying the readable report when `r` has a regression,
 * or a known deviation not in `opts.deviations`.
 *
 *   expectConformance(check(scenario, 'llgo'), { deviations: ['llgo-runtime-tail'] });
 */
export function expectConformance(r: ConformanceReport, opts: ExpectOptions = {}): void {
  const allowed = opts.deviations && new Set(opts.deviations);
  const unexpected = allowed ? r.differences.filter((d) => d.deviation && !allowed.has(d.deviation.id)) : [];
  if (!r.regressions.length && !unexpected.length) return;
  const why = [
    r.regressions.length ? `${r.regressions.length} regression(s)` : '',
    unexpected.length ? `known deviations not expected here: ${[...new Set(unexpected.map((d) => d.deviation!.id))].join(', ')}` : '',
  ].filter(Boolean).join('; ');
  throw new LlgiError('LLGI_ASSERTION', `conformance: ${why}\n${formatReport(r)}`);
}
