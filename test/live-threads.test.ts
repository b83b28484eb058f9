// In-process stacks off the main thread (docs/in-process.md): pthreads a
// module starts itself, and worker_threads that load modules and trace.
// Expected frames come from markers in test/fixtures/live/*.c.

import test from 'ava';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { callersFrames, load, trace, type Module } from '../lib/index';
import {
  at, buildLive, ccTool, checkStack, COMPILERS, entryOf, MODULE_H, ROOT, storedPcs,
  view, type Group, type Want,
} from './helpers/live';
import { testWith } from './helpers/tools';

const C = 'chain.c';
const T = 'threads.c';

const threadModules = new Map<string, Module>();
function threadModule(cc: 'gcc' | 'clang'): Module {
  const so = buildLive(cc, [T], { flags: ['-pthread'] });
  let m = threadModules.get(so);
  if (!m) threadModules.set(so, (m = load(so)));
  return m;
}

// ---- worker_threads --------------------------------------------------------

interface WorkerResult {
  value: number;
  dropped: number;
  stacks: bigint[][];
  frames: (Want & { pc: bigint; entry: bigint; module: string | null })[][];
  base: bigint;
  path: string;
  entries: Record<string, bigint | null>;
}

/**
 * A worker that loads `so`, waits for the go signal (sab[0]), traces chain_a,
 * symbolizes in the worker, signals done (sab[1] += 1) and posts the result.
 * sab[2] counts workers that have loaded the module.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
require(workerData.tsx);
const lib = require(workerData.lib);
const sab = new Int32Array(workerData.sab);
try {
  const m = lib.load(workerData.so);
  const a = m.func('chain_a', 'int (int)');
  Atomics.add(sab, 2, 1);
  Atomics.notify(sab, 2);
  Atomics.wait(sab, 0, 0, 20000);
  const r = lib.trace(() => a(1));
  const frames = r.stacks.map((s) => lib.callersFrames(s).map((f) => ({
    function: f.function, file: f.file, line: f.line, inlined: f.inlined, pc: f.pc, entry: f.entry,
    module: f.module ? f.module.path + '@0x' + f.module.base.toString(16) : null,
  })));
  const entries = {};
  for (const n of ['chain_a', 'chain_b', 'chain_c']) entries[n] = m.symbol(n);
  parentPort.postMessage({ value: r.value, dropped: r.dropped, stacks: r.stacks, frames, base: m.base, path: m.path, entries });
} catch (e) {
  parentPort.postMessage({ error: String(e && e.stack || e) });
} finally {
  Atomics.add(sab, 1, 1);
  Atomics.notify(sab, 1);
}
`;

function startWorker(so: string, sab: SharedArrayBuffer): { worker: Worker; result: Promise<WorkerResult> } {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { so, sab, tsx: require.resolve('tsx/cjs'), lib: path.join(ROOT, 'lib', 'index.ts') },
  });
  const result = new Promise<WorkerResult>((resolve, reject) => {
    worker.once('message', (msg: WorkerResult & { error?: string }) => (msg.error ? reject(new Error(msg.error)) : resolve(msg)));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before posting`)));
  });
  return { worker, result };
}

async function waitFor(sab: Int32Array, index: number, value: number, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const cur = Atomics.load(sab, index);
    if (cur >= value) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for sab[${index}] >= ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function chainWant(): Want[] {
  return [
    at(C, 'chain_c', '@chain:c-probe'),
    at(C, 'chain_b', '@chain:b->c'),
    at(C, 'chain_a', '@chain:a->b'),
  ];
}

for (const cc of COMPILERS) {
  // ---- 7. pthreads started by the module ------------------------------------

  testWith([ccTool(cc)], `${cc}: llgi_callers on a module's own pthread stops at the thread start; its probes stay out of this thread's trace`, (t) => {
    const m = threadModule(cc);
    const run = m.func('thread_run', 'int (void)') as () => number;
    const r = trace(() => run());
    t.is(r.value, 2, 'thread_work and thread_main; start_thread (libc) is outside every module');
    t.is(r.stacks.length, 0, 'llgi_probe on another thread records nothing into this thread\'s trace');
    t.is(r.dropped, 0);
    const pcs = storedPcs(m);
    checkStack(t, callersFrames(pcs), pcs, [
      { frames: [at(T, 'thread_work', '@thr:work-callers')], physical: 'thread_work', module: m },
      { frames: [at(T, 'thread_main', '@thr:main->work')], physical: 'thread_main', module: m },
    ], 'pthread');
  });

  testWith([ccTool(cc)], `${cc}: eight pthreads walking at once each get their own stack`, (t) => {
    const m = threadModule(cc);
    t.is((m.func('thread_run_many', 'int (void)') as () => number)(), 8);
    const count = m.func('many_count', 'int (int)') as (k: number) => number;
    const pcAt = m.func('many_pc', 'uint64_t (int, int)') as (k: number, i: number) => bigint | number;
    const groups: Group[] = [
      { frames: [at(T, 'many_work', '@thr:many-callers')], physical: 'many_work', module: m },
      { frames: [at(T, 'many_main', '@thr:many->work')], physical: 'many_main', module: m },
    ];
    let first: bigint[] | undefined;
    for (let k = 0; k < 8; k++) {
      t.is(count(k), 2, `thread ${k}`);
      const pcs = [BigInt(pcAt(k, 0)), BigInt(pcAt(k, 1))];
      checkStack(t, callersFrames(pcs), pcs, groups, `thread ${k}`);
      if (first) t.deepEqual(pcs, first, 'same path, same pcs');
      first = pcs;
    }
  });

  // ---- 8. worker_threads ----------------------------------------------------

  testWith([ccTool(cc)], `${cc}: worker threads load a module and trace it; each trace sees only its own thread's probes`, async (t) => {
    t.timeout(60_000);
    const so = buildLive(cc, [C], { variant: 'worker' });
    const sab = new SharedArrayBuffer(16);
    const flags = new Int32Array(sab);
    const workers = [startWorker(so, sab), startWorker(so, sab)];
    try {
      await waitFor(flags, 2, workers.length);
      // Trace on this thread while both workers probe: none of theirs may land here.
      const here = trace(() => {
        Atomics.store(flags, 0, 1);
        Atomics.notify(flags, 0);
        const deadline = Date.now() + 20_000;
        while (Atomics.load(flags, 1) < workers.length && Date.now() < deadline) Atomics.wait(flags, 1, Atomics.load(flags, 1), 100);
        return Atomics.load(flags, 1);
      });
      t.is(here.value, workers.length, 'both workers finished during this thread\'s trace');
      t.deepEqual(here.stacks, [], 'probes on worker threads are not recorded by this thread\'s trace');

      const results = await Promise.all(workers.map((w) => w.result));
      for (const [i, r] of results.entries()) {
        t.is(r.value, 105, `worker ${i}`);
        t.is(r.dropped, 0);
        t.is(r.stacks.length, 1, `worker ${i}: its one probe`);
        t.is(r.stacks[0].length, 3, `worker ${i}: chain_c, chain_b, chain_a, then the JS -> native entry is outside`);
        const frames = r.frames[0];
        t.deepEqual(frames.map(view), chainWant(), `worker ${i}: frames`);
        const entries = [r.entries.chain_c, r.entries.chain_b, r.entries.chain_a];
        const rawPcs = r.stacks[0];
        frames.forEach((f, j) => {
          t.is(f.pc, rawPcs[j] - 1n, `worker ${i} frame ${j} pc`);
          t.is(f.entry, entries[j] ?? -1n, `worker ${i} frame ${j} entry`);
          t.is(f.module, `${r.path}@0x${r.base.toString(16)}`, `worker ${i} frame ${j} module`);
        });
      }
      t.is(results[0].base, results[1].base, 'one object in the process');
      t.deepEqual(results[0].stacks, results[1].stacks);
    } finally {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    }

    // After the workers are gone, this thread loads the same object and traces it.
    const m = load(so);
    const r = trace(() => (m.func('chain_a', 'int (int)') as (x: number) => number)(1));
    t.is(r.stacks.length, 1);
    checkStack(t, callersFrames(r.stacks[0]), r.stacks[0], [
      { frames: [at(C, 'chain_c', '@chain:c-probe')], physical: 'chain_c', module: m },
      { frames: [at(C, 'chain_b', '@chain:b->c')], physical: 'chain_b', module: m },
      { frames: [at(C, 'chain_a', '@chain:a->b')], physical: 'chain_a', module: m },
    ], 'main thread after workers');
    t.is(m.symbol('chain_c'), entryOf(m, 'chain_c'));
  });
}

test('the module header file the expectations use exists', (t) => {
  t.true(MODULE_H.endsWith(path.join('runtime', 'include', 'llgi_module.h')));
});
