// The heap profile under load: module pthreads reporting millions of
// allocations and frees at rate 1 while JavaScript calls gc() and reads the
// profile (test/fixtures/mprof/stress.c), and the same workload driven
// directly against the C runtime by test/c/mprof_stress.c under
// AddressSanitizer + UBSan and under ThreadSanitizer. Expected totals follow
// from the workload's rules (every sampled allocation counted once, every
// free of a sampled pointer once); during the run, every read must be a
// consistent gc snapshot (docs/gc-semantics.md §2.3): frees <= allocs per record,
// bytes = objects * size, counts never going down.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { compile } from '../compiler/toolchain/cc';
import { gc, memProfile, resetMemProfile, setMemProfileRate, type MemProfileRecord } from '../lib/index';
import { compilerPath, type Compiler } from './helpers/fixtures';
import { ccTool, checkStack, COMPILERS, ROOT } from './helpers/live';
import { at, insideHarness, mprofModule, serialWith } from './helpers/mprof';
import { RUNTIME_INCLUDES, runtimeSources, WALK_SOURCES } from './helpers/runtime';
import { testWith } from './helpers/tools';

const S = 'stress.c';
const THREADS = 8;
const ITERS = 1_000_000;
const SLOTS = 1024;

/** Thread k's object size. */
const sizeOf = (k: number) => 64 + 16 * k;

/**
 * What the workload must leave in the profile for one thread of `iters`
 * iterations: even i allocate at @st:pair and free at once; odd i allocate
 * at @st:kept and hold until the slot i % SLOTS comes round again.
 */
function expected(iters: number) {
  const pair = Math.ceil(iters / 2);
  const kept = Math.floor(iters / 2);
  let held = 0; // slots whose last use (the largest i < iters with i % SLOTS == s) is odd
  for (let s = 0; s < Math.min(SLOTS, iters); s++) {
    const last = s + SLOTS * Math.floor((iters - 1 - s) / SLOTS);
    if (last & 1) held++;
  }
  return { pair: { allocs: pair, frees: pair }, kept: { allocs: kept, frees: kept - held }, held };
}

interface Snapshot {
  allocs: number;
  frees: number;
}

/** Checks one read against gc's snapshot rules; returns the per-record counts keyed by size and leaf line. */
function checkSnapshot(t: ExecutionContext, records: MemProfileRecord[], before: Map<string, Snapshot>, label: string): Map<string, Snapshot> {
  const now = new Map<string, Snapshot>();
  let bad = 0;
  for (const r of records) {
    const k = `${r.size}@${r.stack[0]}`;
    const prev = before.get(k) ?? { allocs: 0, frees: 0 };
    if (r.freeObjects > r.allocObjects || r.allocBytes !== r.allocObjects * r.size || r.freeBytes !== r.freeObjects * r.size ||
        r.allocObjects < prev.allocs || r.freeObjects < prev.frees) {
      if (bad++ < 5) t.fail(`${label}: inconsistent record ${JSON.stringify({ size: r.size, a: r.allocObjects, f: r.freeObjects, ab: r.allocBytes, fb: r.freeBytes, prev })}`);
    }
    now.set(k, { allocs: r.allocObjects, frees: r.freeObjects });
  }
  return now;
}

for (const cc of COMPILERS) {
  serialWith([ccTool(cc)], `${cc}: ${THREADS} module pthreads x ${ITERS} llgi_alloc (+ frees) at rate 1 while JavaScript calls gc(): exact totals`, async (t) => {
    const m = mprofModule(cc, S);
    const start = m.func('stress_start', 'int (int, int)') as (n: number, each: number) => number;
    const done = m.func('stress_done', 'int (void)') as () => number;
    const join = m.func('stress_join', 'int (void)') as () => number;
    resetMemProfile();
    setMemProfileRate(1);
    try {
      t.is(start(THREADS, ITERS), THREADS);
      let gcs = 0;
      let reads = 0;
      let seen = new Map<string, Snapshot>();
      const t0 = Date.now();
      while (done() < THREADS) {
        gc();
        gcs++;
        if (gcs % 16 === 0) {
          seen = checkSnapshot(t, memProfile({ inuseZero: gcs % 32 === 0 }), seen, `read ${reads}`);
          reads++;
        }
        await tick();
      }
      t.is(join(), THREADS);
      gc();
      const records = memProfile({ inuseZero: true });
      checkSnapshot(t, records, seen, 'final');
      t.log(`${gcs} gc() calls and ${reads} reads during ${Date.now() - t0} ms`);
      t.true(reads > 0, 'the profile was read while the threads ran');

      const want = expected(ITERS);
      const pairLine = at(S, 'stress_loop', '@st:pair');
      const keptLine = at(S, 'stress_loop', '@st:kept');
      const main = { frames: [at(S, 'stress_main', '@st:main->loop')], physical: 'stress_main', module: m };
      t.is(records.length, 2 * THREADS, 'one record per thread size and site');
      for (let k = 0; k < THREADS; k++) {
        for (const [site, w] of [[pairLine, want.pair], [keptLine, want.kept]] as const) {
          const r = records.find((x) => x.size === sizeOf(k) && x.frames()[0]?.line === site.line);
          if (!r) {
            t.fail(`no record for size ${sizeOf(k)} at line ${site.line}`);
            continue;
          }
          t.deepEqual([r.allocObjects, r.freeObjects, r.allocBytes, r.freeBytes], [w.allocs, w.frees, w.allocs * sizeOf(k), w.frees * sizeOf(k)], `thread ${k} line ${site.line}`);
          checkStack(t, r.frames(), r.stack, [{ frames: [site], physical: 'stress_loop', module: m }, main], `thread ${k}`);
        }
      }
      const sum = records.reduce((a, r) => ({ allocs: a.allocs + r.allocObjects, frees: a.frees + r.freeObjects }), { allocs: 0, frees: 0 });
      t.deepEqual(sum, { allocs: THREADS * ITERS, frees: THREADS * (ITERS - want.held) });
      t.is(want.held, 512);
    } finally {
      join();
      resetMemProfile();
    }
  });
}

// ---- the C runtime alone, under sanitizers -----------------------------------

function stressHarness(cc: Compiler, sanitize: string[]): string {
  return compile({
    compiler: compilerPath(cc),
    kind: 'exe',
    name: `mprof_stress-${cc}-${sanitize.join('-').replace(/[^a-z]+/g, '')}`,
    replaceFlags: true,
    sources: [path.join(ROOT, 'test', 'c', 'mprof_stress.c'), ...runtimeSources('mprof', ...WALK_SOURCES)],
    flags: [
      '-std=gnu11', '-O1', '-g', '-pthread', '-fno-omit-frame-pointer', '-mno-omit-leaf-frame-pointer', '-fno-optimize-sibling-calls',
      ...sanitize, '-Wall', '-Wextra', '-Werror', ...RUNTIME_INCLUDES, '-Wl,--no-as-needed', '-lm',
    ],
  });
}

function runHarness(t: ExecutionContext, exe: string, threads: number, iters: number, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(exe, [String(threads), String(iters)], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24, timeout: 240_000 });
  t.is(r.error, undefined);
  t.is(r.status, 0, `exit ${r.status} signal ${r.signal}\n${r.stderr.slice(0, 6000)}`);
  t.is(r.stderr, '', 'no sanitizer report');
  const records = [...r.stdout.matchAll(/^record (\d+) (\w+) (\d+) (\d+) (\d+) (\d+) (\d+)$/gm)].map((x) => ({
    size: Number(x[1]), site: x[2], allocs: Number(x[3]), frees: Number(x[4]), allocBytes: Number(x[5]), freeBytes: Number(x[6]), nstk: Number(x[7]),
  }));
  const totals = /^totals (\d+) (\d+) (\d+) (\d+) (\d+)$/m.exec(r.stdout);
  const gcLine = /^gc (\d+) reads (\d+) violations (\d+)$/m.exec(r.stdout);
  t.truthy(totals && gcLine, r.stdout);
  if (!totals || !gcLine) return;
  t.log(`${threads} x ${iters}: ${gcLine[1]} gc cycles, ${gcLine[2]} checked reads during the run`);
  t.is(Number(gcLine[3]), 0, 'no violation of the snapshot rules during the run');
  t.true(Number(gcLine[2]) > 0);

  const want = expected(iters);
  const wantRecords = [];
  for (let k = 0; k < threads; k++) {
    for (const [site, w] of [['pair', want.pair], ['kept', want.kept]] as const) {
      wantRecords.push({ size: sizeOf(k), site, allocs: w.allocs, frees: w.frees, allocBytes: w.allocs * sizeOf(k), freeBytes: w.frees * sizeOf(k), nstk: 3 });
    }
  }
  const order = (a: { size: number; site: string }, b: { size: number; site: string }) => a.size - b.size || a.site.localeCompare(b.site);
  t.deepEqual(records.sort(order), wantRecords.sort(order), 'per (size, site): exact counts; stacks site <- worker_loop <- worker_main');
  t.deepEqual(totals.slice(1).map(Number), [
    threads * iters, threads * (iters - want.held),
    wantRecords.reduce((a, w) => a + w.allocBytes, 0), wantRecords.reduce((a, w) => a + w.freeBytes, 0), 2 * threads,
  ]);
}

testWith(['gcc'], `C runtime alone, ASan + UBSan: ${THREADS} threads x ${ITERS} llgi_mprof_malloc/free at rate 1 + a gc thread: exact totals`, (t) => {
  const exe = stressHarness('gcc', ['-fsanitize=address,undefined', '-fno-sanitize-recover=all']);
  runHarness(t, exe, THREADS, ITERS, { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1' });
});

// TSan runs ~25x slower: a quarter of the iterations (still ~2M samples and frees).
testWith(['gcc'], `C runtime alone, TSan: ${THREADS} threads x ${ITERS / 4} llgi_mprof_malloc/free at rate 1 + a gc thread: no race, exact totals`, (t) => {
  // gcc warns that TSan does not model atomic_thread_fence (registry.c's seqlock): its fields are relaxed atomics.
  const exe = stressHarness('gcc', ['-fsanitize=thread', '-Wno-tsan']);
  runHarness(t, exe, THREADS, ITERS / 4, { TSAN_OPTIONS: 'halt_on_error=1' });
});

test('the stress workload rules: 512 objects stay held per thread for 1M iterations', (t) => {
  t.deepEqual(expected(ITERS), { pair: { allocs: 500_000, frees: 500_000 }, kept: { allocs: 500_000, frees: 499_488 }, held: 512 });
  t.deepEqual(expected(5), { pair: { allocs: 3, frees: 3 }, kept: { allocs: 2, frees: 0 }, held: 2 });
  t.deepEqual(expected(SLOTS + 1), { pair: { allocs: 513, frees: 513 }, kept: { allocs: 512, frees: 0 }, held: 512 });
});

testWith(['gcc'], 'the live-pointer map stays bounded by the live set when every allocation has a fresh address', (t) => {
  // A long-running allocator hands out ever new addresses: at rate 1, a million
  // allocations at fresh addresses with at most 101 live at a time. The map
  // holds sampled pointers until their free; it needs room for the live ones,
  // not for every pointer it ever held.
  const exe = insideHarness('gcc');
  const r = spawnSync(exe, ['churn', '1000000', '100'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const m = /^live (\d+) cap (\d+) maxcap (\d+)$/m.exec(r.stdout);
  if (!m) return t.fail(r.stdout);
  t.is(Number(m[1]), 100, 'live pointers at the end');
  t.true(Number(m[3]) <= 16384, `live-map capacity reached ${m[3]} entries (${(Number(m[3]) * 24) >> 20} MiB) for at most 101 live pointers`);
});
