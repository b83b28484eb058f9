// Timing helpers shared by the benchmarks: wall time of child processes and of
// in-process work, best of N runs (the machine is shared; the minimum is the
// least disturbed run).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Best wall time (ms) of `runs` calls of f, each after `before` (untimed). */
export function bestOf(runs: number, f: () => void, before?: () => void): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    before?.();
    const t0 = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

/**
 * bestOf for in-process work that allocates JavaScript objects: each run
 * starts after a full collection (node --expose-gc; without it, as bestOf),
 * so a run does not pay for collecting the garbage of the runs before it,
 * nor run while the collector marks it. Its own allocations, and the
 * collections they cause, are still timed.
 */
export function bestOfCollected(runs: number, f: () => void): number {
  return bestOf(runs, f, (globalThis as { gc?: () => void }).gc);
}

/** Best wall time (ms) of a command fed `input` on stdin; throws if it fails. */
export function processMs(runs: number, cmd: string, args: string[], input: string): { ms: number; stdout: string } {
  let stdout = '';
  const ms = bestOf(runs, () => {
    const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
    stdout = r.stdout;
  });
  return { ms, stdout };
}

/** mulberry32: a small seeded PRNG so every run picks the same pcs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(ms >= 10 ? 1 : 2);
}

/**
 * One run of a command under GNU time: wall ms, peak RSS (KiB) and its output.
 * Input comes from a file and output goes to one, as with `< in > out`: a pipe
 * read by this process would charge tools that write line by line for our
 * reading.
 */
export function timedRun(cmd: string, args: string[], input: string, env?: NodeJS.ProcessEnv): { ms: number; rssKiB: number; stdout: string } {
  const base = path.join(os.tmpdir(), `llgi-time-${process.pid}`);
  fs.writeFileSync(`${base}.in`, input);
  const fin = fs.openSync(`${base}.in`, 'r');
  const fout = fs.openSync(`${base}.out`, 'w');
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', `${base}.rss`, cmd, ...args], {
      stdio: [fin, fout, 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30, env: env && { ...process.env, ...env },
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
    const rssKiB = Number(fs.readFileSync(`${base}.rss`, 'utf8').trim().split('\n').pop());
    return { ms, rssKiB, stdout: fs.readFileSync(`${base}.out`, 'utf8') };
  } finally {
    fs.closeSync(fin);
    fs.closeSync(fout);
  }
}
