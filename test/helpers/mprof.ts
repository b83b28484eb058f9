// Shared by the heap-profile tests (test/memprofile*.test.ts): builds the
// fixtures of test/fixtures/mprof, states expected frames from their markers,
// and carries the pieces of gc's rules the tests need written from the
// specification (docs/gc-semantics.md §3.3, §4), never from our output.

import test, { type ImplementationFn } from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { compile } from '../../compiler/toolchain/cc';
import {
  gc, load, memProfile, memProfileRate, resetMemProfile, setMemProfileRate, setMemProfileSeed, type MemProfileRecord, type Module,
} from '../../lib/index';
import { markerLine } from './cli';
import { compilerPath, FIXTURES, type Compiler } from './fixtures';
import { INCLUDE, ROOT, type Want } from './live';
import { RUNTIME_INCLUDES, runtimeSources, WALK_SOURCES } from './runtime';
import { REQUIRE_ALL, tools, type Tool } from './tools';

export const MPROF = path.join(FIXTURES, 'mprof');
export const RUNTIME_SRC = path.join(ROOT, 'runtime', 'src');

export function mprofSource(name: string): string {
  return path.join(MPROF, name);
}

/** Builds a fixture of test/fixtures/mprof into a shared object (cached by content, headers included). */
export function buildMprof(cc: Compiler, source: string, flags: string[] = []): string {
  return compile({
    compiler: compilerPath(cc),
    sources: [mprofSource(source)],
    flags: [`-I${INCLUDE}`, '-pthread', ...flags],
    kind: 'shared',
    name: `mprof-${source.replace(/\.c$/, '')}-${cc}`,
  });
}

const modules = new Map<string, Module>();
/** The fixture loaded once per process (load() returns the same Module for an open image anyway). */
export function mprofModule(cc: Compiler, source: string): Module {
  const so = buildMprof(cc, source);
  let m = modules.get(so);
  if (!m) modules.set(so, (m = load(so)));
  return m;
}

const texts = new Map<string, string>();
export function line(source: string, marker: string): number {
  const file = mprofSource(source);
  let s = texts.get(file);
  if (s === undefined) texts.set(file, (s = fs.readFileSync(file, 'utf8')));
  return markerLine(file, s, marker);
}

/**
 * test/c/mprof_inside.c, which #includes runtime/src/mprof.c: compile() keys
 * its cache by the listed sources only, so the digest of mprof.c and its
 * internal header goes into a -D.
 */
export function insideHarness(cc: Compiler): string {
  const h = createHash('sha256');
  for (const f of ['mprof.c', 'mprof_fast.h']) h.update(fs.readFileSync(path.join(RUNTIME_SRC, f)));
  const digest = h.digest('hex').slice(0, 16);
  return compile({
    compiler: compilerPath(cc),
    kind: 'exe',
    name: `mprof_inside-${cc}`,
    replaceFlags: true,
    sources: [path.join(ROOT, 'test', 'c', 'mprof_inside.c'), ...runtimeSources(...WALK_SOURCES)],
    flags: ['-std=gnu11', '-O2', '-g', '-pthread', '-Wall', '-Wextra', '-Werror', ...RUNTIME_INCLUDES, `-DMPROF_C_DIGEST=0x${digest}`, '-Wl,--no-as-needed', '-lm'],
  });
}

/** A frame of `fn` at the line of `marker` in the mprof fixture `source`. */
export function at(source: string, fn: string, marker: string, inlined = false): Want {
  return { function: fn, file: mprofSource(source), line: line(source, marker), inlined };
}

/** "file:line" as byLine keys it. */
export function lineKey(source: string, marker: string): string {
  return `${mprofSource(source)}:${line(source, marker)}`;
}

/**
 * pprof's scaleHeapSample (docs/gc-semantics.md §3.3): the estimated (count, size)
 * of allocations behind `count` samples of `size` bytes in total at rate R.
 */
export function scaleHeapSample(count: number, size: number, rate: number): [number, number] {
  if (count === 0 || size === 0) return [0, 0];
  if (rate <= 1) return [count, size];
  const avg = size / count;
  const scale = 1 / (1 - Math.exp(-avg / rate));
  return [Math.trunc(count * scale), Math.trunc(size * scale)];
}

/** heapsampling.go's checkValue, as the conformance harness applies it. */
export { checkValue } from '../../lib/conformance/sampling';

/** Sum of raw counts over records. */
export function totals(records: MemProfileRecord[]) {
  const t = { records: records.length, allocObjects: 0, freeObjects: 0, allocBytes: 0, freeBytes: 0 };
  for (const r of records) {
    t.allocObjects += r.allocObjects;
    t.freeObjects += r.freeObjects;
    t.allocBytes += r.allocBytes;
    t.freeBytes += r.freeBytes;
  }
  return t;
}

/** A record reduced to its counts, for deepEqual. */
export function counts(r: MemProfileRecord) {
  return { size: r.size, allocObjects: r.allocObjects, allocBytes: r.allocBytes, freeObjects: r.freeObjects, freeBytes: r.freeBytes };
}

/**
 * testWith (helpers/tools.ts) for a test that must not overlap the file's
 * other tests: the profile is process-wide, and an async test would let ava
 * start the next one at its first await.
 */
export function serialWith(needs: Tool[], title: string, fn: ImplementationFn<[]>): void {
  const missing = needs.filter((n) => !tools[n]);
  if (!missing.length) test.serial(title, fn);
  else if (REQUIRE_ALL) test.serial(title, (t) => t.fail(`required tool(s) missing: ${missing.join(', ')} (LLGI_REQUIRE_ALL=1)`));
  else test.skip(`${title} [needs ${missing.join(', ')}]`, fn);
}

/**
 * Runs `fn` with a fresh profile at `rate` (and `seed`, when given), restores
 * the rate, completes the cycle with gc() and returns every record (inuseZero).
 */
export function profileAt(rate: number, fn: () => void, seed?: number): MemProfileRecord[] {
  const old = memProfileRate();
  resetMemProfile();
  if (seed !== undefined) setMemProfileSeed(seed);
  setMemProfileRate(rate);
  try {
    fn();
  } finally {
    setMemProfileRate(old);
  }
  gc();
  return memProfile({ inuseZero: true });
}
