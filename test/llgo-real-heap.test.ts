// Heap profiles of a real llgo c-shared library point at user code: every
// sampled object of test/fixtures/llgo/go/allocs (new, make, append growth,
// string concatenation, capturing closures) is allocated through llgo's
// runtime (AllocZ, MakeSlice, GrowSlice, StringCat, ...), and the shown
// stack starts at the user's function (docs/memprofile.md, "Which frames an
// allocation stack shows"). Counts come from the program: n of each kind,
// append's growths as the program itself counted them; what llgo allocates
// beyond gc (append's argument array, a closure's context) is named where it
// is allowed for.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Profile } from 'pprof-format';
import {
  byFunction, byLine, expectAllocations, heapProfile, isAllocationPlumbing, load, type MemProfileRecord, type Module,
} from '../lib/index';
import { runCli } from './helpers/cli';
import { GO_MODULE, scenario, testWithLlgo } from './helpers/llgo-real';
import { profileAt } from './helpers/mprof';

const SRC = path.join(GO_MODULE, 'allocs', 'allocs.go');
const N = 200;
const PKG = 'example.com/llgi/allocs';

function markerLine(marker: string): number {
  const i = fs.readFileSync(SRC, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`no ${marker} in ${SRC}`);
  return i + 1;
}

type Mode = 'c-shared' | 'c-shared-dwarf';
const cached = new Map<Mode, { m: Module; records: MemProfileRecord[]; growths: number }>();

/** Loads the c-shared scenario and profiles one LlgiAlloc(N) at rate 1 (once per mode and process). */
function profiled(mode: Mode) {
  let c = cached.get(mode);
  if (!c) {
    const m = load(scenario('./cshared', mode).path);
    const records = profileAt(1, () => m.call('LlgiAlloc', N)).filter((r) => r.frames().some((f) => f.function.startsWith(`${PKG}.`)));
    c = { m, records, growths: Number(m.call('LlgiAppendGrowths')) };
    cached.set(mode, c);
  }
  return c;
}

const KINDS = [
  { kind: 'new', fn: 'newObjects' },
  { kind: 'make', fn: 'makeSlices' },
  { kind: 'append', fn: 'appendGrowth' },
  { kind: 'concat', fn: 'concat' },
  { kind: 'closure', fn: 'closures' },
] as const;

// Serial: the profile is process-wide, and both modules are interposed once loaded.
for (const mode of ['c-shared', 'c-shared-dwarf'] as const) {
  testWithLlgo(`${mode}: every raw allocation stack starts in llgo's runtime; every shown stack starts at the user's function`, (t) => {
    const { records } = profiled(mode);
    t.true(records.length >= KINDS.length);
    const rawFirst = new Set<string>();
    for (const r of records) {
      const raw = r.rawFrames();
      t.true(isAllocationPlumbing(raw[0].function), `raw stack starts in llgo's runtime: ${raw[0].function}`);
      rawFirst.add(raw[0].function.replace(/^.*\./, ''));
      t.true(r.frames()[0].function.startsWith(`${PKG}.`), `shown stack starts at ${r.frames()[0].function}`);
    }
    t.log('llgo runtime entry points seen first:', [...rawFirst].sort().join(', '));
  });

  testWithLlgo(`${mode}: byFunction on the shown stacks: n objects for new, make, string concatenation; append's growths; closures k*n`, (t) => {
    const { records, growths } = profiled(mode);
    const f = byFunction(records);
    const got = (fn: string) => f.get(`${PKG}.${fn}`)?.allocObjects ?? 0;
    t.is(got('newObjects'), N);
    t.is(got('makeSlices'), N);
    t.is(got('concat'), N);
    t.true(growths > 5 && growths < N);
    // llgo also heap-allocates append's one-element argument array (8 bytes)
    // on every call, where gc allocates only the growths (docs/llgo.md).
    t.is(got('appendGrowth'), growths + N);
    const viaRuntime = (fn: string) => records
      .filter((r) => r.frames()[0].function === `${PKG}.appendGrowth` && r.rawFrames()[0].function === `github.com/xgo-dev/llgo/runtime/internal/runtime.${fn}`)
      .reduce((n, r) => n + r.allocObjects, 0);
    t.is(viaRuntime('SliceAppend'), growths, 'the growths');
    t.is(viaRuntime('AllocZ'), N, 'the argument arrays');
    // A capturing closure allocates its context and the variable it captures
    // (it is written after capture): a whole number of objects per closure.
    t.true(got('closures') >= N && got('closures') % N === 0, `closures: ${got('closures')}`);
    // The raw view names llgo's runtime instead, and none of the user's functions.
    const raw = byFunction(records, { stack: 'raw' });
    for (const k of KINDS) t.false(raw.has(`${PKG}.${k.fn}`), `raw: ${k.fn}`);
  });

  testWithLlgo(`${mode}: byLine and expectAllocations key on the user's lines (llgo places allocations in a loop on the loop header)`, (t) => {
    const { records, growths } = profiled(mode);
    const lines = byLine(records);
    for (const k of KINDS) {
      // Where llgo's line table puts the allocating call: the statement's own
      // line or the enclosing loop's header (docs/llgo.md, "Where llgo differs from gc").
      const stmt = markerLine(`@alloc:${k.kind}`);
      const loop = markerLine(`@loop:${k.kind}`);
      const at = [...lines].filter(([key]) => key.startsWith(`${SRC}:`)).map(([key, v]) => [Number(key.slice(SRC.length + 1)), v.allocObjects] as const);
      const total = at.filter(([l]) => l === stmt || l === loop).reduce((s, [, n]) => s + n, 0);
      const want = k.kind === 'append' ? growths : k.kind === 'closure' ? total : N;
      t.is(total, want, `${k.kind}: objects on lines ${loop} and ${stmt}`);
      t.log(`${k.kind}: line ${loop} (loop) ${at.find(([l]) => l === loop)?.[1] ?? 0}, line ${stmt} (statement) ${at.find(([l]) => l === stmt)?.[1] ?? 0}`);
    }
    const loopNew = markerLine('@loop:new');
    const stmtNew = markerLine('@alloc:new');
    const onLoop = lines.get(`${SRC}:${loopNew}`)?.allocObjects ?? 0;
    expectAllocations(records, { [`allocs.go:${onLoop ? loopNew : stmtNew}`]: { objects: N }, [`${PKG}.makeSlices`]: { objects: N } });
  });

  testWithLlgo(`${mode}: the pprof text format and profile.proto show the user's function first`, (t) => {
    const { records } = profiled(mode);
    const text = heapProfile({ format: 'text', records, rate: 1 }).toString();
    const firstFrames = text.split('\n\n').map((block) => /\n#\s+0x[0-9a-f]+\s+(\S+)/.exec(block)?.[1]).filter((x): x is string => !!x);
    t.true(firstFrames.length >= KINDS.length);
    for (const f of firstFrames) t.true(f.startsWith(`${PKG}.`), `text: first frame ${f}`);
    const p = Profile.decode(zlib.gunzipSync(heapProfile({ records, rate: 1 })));
    const str = (i: number | bigint) => p.stringTable.strings[Number(i)];
    const fnName = new Map(p.function.map((f) => [String(f.id), str(f.name)]));
    const locFirst = new Map(p.location.map((l) => [String(l.id), fnName.get(String(l.line[0].functionId))!]));
    for (const s of p.sample) t.true(locFirst.get(String(s.locationId[0]))!.startsWith(`${PKG}.`), `proto: ${locFirst.get(String(s.locationId[0]))}`);
  });
}

// The CLI's profile command calls with Module.call: through koffi, llgo's
// collector would scan koffi's stack and fault when a collection started
// inside the call (docs/in-process.md).
testWithLlgo('cli profile of an llgo c-shared library: LlgiAlloc(200) at rate 1, its user sites in the top lines', (t) => {
  const out = path.join(os.tmpdir(), `llgi-cli-llgo-${process.pid}.pb.gz`);
  t.teardown(() => fs.rmSync(out, { force: true }));
  const r = runCli(['profile', scenario('./cshared', 'c-shared').path, '--call', 'LlgiAlloc', '--arg', String(N), '--rate', '1', '-o', out]);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`^LlgiAlloc\\(${N}\\) = ${N}$`, 'm'));
  t.regex(r.stdout, /^wrote .*: profile\.proto, rate 1, \d+ record\(s\)$/m);
  t.true(Profile.decode(zlib.gunzipSync(fs.readFileSync(out))).sample.length > 0);
  for (const [kind, fn] of [['new', 'newObjects'], ['make', 'makeSlices'], ['concat', 'concat']]) {
    const lines = [markerLine(`@alloc:${kind}`), markerLine(`@loop:${kind}`)].join('|');
    t.regex(r.stdout, new RegExp(`^\\s+${N}\\s+\\d+\\s+${N}\\s+\\d+\\s+allocs\\.go:(?:${lines}) ${PKG.replace(/\./g, '\\.')}\\.${fn}$`, 'm'), kind);
  }
});
