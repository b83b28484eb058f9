// The heap profile of module-reported allocations (docs/memprofile.md):
// exact per-line attribution at rate 1, frees, stacks and their frames (gc's
// CallersFrames rules), publication as gc's runtime.MemProfile/runtime.GC
// (docs/gc-semantics.md §2.3-2.4), rate 0, stale countdowns, and the sampler never
// sampling its own work. Expected counts follow from the calls each test
// makes and gc's rules; expected lines from the markers in
// test/fixtures/mprof/attrib.c. The profile is process-wide, so every test is
// serial (serialWith) and starts from resetMemProfile().

import type { ExecutionContext } from 'ava';
import {
  byFunction, byLine, gc, memProfile, memProfileRate, resetMemProfile, setMemProfileRate, setMemProfileSeed,
  type MemProfileRecord, type Module,
} from '../lib/index';
import type { Compiler } from './helpers/fixtures';
import { ccTool, checkStack, COMPILERS, type Group } from './helpers/live';
import { at, counts, lineKey, mprofModule, serialWith, totals } from './helpers/mprof';

const A = 'attrib.c';

/** attrib.c's site enum. */
const SITE = { LEAF: 0, TWO: 1, X: 2, Y: 3, INL1: 4, INL2: 5, THR_COMMON: 6, THR_OWN: 7, DEEP: 8, MANY: 9, ZERO: 10 } as const;

interface Fixture {
  m: Module;
  leaf(n: number): number;
  zero(n: number): number;
  twoSizes(n: number): number;
  viaX(n: number): number;
  viaY(n: number): number;
  outerX(n: number): number;
  inlTwice(n: number): number;
  threads(nthreads: number, n: number): number;
  deep(depth: number, n: number): number;
  manySizes(first: number, count: number): number;
  manySizesThread(first: number, count: number): number;
  freeSite(site: number, n: number): number;
  failed(): number;
  resetArena(): void;
}

function fixture(cc: Compiler): Fixture {
  const m = mprofModule(cc, A);
  const f1 = (name: string) => m.func(name, 'int (int)') as (n: number) => number;
  const f2 = (name: string) => m.func(name, 'int (int, int)') as (a: number, b: number) => number;
  return {
    m,
    leaf: f1('leaf_alloc'),
    zero: f1('zero_alloc'),
    twoSizes: f1('two_sizes'),
    viaX: f1('via_x'),
    viaY: f1('via_y'),
    outerX: f1('outer_x'),
    inlTwice: f1('inl_twice'),
    threads: f2('threads_alloc'),
    deep: f2('deep'),
    manySizes: f2('many_sizes'),
    manySizesThread: f2('many_sizes_thread'),
    freeSite: f2('free_site'),
    failed: m.func('fixture_failed', 'int (void)') as () => number,
    resetArena: m.func('fixture_reset', 'void (void)') as () => void,
  };
}

/** A fresh profile at `rate` (and a fresh arena: no sampled pointer survives the reset). */
function fresh(f: Fixture, rate = 1): void {
  resetMemProfile();
  f.resetArena();
  setMemProfileRate(rate);
}

/** What a test states about a record: its counts and its stack, innermost group first. */
interface WantRecord {
  size: number;
  allocObjects: number;
  freeObjects: number;
  groups: Group[];
}

const g = (m: Module, physical: string, ...frames: ReturnType<typeof at>[]): Group => ({ frames, physical, module: m });

function key(frames: { function: string; line: number; inlined: boolean }[], size: number): string {
  return `${size}|${frames.map((f) => `${f.function}:${f.line}${f.inlined ? 'i' : ''}`).join('<')}`;
}

/**
 * Every record of the profile is one of `want` (no more, no fewer), with the
 * wanted counts, sizes, bytes = objects * size, and a stack whose frames and
 * pcs follow gc's CallersFrames rules (checkStack).
 */
function checkRecords(t: ExecutionContext, records: MemProfileRecord[], want: WantRecord[], label: string): void {
  const got = new Map(records.map((r) => [key(r.frames(), r.size), r]));
  t.is(got.size, records.length, `${label}: no two records share a stack and size`);
  const wanted = new Map(want.map((w) => [key(w.groups.flatMap((x) => x.frames), w.size), w]));
  t.deepEqual([...got.keys()].sort(), [...wanted.keys()].sort(), `${label}: the records, by size and frames`);
  for (const [k, w] of wanted) {
    const r = got.get(k);
    if (!r) continue;
    t.deepEqual(counts(r), {
      size: w.size, allocObjects: w.allocObjects, allocBytes: w.allocObjects * w.size, freeObjects: w.freeObjects, freeBytes: w.freeObjects * w.size,
    }, `${label}: ${k}`);
    t.is(r.inUseObjects, w.allocObjects - w.freeObjects);
    t.is(r.inUseBytes, (w.allocObjects - w.freeObjects) * w.size);
    checkStack(t, r.frames(), r.stack, w.groups, `${label}: ${k}`);
  }
}

for (const cc of COMPILERS) {
  serialWith([ccTool(cc)], `${cc}: rate 1 counts every llgi_alloc once, per stack and size, at its marker line; newest record first`, (t) => {
    const f = fixture(cc);
    const m = f.m;
    fresh(f);
    t.is(memProfileRate(), 1);
    f.leaf(7);
    f.twoSizes(10); // i = 0, 3, 6, 9 -> 128 bytes; the other 6 -> 64
    f.viaX(5);
    f.viaY(3);
    f.outerX(2);
    f.inlTwice(4);
    t.is(f.failed(), 0);
    gc();
    const records = memProfile();
    const shared = at(A, 'shared_alloc', '@mp:shared');
    const inl = at(A, 'inl_alloc', '@mp:inl', true);
    // Bucket creation order: each new (stack, size) is prepended (gc: newest first).
    const want: WantRecord[] = [
      { size: 48, allocObjects: 7, freeObjects: 0, groups: [g(m, 'leaf_alloc', at(A, 'leaf_alloc', '@mp:leaf'))] },
      { size: 128, allocObjects: 4, freeObjects: 0, groups: [g(m, 'two_sizes', at(A, 'two_sizes', '@mp:two-sizes'))] },
      { size: 64, allocObjects: 6, freeObjects: 0, groups: [g(m, 'two_sizes', at(A, 'two_sizes', '@mp:two-sizes'))] },
      { size: 80, allocObjects: 5, freeObjects: 0, groups: [g(m, 'shared_alloc', shared), g(m, 'via_x', at(A, 'via_x', '@mp:x->shared'))] },
      { size: 80, allocObjects: 3, freeObjects: 0, groups: [g(m, 'shared_alloc', shared), g(m, 'via_y', at(A, 'via_y', '@mp:y->shared'))] },
      {
        size: 80, allocObjects: 2, freeObjects: 0,
        groups: [g(m, 'shared_alloc', shared), g(m, 'via_x', at(A, 'via_x', '@mp:x->shared')), g(m, 'outer_x', at(A, 'outer_x', '@mp:outer->x'))],
      },
      { size: 96, allocObjects: 4, freeObjects: 0, groups: [g(m, 'inl_twice', inl, at(A, 'inl_twice', '@mp:inl-1'))] },
      { size: 96, allocObjects: 4, freeObjects: 0, groups: [g(m, 'inl_twice', inl, at(A, 'inl_twice', '@mp:inl-2'))] },
    ];
    checkRecords(t, records, want, cc);
    t.deepEqual(records.map((r) => key(r.frames(), r.size)), want.map((w) => key(w.groups.flatMap((x) => x.frames), w.size)).reverse(),
      'records are listed newest bucket first');

    // byLine / byFunction: raw counts per innermost line and per function.
    const lines = byLine(records);
    const per = (k: string) => lines.get(k) && { objects: lines.get(k)!.allocObjects, bytes: lines.get(k)!.allocBytes };
    t.is(lines.size, 4, 'four innermost lines');
    t.deepEqual(per(lineKey(A, '@mp:leaf')), { objects: 7, bytes: 7 * 48 });
    t.deepEqual(per(lineKey(A, '@mp:two-sizes')), { objects: 10, bytes: 4 * 128 + 6 * 64 });
    t.deepEqual(per(lineKey(A, '@mp:shared')), { objects: 10, bytes: 10 * 80 });
    t.deepEqual(per(lineKey(A, '@mp:inl')), { objects: 8, bytes: 8 * 96 });
    const any = byLine(records, { frame: 'any' });
    t.is(any.get(lineKey(A, '@mp:x->shared'))?.allocObjects, 7, 'via_x line: 5 direct + 2 under outer_x');
    t.is(any.get(lineKey(A, '@mp:y->shared'))?.allocObjects, 3);
    t.is(any.get(lineKey(A, '@mp:outer->x'))?.allocObjects, 2);
    t.is(any.get(lineKey(A, '@mp:inl-1'))?.allocObjects, 4);
    t.is(any.get(lineKey(A, '@mp:inl-2'))?.allocObjects, 4);
    t.is(any.get(lineKey(A, '@mp:shared'))?.allocObjects, 10);
    const fns = byFunction(records);
    t.deepEqual(Object.fromEntries([...fns].map(([k, v]) => [k, v.allocObjects])),
      { leaf_alloc: 7, two_sizes: 10, shared_alloc: 10, inl_alloc: 8 });
    const anyFn = byFunction(records, { frame: 'any' });
    t.is(anyFn.get('via_x')?.allocObjects, 7);
    t.is(anyFn.get('outer_x')?.allocObjects, 2);
    t.is(anyFn.get('inl_twice')?.allocObjects, 8);
  });

  serialWith([ccTool(cc)], `${cc}: llgi_free of sampled pointers counts exact frees in the allocation's record`, (t) => {
    const f = fixture(cc);
    const m = f.m;
    fresh(f);
    f.leaf(7);
    f.twoSizes(10);
    f.viaY(3);
    t.is(f.freeSite(SITE.LEAF, 4), 4);
    t.is(f.freeSite(SITE.TWO, 5), 5); // oldest first: i = 0 (128), 1, 2 (64), 3 (128), 4 (64)
    t.is(f.freeSite(SITE.Y, 3), 3);
    gc();
    const leaf = [g(m, 'leaf_alloc', at(A, 'leaf_alloc', '@mp:leaf'))];
    const two = [g(m, 'two_sizes', at(A, 'two_sizes', '@mp:two-sizes'))];
    const y = [g(m, 'shared_alloc', at(A, 'shared_alloc', '@mp:shared')), g(m, 'via_y', at(A, 'via_y', '@mp:y->shared'))];
    const live: WantRecord[] = [
      { size: 48, allocObjects: 7, freeObjects: 4, groups: leaf },
      { size: 128, allocObjects: 4, freeObjects: 2, groups: two },
      { size: 64, allocObjects: 6, freeObjects: 3, groups: two },
    ];
    checkRecords(t, memProfile(), live, `${cc} inuseZero=false`);
    checkRecords(t, memProfile({ inuseZero: true }), [...live, { size: 80, allocObjects: 3, freeObjects: 3, groups: y }], `${cc} inuseZero=true`);
    const lines = byLine(memProfile());
    t.deepEqual(lines.get(lineKey(A, '@mp:two-sizes')), { allocObjects: 10, allocBytes: 4 * 128 + 6 * 64, inUseObjects: 5, inUseBytes: 2 * 128 + 3 * 64 });

    // Freeing the rest: every record's allocated bytes equal its freed bytes.
    f.freeSite(SITE.LEAF, 100);
    f.freeSite(SITE.TWO, 100);
    gc();
    t.deepEqual(memProfile(), [], 'inuseZero=false hides records with allocBytes == freeBytes');
    t.deepEqual(memProfile({ inuseZero: true }).map((r) => [r.size, r.allocObjects, r.freeObjects]).sort(),
      [[128, 4, 4], [48, 7, 7], [64, 6, 6], [80, 3, 3]].sort());
  });

  serialWith([ccTool(cc)], `${cc}: pthreads of the module: exact counts per line, one record for a shared stack and size`, (t) => {
    const f = fixture(cc);
    const m = f.m;
    fresh(f);
    const T = 8;
    const N = 2000;
    t.is(f.threads(T, N), T);
    t.is(f.failed(), 0);
    t.is(f.freeSite(SITE.THR_COMMON, 3001), 3001);
    t.is(f.freeSite(SITE.THR_OWN, T * N), T * N);
    gc();
    const main = g(m, 'thread_main', at(A, 'thread_main', '@mp:thr-main->alloc'));
    const want: WantRecord[] = [
      { size: 32, allocObjects: T * N, freeObjects: 3001, groups: [g(m, 'thread_alloc', at(A, 'thread_alloc', '@mp:thr-common')), main] },
    ];
    for (let k = 0; k < T; k++) {
      want.push({ size: 200 + k, allocObjects: N, freeObjects: N, groups: [g(m, 'thread_alloc', at(A, 'thread_alloc', '@mp:thr-own')), main] });
    }
    checkRecords(t, memProfile({ inuseZero: true }), want, `${cc} threads`);
    checkRecords(t, memProfile(), want.slice(0, 1), `${cc} threads, inuseZero=false`);
    t.deepEqual(byLine(memProfile({ inuseZero: true })).get(lineKey(A, '@mp:thr-own')),
      { allocObjects: T * N, allocBytes: N * (T * 200 + (T * (T - 1)) / 2), inUseObjects: 0, inUseBytes: 0 });
  });

  serialWith([ccTool(cc)], `${cc}: a stack deeper than 32 frames keeps its innermost 32 (gc's maxStack)`, (t) => {
    const f = fixture(cc);
    const m = f.m;
    fresh(f);
    f.deep(40, 3);
    f.deep(5, 2);
    gc();
    const leafG = g(m, 'deep', at(A, 'deep', '@mp:deep-alloc'));
    const self = () => g(m, 'deep', at(A, 'deep', '@mp:deep-self'));
    checkRecords(t, memProfile(), [
      { size: 40, allocObjects: 3, freeObjects: 0, groups: [leafG, ...Array.from({ length: 31 }, self)] },
      { size: 40, allocObjects: 2, freeObjects: 0, groups: [leafG, ...Array.from({ length: 5 }, self)] },
    ], `${cc} deep`);
    t.deepEqual(memProfile().map((r) => r.stack.length).sort((a, b) => a - b), [6, 32]);
  });

  serialWith([ccTool(cc)], `${cc}: the sampler's own work is never sampled: thousands of buckets and live pointers, counts exact`, (t) => {
    const f = fixture(cc);
    const m = f.m;
    // Each size is a new bucket (the bucket arena grows by mmap'd chunks) and a
    // new live pointer (the live map grows several times); a reset reuses the
    // chunks. Nothing but the requested allocations may ever appear.
    for (const [round, first, count, onThread] of [[1, 1, 6000, true], [2, 10001, 7000, true], [3, 20001, 800, false]] as const) {
      fresh(f);
      t.is(onThread ? f.manySizesThread(first, count) : f.manySizes(first, count), count);
      t.is(f.failed(), 0);
      gc();
      const records = memProfile({ inuseZero: true });
      t.is(records.length, count, `round ${round}: one record per size`);
      const sizes = records.map((r) => r.size).sort((a, b) => a - b);
      t.deepEqual(sizes, Array.from({ length: count }, (_, i) => first + i), `round ${round}: exactly the requested sizes`);
      t.true(records.every((r) => r.allocObjects === 1 && r.allocBytes === r.size && r.freeObjects === 0), `round ${round}: one sample each`);
      const want = onThread
        ? [g(m, 'many_sizes', at(A, 'many_sizes', '@mp:many')), g(m, 'many_main', at(A, 'many_main', '@mp:many-main->many'))]
        : [g(m, 'many_sizes', at(A, 'many_sizes', '@mp:many'))];
      for (const r of [records[0], records[records.length - 1], records[count >> 1]]) checkStack(t, r.frames(), r.stack, want, `round ${round}`);
      t.is(f.freeSite(SITE.MANY, count), count);
      gc();
      const after = totals(memProfile({ inuseZero: true }));
      t.deepEqual(after, {
        records: count, allocObjects: count, freeObjects: count,
        allocBytes: count * first + (count * (count - 1)) / 2, freeBytes: count * first + (count * (count - 1)) / 2,
      }, `round ${round}: every free found its sample`);
      t.deepEqual(memProfile(), [], `round ${round}: all freed`);
    }
  });
}

// ---- publication (docs/gc-semantics.md §2.3-2.4): compiler-independent ------

const PUB: Compiler = 'gcc';
const leafOf = (records: MemProfileRecord[]) => records.filter((r) => r.size === 48).map((r) => [r.allocObjects, r.freeObjects]);
const yOf = (records: MemProfileRecord[]) => records.filter((r) => r.size === 80).map((r) => [r.allocObjects, r.freeObjects]);

serialWith([ccTool(PUB)], 'publication: before anything is published memProfile folds every event in; after that, new events wait for gc()', (t) => {
  const f = fixture(PUB);
  fresh(f);
  f.leaf(5);
  t.deepEqual(leafOf(memProfile()), [[5, 0]], 'the first read folds the pending allocations in');
  f.leaf(3);
  t.deepEqual(leafOf(memProfile()), [[5, 0]], 'allocations after that first read are invisible');
  t.deepEqual(leafOf(memProfile({ inuseZero: true })), [[5, 0]]);
  f.viaY(2); // a new bucket, nothing published for it
  t.deepEqual(yOf(memProfile()), [], 'an unpublished bucket has allocBytes == freeBytes == 0: hidden');
  const zero = memProfile({ inuseZero: true }).filter((r) => r.size === 80);
  t.deepEqual(zero.map(counts), [{ size: 80, allocObjects: 0, allocBytes: 0, freeObjects: 0, freeBytes: 0 }], 'inuseZero shows it all zero');
  t.is(zero[0].stack.length, 2, 'with its stack');
  gc();
  t.deepEqual(leafOf(memProfile()), [[8, 0]], 'one gc() publishes everything before it, and the fold counted nothing twice');
  t.deepEqual(yOf(memProfile()), [[2, 0]]);
  gc();
  gc();
  t.deepEqual(leafOf(memProfile()), [[8, 0]], 'further gc() calls publish nothing new');
  t.deepEqual(yOf(memProfile()), [[2, 0]]);
});

serialWith([ccTool(PUB)], 'publication: frees become visible at the gc() after them, with the allocations before it', (t) => {
  const f = fixture(PUB);
  fresh(f);
  f.leaf(8);
  gc();
  t.is(f.freeSite(SITE.LEAF, 3), 3);
  t.deepEqual(leafOf(memProfile()), [[8, 0]], 'a free before the next gc() is not visible');
  f.leaf(2);
  t.is(f.freeSite(SITE.LEAF, 2), 2);
  t.deepEqual(leafOf(memProfile()), [[8, 0]]);
  gc();
  t.deepEqual(leafOf(memProfile()), [[10, 5]], 'one gc() publishes the allocations and the frees made before it');
  t.is(f.freeSite(SITE.LEAF, 100), 5);
  gc();
  t.deepEqual(leafOf(memProfile()), [], 'allocBytes == freeBytes: hidden without inuseZero');
  t.deepEqual(leafOf(memProfile({ inuseZero: true })), [[10, 10]]);
});

serialWith([ccTool(PUB)], 'publication: the first read folds frees in too; records with allocBytes != freeBytes stay visible', (t) => {
  const f = fixture(PUB);
  fresh(f);
  f.leaf(4);
  f.viaY(3);
  f.freeSite(SITE.LEAF, 4);
  f.freeSite(SITE.Y, 1);
  t.deepEqual(leafOf(memProfile({ inuseZero: true })), [[4, 4]]);
  t.deepEqual(leafOf(memProfile()), []);
  t.deepEqual(yOf(memProfile()), [[3, 1]]);
});

serialWith([ccTool(PUB)], 'publication: the fold depends on what was published, not on whether gc() ran', (t) => {
  const f = fixture(PUB);
  fresh(f);
  gc();
  gc(); // cycles that published nothing: every active count is still zero
  f.leaf(2);
  t.deepEqual(leafOf(memProfile()), [[2, 0]], 'nothing published yet: the read folds the pending events in');
  f.leaf(1);
  t.deepEqual(leafOf(memProfile()), [[2, 0]]);
  gc();
  t.deepEqual(leafOf(memProfile()), [[3, 0]]);
});

serialWith([ccTool(PUB)], 'resetMemProfile() forgets every record and every sampled pointer', (t) => {
  const f = fixture(PUB);
  fresh(f);
  f.leaf(6);
  f.viaY(2);
  gc();
  t.is(memProfile().length, 2);
  resetMemProfile();
  t.deepEqual(memProfile({ inuseZero: true }), []);
  t.is(f.freeSite(SITE.LEAF, 6), 6); // sampled before the reset: not remembered any more
  gc();
  t.deepEqual(memProfile({ inuseZero: true }), [], 'frees of pointers sampled before the reset count nowhere');
  f.leaf(1);
  t.deepEqual(leafOf(memProfile()), [[1, 0]], 'after a reset the first read folds again');
});

serialWith([ccTool(PUB)], 'rate 0 (or negative) records nothing, and frees of unsampled pointers count nowhere', (t) => {
  const f = fixture(PUB);
  for (const rate of [0, -1, -524288]) {
    fresh(f, rate);
    t.is(memProfileRate(), rate);
    f.leaf(50);
    f.twoSizes(10);
    f.threads(2, 100);
    gc();
    t.deepEqual(memProfile({ inuseZero: true }), [], `rate ${rate}: no record`);
    setMemProfileRate(1);
    t.is(f.freeSite(SITE.LEAF, 50), 50);
    gc();
    t.deepEqual(memProfile({ inuseZero: true }), [], `rate ${rate}: the frees at rate 1 find no sample`);
  }
  t.throws(() => setMemProfileRate(1.5), { code: 'LLGI_BAD_ARGUMENT' });
  setMemProfileRate(1);
});

/** The sizes sampled by many_sizes calls (every size is distinct, so a size names one allocation). */
const sampled = (records: MemProfileRecord[], lo: number, hi: number) =>
  records.filter((r) => r.size >= lo && r.size < hi).map((r) => r.size).sort((a, b) => a - b);

serialWith([ccTool(PUB)], 'rate 0 leaves the countdown untouched: the same seed samples the same allocations with or without a rate-0 stretch', (t) => {
  const f = fixture(PUB);
  const R = 4096;
  const SEED = 0x5eed_0001n;
  const run = (interlude: boolean) => {
    fresh(f, R);
    setMemProfileSeed(SEED);
    f.manySizes(1000, 300);
    if (interlude) {
      setMemProfileRate(0);
      f.leaf(5000);
      f.manySizes(5000, 2000);
      setMemProfileRate(R);
    }
    f.manySizes(2000, 1000);
    gc();
    const r = memProfile();
    return { first: sampled(r, 1000, 1300), second: sampled(r, 2000, 3000), other: r.filter((x) => x.size === 48 || x.size >= 5000).length };
  };
  const plain = run(false);
  const withZero = run(true);
  // Non-trivial: some allocations of each stretch sampled, some not (p = 1 - exp(-S/R) is 0.2..0.5 here).
  t.true(plain.first.length > 10 && plain.first.length < 290, `first stretch: ${plain.first.length} of 300 sampled`);
  t.true(plain.second.length > 100 && plain.second.length < 900, `second stretch: ${plain.second.length} of 1000 sampled`);
  t.is(withZero.other, 0, 'nothing sampled at rate 0');
  t.deepEqual(withZero.first, plain.first);
  t.deepEqual(withZero.second, plain.second, 'the countdown resumed where it stood before the rate-0 stretch');
});

serialWith([ccTool(PUB)], 'rate changes do not redraw countdowns; after rate 1 the next allocation at any rate is sampled (docs/gc-semantics.md §1.3)', (t) => {
  const f = fixture(PUB);
  const HUGE = 2 ** 40; // the mean is capped at 0x7000000 bytes

  // A countdown drawn at a huge rate survives a change to a small one.
  fresh(f, HUGE);
  setMemProfileSeed(0x5eed_0002n);
  f.manySizes(1, 1); // this thread's first allocation after the seed: its countdown is drawn at mean 0x7000000
  setMemProfileRate(64);
  f.leaf(1000); // 48,000 bytes: ~750 samples at a fresh rate-64 countdown, P(any) ~ 4e-4 under the stale one
  gc();
  t.deepEqual(memProfile({ inuseZero: true }).filter((r) => r.size === 48), [], 'the stale countdown was not redrawn');
  // A thread that starts now draws at the current rate.
  t.is(f.threads(1, 1000), 1);
  gc();
  const fresh64 = totals(memProfile().filter((r) => r.size === 32 || r.size === 200));
  // P(sample) = 1 - exp(-32/64) = 0.393 and 1 - exp(-200/64) = 0.956: expected 1349 of 2000, sd ~ 19.
  t.true(Math.abs(fresh64.allocObjects - 1349) < 150, `a new thread samples at rate 64: ${fresh64.allocObjects} of 2000`);

  // At rate 1 the drawn threshold is 0, so the next allocation at a larger rate is sampled.
  fresh(f, 1);
  setMemProfileSeed(0x5eed_0003n);
  f.leaf(1);
  setMemProfileRate(HUGE);
  f.manySizes(1000, 50);
  gc();
  t.deepEqual(sampled(memProfile(), 1000, 1050), [1000], 'only the first allocation after leaving rate 1');
  setMemProfileRate(1);
});

// docs/gc-semantics.md §1.2: "Allocations that return before this point are never
// sampled and never decrement the counter: size-0 allocations ..." - at any
// rate, 1 included.
serialWith([ccTool(PUB)], 'zero-size allocations are never sampled, even at rate 1 (docs/gc-semantics.md §1.2)', (t) => {
  const f = fixture(PUB);
  fresh(f, 1);
  f.zero(5);
  f.leaf(1);
  t.is(f.freeSite(SITE.ZERO, 5), 5);
  gc();
  t.deepEqual(memProfile({ inuseZero: true }).map((r) => [r.size, r.allocObjects, r.freeObjects]), [[48, 1, 0]], 'only the 48-byte allocation');
});

serialWith([ccTool(PUB)], 'zero-size allocations leave the countdown untouched at rate R (docs/gc-semantics.md §1.2)', (t) => {
  const f = fixture(PUB);
  const R = 4096;
  const run = (zeros: boolean) => {
    fresh(f, R);
    setMemProfileSeed(0x5eed_0004n);
    f.manySizes(1000, 300);
    if (zeros) f.zero(5000);
    f.manySizes(2000, 1000);
    gc();
    const r = memProfile({ inuseZero: true });
    return { first: sampled(r, 1000, 1300), second: sampled(r, 2000, 3000), zero: r.filter((x) => x.size === 0).length };
  };
  const plain = run(false);
  const withZeros = run(true);
  t.true(plain.second.length > 100 && plain.second.length < 900);
  t.is(withZeros.zero, 0);
  t.deepEqual(withZeros.first, plain.first);
  t.deepEqual(withZeros.second, plain.second);
  setMemProfileRate(1);
});
