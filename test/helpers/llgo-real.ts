// Real llgo as a test subject: builds the Go scenario module
// (test/fixtures/llgo/go) with llgo in every mode, runs it, and reads what
// llgo's own runtime printed (probe package: Callers + CallersFrames,
// FuncForPC, Caller), the oracle the tests compare our answers with.
//
// Without llgo these tests skip with a message naming what they would have
// checked; LLGI_REQUIRE_LLGO=1 makes a missing llgo a failure. CI cannot get
// llgo (docs/llgo.md), so LLGI_REQUIRE_ALL=1 does not force them.

import type { ImplementationFn } from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findLlgo, llgoBuild, type LlgoBuild, type LlgoMode } from '../../compiler/toolchain/llgo';
import { parseProbes, type ProbeReport } from '../../lib/conformance/probes';

export const GO_MODULE = path.join(__dirname, '..', 'fixtures', 'llgo', 'go');
export const REQUIRE_LLGO = process.env.LLGI_REQUIRE_LLGO === '1';
export const llgo = findLlgo();

export const EXE_MODES: LlgoMode[] = ['exe', 'exe-O0', 'exe-dwarf', 'exe-nopost', 'exe-external', 'exe-none'];
export const SHARED_MODES: LlgoMode[] = ['c-shared', 'c-shared-dwarf'];

/** A test that needs real llgo: skipped visibly without it, failed under LLGI_REQUIRE_LLGO=1. */
export function testWithLlgo(title: string, fn: ImplementationFn<[]>): void {
  // Required here, not imported: scripts outside ava (bench/) use the rest of this file.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const test = require('ava') as typeof import('ava').default;
  if (llgo) test(title, fn);
  else if (REQUIRE_LLGO) test(title, (t) => t.fail('llgo is missing ($LLGO or llgo on PATH) and LLGI_REQUIRE_LLGO=1'));
  else test.skip(`${title} [needs real llgo: $LLGO or llgo on PATH, LLGO_ROOT]`, fn);
}

const builds = new Map<string, LlgoBuild>();

/** The scenario package `pkg` (relative to the module) built in `mode`. */
export function scenario(pkg: string, mode: LlgoMode): LlgoBuild {
  const key = `${pkg} ${mode}`;
  let b = builds.get(key);
  if (!b) {
    b = llgoBuild(llgo!, { module: GO_MODULE, pkg, mode });
    builds.set(key, b);
  }
  return b;
}

export { parseProbes, type ProbeReport, type RuntimeFrame, type RuntimeFunc } from '../../lib/conformance/probes';

/** Runs an executable scenario and returns what its runtime printed. */
export function runProbes(bin: string): ProbeReport[] {
  const r = spawnSync(bin, [], { encoding: 'utf8', env: { ...process.env, LLGI_PROBE_OUT: '' } });
  if (r.status !== 0) throw new Error(`${bin} exited with ${r.status}: ${r.stderr}`);
  return parseProbes(r.stdout);
}

/**
 * Reads and empties a probe output file written by a c-shared module (the
 * probe keeps it open for appending, so it is truncated, not removed).
 */
export function takeProbes(file: string): ProbeReport[] {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (text) fs.truncateSync(file, 0);
  return parseProbes(text);
}

/** What we answered for one pc (a Frame of ours, reduced to what llgo's runtime prints). */
export interface Answer { function: string; file: string; line: number; entry: bigint; functionSource?: string }

/**
 * Why our answer differs from llgo's runtime frame, or null when they agree.
 * Files: llgo prints "" where we print gc's "?". Entries: a table llgo
 * builds at first use from entry sites (c-shared, LLGO_PCLNPOST=0) reports
 * the post-prologue anchor as the entry, at most 64 bytes past the
 * function's start (llgo's "entry slack"); we report the start, as gc does
 * and as llgo's post-linked tables do (docs/llgo.md).
 */
export function differs(ours: Answer | undefined, theirs: { function: string; file: string; line: number; entry: bigint }, anchorEntries: boolean): string | null {
  if (!ours) return 'no frame';
  const why: string[] = [];
  if (ours.function !== theirs.function) why.push(`function ${ours.function} != ${theirs.function}`);
  if (!(ours.file === theirs.file || (ours.file === '?' && theirs.file === ''))) why.push(`file ${ours.file} != ${theirs.file}`);
  if (ours.line !== theirs.line) why.push(`line ${ours.line} != ${theirs.line}`);
  const slack = theirs.entry - ours.entry;
  if (anchorEntries ? slack < 0n || slack > 64n : slack !== 0n) why.push(`entry 0x${ours.entry.toString(16)} vs llgo's 0x${theirs.entry.toString(16)}`);
  return why.length ? why.join(', ') : null;
}
