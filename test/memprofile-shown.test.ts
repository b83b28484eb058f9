// Which frames an allocation stack shows (lib/shown.ts, docs/memprofile.md):
// gc's runtime/pprof hides leading runtime frames (Go 1.26 printStackRecord
// and writeHeapProto), extended to llgo's runtime packages and the C
// allocators. An llgo-format module (test/fixtures/llgo/rtalloc.c) allocates
// through functions named like llgo's runtime, and a plain C module
// (test/fixtures/mprof/plumbing.c) through functions named like allocator
// entry points and through user wrappers. Expected lines come from the
// fixtures' markers, counts from the calls made here, and the hidden names
// from the rule as the brief and gc state it, never from our own output.
// The profile is process-wide, so every test is serial.

import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Profile } from 'pprof-format';
import { buildLlgoFixture } from '../compiler/llgo/fixture';
import {
  AllocationMismatchError, byFunction, byLine, expectAllocations, heapProfile, isAllocationPlumbing, load,
  shownFrames, siteOf, topLines, writeHeapProfile,
  type Frame, type MemProfileRecord, type Module, type Totals,
} from '../lib/index';
import type { Compiler } from './helpers/fixtures';
import { ccTool, COMPILERS, INCLUDE } from './helpers/live';
import { LLGO, line } from './helpers/llgo';
import { buildMprof, mprofSource, profileAt, serialWith } from './helpers/mprof';
import { tools, type Tool } from './helpers/tools';
import { parseTop, pprof } from './helpers/gotool';

const RT = path.join(LLGO, 'rtalloc.c');
const PL = mprofSource('plumbing.c');
const ALLOCZ = 'github.com/xgo-dev/llgo/runtime/internal/runtime.AllocZ';
const MAKESLICE = 'github.com/xgo-dev/llgo/runtime/internal/runtime.MakeSlice';
const ALLOCU = 'github.com/goplus/llgo/runtime/internal/runtime.AllocU';
const LLGO_NEEDS: Tool[] = ['clang', 'lld'];

// ---- the rule itself ----------------------------------------------------------

test('isAllocationPlumbing: gc\'s runtime prefixes, llgo\'s runtime packages, the C allocators, Boehm and operator new', (t) => {
  const hidden = [
    // gc (printStackRecord, writeHeapProto): "runtime." and "internal/runtime/".
    'runtime.mallocgc', 'runtime.newobject', 'runtime.goexit', 'internal/runtime/maps.newarray',
    // llgo's runtime, current and older module path.
    ALLOCZ, MAKESLICE, 'github.com/xgo-dev/llgo/runtime/internal/runtime.GrowSlice',
    'github.com/xgo-dev/llgo/runtime/internal/runtime.SliceAppend', 'github.com/xgo-dev/llgo/runtime/internal/runtime.StringFrom',
    'github.com/xgo-dev/llgo/runtime/internal/clite/c.Malloc', ALLOCU,
    // C allocators.
    'malloc', 'calloc', 'realloc', 'reallocarray', 'free', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc', 'pvalloc',
    'strdup', 'strndup',
    // Boehm GC.
    'GC_malloc', 'GC_malloc_atomic', 'GC_malloc_uncollectable', 'GC_malloc_atomic_ignore_off_page', 'GC_debug_malloc',
    'GC_debug_malloc_atomic', 'GC_realloc', 'GC_debug_realloc',
    // C++ operator new / new[] (mangled).
    '_Znwm', '_Znam', '_ZnwmRKSt9nothrow_t', '_ZnamRKSt9nothrow_t', '_ZnwmSt11align_val_t', '_ZnamSt11align_val_tRKSt9nothrow_t',
  ];
  const shown = [
    'main.makeThing', 'main.runtime', 'runtime', 'runtimeX.f', 'runtime_alloc', 'internal/runtimex.f', 'xmalloc', 'mallocx',
    'my_malloc', 'GC_init', 'GC_gcollect', 'GCmalloc', '_ZN3foo3barEv', 'example.com/runtime.f',
    'github.com/xgo-dev/llgo/runtime.Foo', 'github.com/other/llgo/runtime/internal/runtime.AllocZ', '',
  ];
  for (const n of hidden) t.true(isAllocationPlumbing(n), n);
  for (const n of shown) t.false(isAllocationPlumbing(n), n);
});

const fr = (fn: string, inlined = false): Frame => ({
  pc: 1n, function: fn, file: 'f.go', line: 1, entry: 0n, inlined, gcFunction: fn, functionSource: 'symtab', lineSource: 'none',
});
const names = (fs: Frame[]) => fs.map((f) => f.function);

test('shownFrames is printStackRecord: leading plumbing hidden, runtime.goexit never shown, all-plumbing stacks shown whole', (t) => {
  t.deepEqual(names(shownFrames([fr('malloc'), fr(ALLOCZ), fr('main.f'), fr('runtime.call'), fr('main.main')])), ['main.f', 'runtime.call', 'main.main']);
  // Inlined plumbing of one pc is hidden frame by frame.
  t.deepEqual(names(shownFrames([fr('runtime.inl', true), fr('main.f')])), ['main.f']);
  // runtime.goexit is hidden wherever it is.
  t.deepEqual(names(shownFrames([fr(ALLOCZ), fr('main.f'), fr('runtime.goexit')])), ['main.f']);
  // Only runtime frames: gc prints them all again (still without runtime.goexit).
  t.deepEqual(names(shownFrames([fr(ALLOCZ), fr('runtime.main'), fr('runtime.goexit')])), [ALLOCZ, 'runtime.main']);
  // A frame without a name counts as shown (gc prints its pc and stops hiding).
  t.deepEqual(names(shownFrames([fr('malloc'), fr(''), fr('runtime.x')])), ['', 'runtime.x']);
  t.deepEqual(shownFrames([]), []);
});

// ---- helpers ------------------------------------------------------------------

function profiled(m: Module, reset: string, fn: () => void): MemProfileRecord[] {
  m.call(reset);
  return profileAt(1, fn);
}

const objects = (map: Map<string, Totals>) => Object.fromEntries([...map].map(([k, v]) => [k, v.allocObjects]));
const bytes = (map: Map<string, Totals>) => Object.fromEntries([...map].map(([k, v]) => [k, v.allocBytes]));

/** The record of `size` (every site of the fixtures allocates its own size). */
function ofSize(t: ExecutionContext, records: MemProfileRecord[], size: number): MemProfileRecord {
  const r = records.filter((x) => x.size === size);
  t.is(r.length, 1, `one record of ${size} bytes`);
  return r[0];
}

/** The text format's entries: raw pcs of the `@` line -> the functions of its `#` lines. */
function textEntries(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let fns: string[] | undefined;
  for (const l of text.split('\n')) {
    const head = /^\d+: \d+ \[\d+: \d+\] @((?: 0x[0-9a-f]+)+)$/.exec(l);
    if (head) out.set(head[1].trim(), (fns = []));
    else if (fns && l.startsWith('#\t')) fns.push(l.split('\t').filter(Boolean)[2].replace(/\+0x[0-9a-f]+$/, ''));
    else fns = undefined;
  }
  return out;
}
const pcsKey = (pcs: bigint[]) => pcs.map((pc) => `0x${pc.toString(16)}`).join(' ');

/** Sample (by alloc_objects, alloc_space) -> its locations' function names (leaf first) and addresses. */
function protoSamples(buf: Buffer): Map<string, { fns: string[][]; addrs: bigint[] }> {
  const p = Profile.decode(zlib.gunzipSync(buf));
  const s = (i: unknown) => p.stringTable.strings[Number(i)];
  const fnName = new Map(p.function.map((f) => [Number(f.id), s(f.name)]));
  const loc = new Map(p.location.map((l) => [Number(l.id), l]));
  const out = new Map<string, { fns: string[][]; addrs: bigint[] }>();
  for (const x of p.sample) {
    const ls = x.locationId.map((id) => loc.get(Number(id))!);
    out.set(`${x.value[0]}/${x.value[1]}`, {
      fns: ls.map((l) => l.line.map((ln) => fnName.get(Number(ln.functionId))!)),
      addrs: ls.map((l) => BigInt(l.address)),
    });
  }
  return out;
}


/** `-traces` stacks (function names, leaf first), sorted. */
function parseTraces(out: string): string[][] {
  return out.split(/^-+\+-+$/m).map((s) => s.trim()).filter((s) => /^bytes:/.test(s))
    .map((s) => s.split('\n').slice(1).map((l) => l.trim().replace(/^\d+\s+/, ''))).sort();
}

// ---- an llgo-format module ----------------------------------------------------

let llgoModule: Module | undefined;
function llgo(): Module {
  if (!llgoModule) {
    const fx = buildLlgoFixture({ sources: [RT], kind: 'shared', flags: [`-I${INCLUDE}`], compiler: tools.clang!, name: 'llgo-rtalloc' });
    llgoModule = load(fx.path);
  }
  return llgoModule;
}

const rt = (marker: string) => `${RT}:${line(RT, marker)}`;

/** Runs every entry of rtalloc.c once; the counts each makes are stated beside it. */
function runLlgo(m: Module): MemProfileRecord[] {
  return profiled(m, 'rt_reset', () => {
    m.call('main.makeThing', 7); // 7 x 48 through AllocZ
    m.call('main.makeSlices', 5); // 5 x 64 through MakeSlice -> AllocZ
    m.call('main.oldPath', 3); // 3 x 24 through the goplus path's AllocU
    m.call('main.newObj', 4); // 4 x 40 through runtime.newobject -> AllocZ
    m.call('main.newMap', 2); // 2 x 56 through internal/runtime/maps.newarray
    m.call('main.useBuf', 6); // 6 x 104 through the user wrapper main.newBuf -> AllocZ
    m.call('runtime.rtOnly', 3); // 3 x 88: AllocZ <- runtime.rtOnly, runtime frames only
    m.call('runtime.goexit', 0, 4); // 4 x 72: AllocZ <- main.fromGoexit <- runtime.goexit
    m.call('runtime.goexit', 1, 2); // 2 x 120: AllocZ <- runtime.goexit
  });
}

serialWith(LLGO_NEEDS, 'llgo: byLine, byFunction and expectAllocations key on the user\'s line; the raw view starts in llgo\'s runtime', (t) => {
  const m = llgo();
  t.is(m.tableSource, 'llgo-memory', 'names and lines come from llgo\'s tables');
  const records = runLlgo(m);
  // Each record allocated once per object of its size.
  const shownLines = {
    [rt('@makeThing->AllocZ')]: 7,
    [rt('@makeSlices->MakeSlice')]: 5,
    [rt('@oldPath->AllocU')]: 3,
    [rt('@newObj->newobject')]: 4,
    [rt('@newMap->maps')]: 2,
    [rt('@newBuf->AllocZ')]: 6, // main.newBuf is user code: shown
    [rt('@fromGoexit->AllocZ')]: 4,
    [rt('@AllocZ:malloc')]: 3 + 2, // runtime frames only: shown whole, so AllocZ's line
  };
  t.deepEqual(objects(byLine(records)), shownLines);
  t.deepEqual(bytes(byLine(records)), {
    [rt('@makeThing->AllocZ')]: 7 * 48, [rt('@makeSlices->MakeSlice')]: 5 * 64, [rt('@oldPath->AllocU')]: 3 * 24,
    [rt('@newObj->newobject')]: 4 * 40, [rt('@newMap->maps')]: 2 * 56, [rt('@newBuf->AllocZ')]: 6 * 104,
    [rt('@fromGoexit->AllocZ')]: 4 * 72, [rt('@AllocZ:malloc')]: 3 * 88 + 2 * 120,
  });
  t.deepEqual(objects(byLine(records, { stack: 'raw' })), {
    [rt('@AllocZ:malloc')]: 7 + 5 + 4 + 6 + 3 + 4 + 2, [rt('@AllocU:malloc')]: 3, [rt('@maps:malloc')]: 2,
  });
  t.deepEqual(objects(byFunction(records)), {
    'main.makeThing': 7, 'main.makeSlices': 5, 'main.oldPath': 3, 'main.newObj': 4, 'main.newMap': 2, 'main.newBuf': 6,
    'main.fromGoexit': 4, [ALLOCZ]: 5,
  });
  t.deepEqual(objects(byFunction(records, { stack: 'raw' })), { [ALLOCZ]: 31, [ALLOCU]: 3, 'internal/runtime/maps.newarray': 2 });
  // 'any' frame: the shown frames only (hidden plumbing never counts), unless raw.
  const anyShown = byFunction(records, { frame: 'any' });
  t.is(anyShown.get(MAKESLICE), undefined);
  t.is(anyShown.get('main.useBuf')?.allocObjects, 6);
  t.is(anyShown.get('runtime.goexit'), undefined, 'runtime.goexit is never shown');
  t.is(anyShown.get(ALLOCZ)?.allocObjects, 5);
  const anyRaw = byFunction(records, { frame: 'any', stack: 'raw' });
  t.is(anyRaw.get(MAKESLICE)?.allocObjects, 5);
  t.is(anyRaw.get('runtime.goexit')?.allocObjects, 4 + 2);

  expectAllocations(records, {
    [siteOf(RT, '@makeThing->AllocZ')]: { objects: 7, bytes: 7 * 48, inUseObjects: 7, inUseBytes: 7 * 48 },
    [`rtalloc.c:${line(RT, '@makeSlices->MakeSlice')}`]: { objects: 5, bytes: 5 * 64 },
    'main.oldPath': { objects: 3 },
    'main.newBuf': { objects: 6 },
  });
  expectAllocations(records, { [siteOf(RT, '@AllocZ:malloc')]: { objects: 31 }, [ALLOCZ]: { objects: 31 } }, { stack: 'raw' });
  const e = t.throws(() => expectAllocations(records, { [siteOf(RT, '@makeThing->AllocZ')]: { objects: 7 } }, { stack: 'raw' }), {
    instanceOf: AllocationMismatchError,
  });
  t.regex(e!.message, /raw stacks/);
  t.throws(() => byLine(records, { stack: 'all' as 'raw' }), { message: /stack must be 'shown' or 'raw'/ });

  // topLines: the shown allocating line.
  t.is(topLines(records, { rate: 1 }).find((x) => x.function === 'main.makeThing')?.site, rt('@makeThing->AllocZ'));
  t.false(topLines(records, { rate: 1, stack: 'raw' }).some((x) => x.function === 'main.makeThing'));

  // The record: raw stack and raw frames from AllocZ's malloc call, shown ones from the user's call.
  const thing = ofSize(t, records, 48);
  t.is(thing.stack.length, 2);
  t.deepEqual(thing.rawFrames().map((f) => [f.function, f.line]), [[ALLOCZ, line(RT, '@AllocZ:malloc')], ['main.makeThing', line(RT, '@makeThing->AllocZ')]]);
  t.deepEqual(thing.frames().map((f) => [f.function, f.line, f.pc]), [['main.makeThing', line(RT, '@makeThing->AllocZ'), thing.stack[1] - 1n]]);
  t.deepEqual(thing.shownStack(), thing.stack.slice(1));
  const slices = ofSize(t, records, 64);
  t.deepEqual(slices.rawFrames().map((f) => f.function), [ALLOCZ, MAKESLICE, 'main.makeSlices']);
  t.deepEqual(slices.shownStack(), slices.stack.slice(2));
  const only = ofSize(t, records, 88);
  t.deepEqual(only.frames().map((f) => f.function), [ALLOCZ, 'runtime.rtOnly']);
  t.deepEqual(only.shownStack(), only.stack);
  const goexit = ofSize(t, records, 72);
  t.deepEqual(goexit.frames().map((f) => f.function), ['main.fromGoexit']);
  t.deepEqual(goexit.rawFrames().map((f) => f.function), [ALLOCZ, 'main.fromGoexit', 'runtime.goexit']);
  t.deepEqual(goexit.shownStack(), goexit.stack.slice(1));
  t.deepEqual(ofSize(t, records, 120).frames().map((f) => f.function), [ALLOCZ]);
  m.call('rt_reset');
});

serialWith(LLGO_NEEDS, 'llgo: the pprof text format\'s # lines and profile.proto\'s locations start at the user\'s function', (t) => {
  const m = llgo();
  const records = runLlgo(m);
  const want: [number, string[], string[]][] = [
    // size, shown functions (leaf first), raw functions
    [48, ['main.makeThing'], [ALLOCZ, 'main.makeThing']],
    [64, ['main.makeSlices'], [ALLOCZ, MAKESLICE, 'main.makeSlices']],
    [24, ['main.oldPath'], [ALLOCU, 'main.oldPath']],
    [40, ['main.newObj'], [ALLOCZ, 'runtime.newobject', 'main.newObj']],
    [56, ['main.newMap'], ['internal/runtime/maps.newarray', 'main.newMap']],
    [104, ['main.newBuf', 'main.useBuf'], [ALLOCZ, 'main.newBuf', 'main.useBuf']],
    [88, [ALLOCZ, 'runtime.rtOnly'], [ALLOCZ, 'runtime.rtOnly']],
    [72, ['main.fromGoexit'], [ALLOCZ, 'main.fromGoexit', 'runtime.goexit']],
    [120, [ALLOCZ], [ALLOCZ, 'runtime.goexit']],
  ];
  const count = (size: number) => ({ 48: 7, 64: 5, 24: 3, 40: 4, 56: 2, 104: 6, 88: 3, 72: 4, 120: 2 })[size]!;

  const text = textEntries(heapProfile({ format: 'text', records, rate: 1 }).toString());
  const rawText = textEntries(heapProfile({ format: 'text', records, rate: 1, stack: 'raw' }).toString());
  const proto = protoSamples(heapProfile({ records, rate: 1 }));
  const rawProto = protoSamples(heapProfile({ records, rate: 1, stack: 'raw' }));
  for (const [size, shown, raw] of want) {
    const r = ofSize(t, records, size);
    // The `@` line lists the raw pcs either way (gc prints r.Stack whole).
    t.deepEqual(text.get(pcsKey(r.stack)), shown, `text ${size}`);
    t.deepEqual(rawText.get(pcsKey(r.stack)), raw, `raw text ${size}`);
    const key = `${count(size)}/${count(size) * size}`;
    // One location per pc (no inlining here); runtime.goexit makes no location (gc's allFrames).
    t.deepEqual(proto.get(key)?.fns, shown.map((f) => [f]), `proto ${size}`);
    // The stacks entered through runtime.goexit (72, 120) end at its pc.
    const goexitPc = size === 72 || size === 120 ? r.stack[r.stack.length - 1] : undefined;
    t.deepEqual(proto.get(key)?.addrs, r.shownStack().filter((pc) => pc !== goexitPc).map((pc) => pc - 1n), `proto ${size} addresses`);
    t.deepEqual(rawProto.get(key)?.fns, raw.map((f) => [f]), `raw proto ${size}`);
    t.deepEqual(rawProto.get(key)?.addrs, r.stack.map((pc) => pc - 1n), `raw proto ${size} addresses`);
  }
  t.is(proto.size, want.length);
  m.call('rt_reset');
});

serialWith([...LLGO_NEEDS, 'go'], 'llgo: go tool pprof -top and -traces show the user\'s functions, and llgo\'s runtime only for runtime-only stacks', (t) => {
  const m = llgo();
  const records = runLlgo(m);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-shown-'));
  const file = path.join(dir, 'heap.pb.gz');
  const rawFile = path.join(dir, 'raw.pb.gz');
  writeHeapProfile(file, { records, rate: 1 });
  writeHeapProfile(rawFile, { records, rate: 1, stack: 'raw' });
  const top = Object.fromEntries(parseTop(pprof(['-top', '-sample_index=alloc_objects'], file)));
  t.deepEqual(top, {
    'main.makeThing': { flat: 7, cum: 7 }, 'main.makeSlices': { flat: 5, cum: 5 }, 'main.oldPath': { flat: 3, cum: 3 },
    'main.newObj': { flat: 4, cum: 4 }, 'main.newMap': { flat: 2, cum: 2 }, 'main.newBuf': { flat: 6, cum: 6 },
    'main.useBuf': { flat: 0, cum: 6 }, 'main.fromGoexit': { flat: 4, cum: 4 }, [ALLOCZ]: { flat: 3 + 2, cum: 3 + 2 },
    'runtime.rtOnly': { flat: 0, cum: 3 },
  });
  t.deepEqual(parseTraces(pprof(['-traces', '-sample_index=alloc_objects'], file)), [
    [ALLOCZ], [ALLOCZ, 'runtime.rtOnly'], ['main.fromGoexit'], ['main.makeSlices'], ['main.makeThing'], ['main.newBuf', 'main.useBuf'],
    ['main.newMap'], ['main.newObj'], ['main.oldPath'],
  ].sort());
  const rawTop = Object.fromEntries(parseTop(pprof(['-top', '-sample_index=alloc_objects'], rawFile)));
  t.like(rawTop, {
    [ALLOCZ]: { flat: 31, cum: 31 }, [ALLOCU]: { flat: 3 }, 'internal/runtime/maps.newarray': { flat: 2 },
    'main.makeThing': { flat: 0, cum: 7 }, 'runtime.goexit': { flat: 0, cum: 6 },
  });
  m.call('rt_reset');
});

// ---- a plain C module ---------------------------------------------------------

const pl = (marker: string) => `${PL}:${line(PL, marker)}`;

for (const cc of COMPILERS) {
  serialWith([ccTool(cc)], `${cc}: C functions named like allocator entry points are hidden; user wrappers (xmalloc, runtime_alloc) are not`, (t) => {
    const m = load(buildMprof(cc as Compiler, 'plumbing.c'));
    const inline = cc === 'clang'; // gcc's DWARF names the inlined function inl_rt, not by its asm label
    const records = profiled(m, 'plumbing_reset', () => {
      m.call('use_gc', 5); // 5 x 24: GC_debug_malloc_atomic <- use_gc
      m.call('use_new', 3); // 3 x 40: pvalloc <- _ZnwmSt11align_val_t <- use_new
      m.call('use_xmalloc', 4); // 4 x 56: xmalloc <- use_xmalloc
      m.call('use_runtime_alloc', 2); // 2 x 72: runtime_alloc <- use_runtime_alloc
      m.call('use_mid', 3); // 3 x 88: GC_debug_malloc_atomic <- mid_user <- runtime.midCall <- use_mid
      if (inline) m.call('use_inline', 6); // 6 x 104: runtime.inlAlloc inlined into use_inline
    });
    t.deepEqual(objects(byLine(records)), {
      [pl('@pl:use_gc')]: 5, [pl('@pl:use_new')]: 3, [pl('@pl:xmalloc')]: 4, [pl('@pl:runtime_alloc')]: 2, [pl('@pl:mid_user')]: 3,
      ...(inline ? { [pl('@pl:use_inline')]: 6 } : {}),
    });
    t.deepEqual(objects(byLine(records, { stack: 'raw' })), {
      [pl('@pl:gc-malloc')]: 5 + 3, [pl('@pl:pvalloc-malloc')]: 3, [pl('@pl:xmalloc')]: 4, [pl('@pl:runtime_alloc')]: 2,
      ...(inline ? { [pl('@pl:inl_rt')]: 6 } : {}),
    });
    expectAllocations(records, { xmalloc: { objects: 4, bytes: 4 * 56 }, runtime_alloc: { objects: 2 }, use_gc: { objects: 5 } });
    // Only leading frames are hidden: runtime.midCall below a user frame stays.
    const mid = ofSize(t, records, 88);
    t.deepEqual(mid.frames().map((f) => f.function), ['mid_user', 'runtime.midCall', 'use_mid']);
    t.deepEqual(mid.rawFrames().map((f) => f.function), ['GC_debug_malloc_atomic', 'mid_user', 'runtime.midCall', 'use_mid']);
    t.deepEqual(mid.shownStack(), mid.stack.slice(1));
    const proto = protoSamples(heapProfile({ records, rate: 1 }));
    t.deepEqual(proto.get(`3/${3 * 88}`)?.fns, [['mid_user'], ['runtime.midCall'], ['use_mid']]);
    t.deepEqual(proto.get(`3/${3 * 40}`)?.fns, [['use_new']]);
    t.deepEqual(proto.get(`4/${4 * 56}`)?.fns, [['xmalloc'], ['use_xmalloc']]);
    const text = textEntries(heapProfile({ format: 'text', records, rate: 1 }).toString());
    t.deepEqual(text.get(pcsKey(ofSize(t, records, 40).stack)), ['use_new']);

    if (inline) {
      // One pc, two logical frames: the inlined runtime frame is hidden, the pc stays (its user frame is shown).
      const r = ofSize(t, records, 104);
      t.is(r.stack.length, 1);
      t.deepEqual(r.rawFrames().map((f) => [f.function, f.inlined, f.line]), [['runtime.inlAlloc', true, line(PL, '@pl:inl_rt')], ['use_inline', false, line(PL, '@pl:use_inline')]]);
      t.deepEqual(r.frames().map((f) => [f.function, f.line]), [['use_inline', line(PL, '@pl:use_inline')]]);
      t.deepEqual(r.shownStack(), r.stack);
      t.deepEqual(proto.get(`6/${6 * 104}`), { fns: [['use_inline']], addrs: [r.stack[0] - 1n] });
      const raw = protoSamples(heapProfile({ records, rate: 1, stack: 'raw' }));
      t.deepEqual(raw.get(`6/${6 * 104}`), { fns: [['runtime.inlAlloc', 'use_inline']], addrs: [r.stack[0] - 1n] });
      t.deepEqual(text.get(pcsKey(r.stack)), ['use_inline']);
    }
    m.call('plumbing_reset');
  });
}
