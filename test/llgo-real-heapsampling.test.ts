// Go's own test/heapsampling.go through our sampler on real llgo: the test's
// allocation functions and checkAllocations, unchanged, built by llgo as a
// c-shared library beside test/fixtures/llgo/heapsampling/export.go, driven
// from Node at the test's rate (R = 16 KiB) and iterations (docs/conformance.md,
// "heapsampling.go through our sampler").
//
// Two judges of the same records, one sampled profile per kind and build:
// - the test's own checkAllocations, run by llgo's runtime (its
//   CallersFrames over our pcs). It fails, as llgo's lines and frames cannot
//   tell the six allocations apart; the test asserts exactly how, and that
//   our port of the check over our frames computes the values it printed;
// - the same check (ported, helpers/heapsampling.ts) over DWARF's lines as
//   llvm-symbolizer-19 reads them from an -O0 build: our sampler's counts
//   pass gc's 10% check, and the raw counts follow N(1 - exp(-S/R)).

import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { defaultCacheDir } from '../compiler/toolchain/cc';
import { llgoBuild, type LlgoMode } from '../compiler/toolchain/llgo';
import { load, memProfileRate, resetMemProfile, setMemProfileRate, setMemProfileSeed, type MemProfileRecord, type Module } from '../lib/index';
import { allocObjects, checkAllocations, checkRawCounts, getMemProfileRecords, type FramesOf, type HsKind } from './helpers/heapsampling';
import { llgo, testWithLlgo } from './helpers/llgo-real';
import { llvmSymbolize } from './helpers/oracle';
import { tools } from './helpers/tools';

const RATE = 16 * 1024;
const ITERS = 50_000;
const EXPORTS = path.join(__dirname, 'fixtures', 'llgo', 'heapsampling', 'export.go');

/** The test's two kinds, as export.go numbers them (0 interleaved, 1 small). */
const KINDS: (HsKind & { test: number; firstStmt: string })[] = [
  {
    test: 0, leaf: 'main.allocInterleaved', frames: ['main.allocInterleaved1', 'main.allocInterleaved2', 'main.allocInterleaved3'],
    sizes: [17 * 1024, 1024, 18 * 1024, 512, 16 * 1024, 256], firstStmt: 'a17k = new([17 * 1024]byte)',
  },
  { test: 1, leaf: 'main.allocSmall', frames: ['main.allocSmall1', 'main.allocSmall2', 'main.allocSmall3'], sizes: [1024, 512, 256], firstStmt: 'a1k = new([1024]byte)' },
];

/** GOROOT/test/heapsampling.go of the Go that runs (the installed Go is the truth). */
function heapsamplingGo(): string {
  const r = spawnSync(tools.go ?? 'go', ['env', 'GOROOT'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go env GOROOT: ${r.stderr}`);
  return path.join(r.stdout.trim(), 'test', 'heapsampling.go');
}

/** The module llgo builds: the test file unchanged, our exports, a go.mod. */
function sourceModule(): string {
  const dir = path.join(defaultCacheDir(), 'llgo-heapsampling-src');
  fs.mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['heapsampling.go', fs.readFileSync(heapsamplingGo(), 'utf8')],
    ['export.go', fs.readFileSync(EXPORTS, 'utf8')],
    ['go.mod', 'module heapsampling\n\ngo 1.21\n'],
  ];
  for (const [name, text] of files) {
    const p = path.join(dir, name);
    if (!fs.existsSync(p) || fs.readFileSync(p, 'utf8') !== text) fs.writeFileSync(p, text);
  }
  return dir;
}

/** 1-based line of the first line of heapsampling.go that contains `text`, after line `after`. */
function lineOf(text: string, after = 0): number {
  const lines = fs.readFileSync(heapsamplingGo(), 'utf8').split('\n');
  const i = lines.findIndex((l, n) => n >= after && l.includes(text));
  if (i < 0) throw new Error(`no ${JSON.stringify(text)} in heapsampling.go`);
  return i + 1;
}

const modules = new Map<LlgoMode, Module>();
function library(mode: LlgoMode): Module {
  let m = modules.get(mode);
  if (!m) {
    m = load(llgoBuild(llgo!, { module: sourceModule(), pkg: '.', mode, name: 'heapsampling' }).path);
    modules.set(mode, m);
  }
  return m;
}

/** The test's checkAllocations run inside the library over `records` (our pcs of the module only); its error text, '' on a pass. */
function goCheck(m: Module, kind: HsKind & { test: number }, k: number, records: MemProfileRecord[]): string {
  for (const r of records) {
    m.call('LlgiHsRecord', r.allocObjects, r.allocBytes, r.freeObjects, r.freeBytes);
    for (const pc of r.stack) if (m.contains(pc)) m.call('LlgiHsPC', pc);
  }
  const len = Number(m.call('LlgiHsCheck', kind.test, k, ITERS));
  return Buffer.from(Array.from({ length: len }, (_, i) => Number(m.call('LlgiHsMessage', i)))).toString();
}

/**
 * The test's three experiments of `kind`, each judged by llgo's runtime
 * (goCheck) over the profile so far. Returns the messages and each
 * experiment's records.
 */
function experiments(t: ExecutionContext, m: Module, kind: (typeof KINDS)[number]) {
  const seed = 0x4a5e_1000n + BigInt(kind.test);
  t.log(`seed ${seed}`);
  const rate0 = memProfileRate();
  resetMemProfile();
  setMemProfileSeed(seed);
  setMemProfileRate(RATE);
  m.call('LlgiHsSetRate', RATE); // the test's scaleHeapSample reads runtime.MemProfileRate
  const runs: { records: MemProfileRecord[]; goErr: string }[] = [];
  try {
    for (let k = 1; k <= 3; k++) {
      m.call('LlgiHsAlloc', kind.test, k, ITERS);
      const records = getMemProfileRecords();
      runs.push({ records, goErr: goCheck(m, kind, k, records) });
      t.log(`${kind.frames[0]}: experiment ${k}, llgo's runtime judging: ${runs[k - 1].goErr || 'pass'}`);
    }
  } finally {
    setMemProfileRate(rate0);
    resetMemProfile();
  }
  return runs;
}

/** heapsampling.go prints its values as Go's fmt prints an []int64. */
const goValues = (v: number[]) => `[${v.join(' ')}]`;

/** The frames llvm-symbolizer-19 reads from the module's DWARF for a record's module pcs (return addresses: pc - 1). */
function dwarfFrames(m: Module): FramesOf {
  const cache = new Map<bigint, { function: string; line: number }[]>();
  return (r) => {
    const pcs = r.stack.filter((pc) => m.contains(pc));
    const todo = [...new Set(pcs.filter((pc) => !cache.has(pc)))];
    if (todo.length) llvmSymbolize(m.path, todo.map((pc) => pc - m.base - 1n)).forEach((f, i) => cache.set(todo[i], f));
    return pcs.flatMap((pc) => cache.get(pc)!);
  };
}

for (const kind of KINDS) {
  const fn = lineOf(`func ${kind.leaf.slice(5)}(n int) {`);
  const loopLine = lineOf('for i := 0; i < n; i++ {', fn);
  const firstLine = lineOf(kind.firstStmt, fn);

  testWithLlgo(`heapsampling.go (${kind.leaf.slice(5)}) on llgo -O0 through our sampler: gc's 10% check passes on DWARF's lines; the test's own check fails on llgo's loop-header line, with the values our port computes`, (t) => {
    t.truthy(tools.llvmSymbolizer, 'llvm-symbolizer-19 (installed with llgo\'s LLVM)');
    const m = library('c-shared-O0');
    const runs = experiments(t, m, kind);
    const dwarf = dwarfFrames(m);

    // llgo's runtime, and we, place every allocation of the loop body on the
    // `for` line (deviation llgo-loop-header-line): one line with all sizes,
    // scaled by their mean size, fails the per-line check at every try.
    runs.forEach(({ goErr }, i) => {
      const frames = kind.frames.slice(0, i + 1);
      const ours = frames.map((f) => allocObjects(runs[i].records, kind.leaf, f, RATE).get(loopLine)?.objects ?? 0);
      t.is(goErr, `${kind.frames[0]}:${loopLine} want objects in [45000: 55000], got ${goValues(ours)}`);
      t.true(ours.every((v) => v > ITERS * 1.1), `everything on line ${loopLine}: ${ours.join(' ')}`);
    });

    // DWARF's lines tell them apart: gc's check, experiment after experiment
    // until one passes, as the test runs them.
    let passedAt = 0;
    let last = '';
    for (let k = 1; k <= 3 && !passedAt; k++) {
      const r = checkAllocations(runs[k - 1].records, kind.leaf, kind.frames.slice(0, k), ITERS, kind.sizes, RATE, dwarf);
      t.is(r.firstLine, firstLine, 'the first allocating line, by DWARF');
      last = r.err ?? '';
      if (!r.err) passedAt = k;
    }
    t.true(passedAt > 0, `gc's check over DWARF's lines: ${last}`);
    t.log(`gc's check over DWARF's lines passed at experiment ${passedAt}`);
    checkRawCounts(t, runs[2].records, kind, 3, ITERS, RATE, firstLine, dwarf);
  });
}

// The default build (-O2): llgo tail-calls allocInterleaved from its
// wrappers (no wrapper frame on any stack) and inlines allocSmall into its
// wrappers without an inline table (no allocSmall frame), so the test's
// check finds nothing to judge (docs/conformance.md). Our stacks show the same
// frames as llgo's runtime.
testWithLlgo('heapsampling.go on llgo -O2 through our sampler: tail calls and inlining leave the test nothing to judge, as llgo\'s runtime sees it too', (t) => {
  const m = library('c-shared');
  // Every llgo module runs on libgc: koffi's stack is refused (docs/in-process.md).
  t.true(m.linksGc);
  t.throws(() => m.func('LlgiHsAlloc', 'void (long, long, long)'), { code: 'LLGI_BAD_ARGUMENT' });
  for (const kind of KINDS) {
    const runs = experiments(t, m, kind);
    const all = runs[2].records.filter((r) => r.frames().some((f) => f.function.startsWith('main.alloc') && !f.function.startsWith('main.allocObjects')));
    t.true(all.length > 0);
    const names = new Set(all.flatMap((r) => r.frames().map((f) => f.function)));
    if (kind.test === 0) {
      for (const f of kind.frames) t.false(names.has(f), `${f} is tail-called away`);
      t.true(names.has(kind.leaf));
    } else {
      t.false(names.has(kind.leaf), `${kind.leaf} is inlined into its wrappers`);
      for (const f of kind.frames) t.true(names.has(f));
    }
    runs.forEach(({ goErr }, i) => {
      const frames = kind.frames.slice(0, i + 1);
      const ours = frames.map((f) => allocObjects(runs[i].records, kind.leaf, f, RATE).get(0)?.objects ?? 0);
      t.is(goErr, `${kind.frames[0]}:0 want objects in [45000: 55000], got ${goValues(ours)}`);
    });
  }
});
