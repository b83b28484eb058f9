// Allocation interposition on a loaded module's GOT (runtime/src/interpose.c,
// native/interpose.cc; docs/memprofile.md). The oracle for "which slots" is
// readelf -rW of the fixture: every R_*_JUMP_SLOT and R_*_GLOB_DAT relocation
// of an allocation function must be interposed, whatever the compiler, linker
// and RELRO mode made of the calls. Slot values are read back through
// /proc/self/mem and page protections from /proc/self/maps. The exact events
// each wrapper reports are pinned by the C probe (test/c/interpose_probe.c,
// with a recording stand-in for the sampler); sampling itself is the heap
// profile's tests' business, here only one end-to-end count at rate 1.

import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compile } from '../compiler/toolchain/cc';
import { callersFrames, load, type Module } from '../lib/index';
import { gc, memProfile, memProfileRate, resetMemProfile, setMemProfileRate } from '../lib/memprofile';
import { native, type InterposedSlot } from '../lib/native';
import { markerLine } from './helpers/cli';
import { FIXTURES } from './helpers/fixtures';
import { INCLUDE, ROOT } from './helpers/live';
import { INTERPOSE_SOURCES, RUNTIME_INCLUDES, runtimeSources } from './helpers/runtime';
import { testWith, tools, type Tool } from './helpers/tools';

const ALLOC = path.join(FIXTURES, 'alloc');
const C_SRC = path.join(ALLOC, 'interpose.c');
const CXX_SRC = path.join(ALLOC, 'interpose_cxx.cpp');
const GC_SRC = path.join(ALLOC, 'interpose_gc.c');
const PROBE_SRC = path.join(ROOT, 'test', 'c', 'interpose_probe.c');

/** The names the interposer must handle (the issue's list; C++ forms as libstdc++ exports them). */
const LISTED = new Set([
  'malloc', 'calloc', 'realloc', 'reallocarray', 'free', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc', 'pvalloc',
  'strdup', 'strndup',
  '_Znwm', '_Znam', '_ZnwmRKSt9nothrow_t', '_ZnamRKSt9nothrow_t', '_ZnwmSt11align_val_t', '_ZnamSt11align_val_t',
  '_ZnwmSt11align_val_tRKSt9nothrow_t', '_ZnamSt11align_val_tRKSt9nothrow_t',
  '_ZdlPv', '_ZdaPv', '_ZdlPvm', '_ZdaPvm', '_ZdlPvRKSt9nothrow_t', '_ZdaPvRKSt9nothrow_t', '_ZdlPvSt11align_val_t',
  '_ZdaPvSt11align_val_t', '_ZdlPvmSt11align_val_t', '_ZdaPvmSt11align_val_t', '_ZdlPvSt11align_val_tRKSt9nothrow_t',
  '_ZdaPvSt11align_val_tRKSt9nothrow_t',
  'GC_malloc', 'GC_malloc_atomic', 'GC_malloc_ignore_off_page', 'GC_malloc_atomic_ignore_off_page', 'GC_malloc_uncollectable',
  'GC_malloc_atomic_uncollectable', 'GC_realloc', 'GC_free', 'GC_debug_malloc', 'GC_debug_malloc_atomic',
  'GC_debug_malloc_ignore_off_page', 'GC_debug_malloc_atomic_ignore_off_page', 'GC_debug_malloc_uncollectable',
  'GC_debug_malloc_atomic_uncollectable', 'GC_debug_realloc', 'GC_debug_free',
]);

// ---- building ------------------------------------------------------------------------

interface Variant {
  name: string;
  /** The compiler, as a tool name (its path comes from tools). */
  cc: Tool;
  /** Every tool the build needs. */
  tools: Tool[];
  sources: () => string[];
  flags: string[];
  /** Full RELRO (-z now): every slot is on a read-only page. */
  fullRelro?: boolean;
  /** -z norelro: no slot is. */
  noRelro?: boolean;
  /** free has a JUMP_SLOT on a writable page: the free gate drives it. */
  gatedFree?: boolean;
}

function build(v: Variant, copy = ''): string {
  return compile({
    compiler: tools[v.cc]!,
    sources: v.sources(),
    flags: [`-I${INCLUDE}`, ...v.flags, ...(copy ? [`-DINTERPOSE_COPY="${copy}"`] : [])],
    kind: 'shared',
    name: `interpose-${v.name.replace(/[^\w.+-]+/g, '_')}${copy ? `-${copy}` : ''}`,
  });
}

const C_VARIANTS: Variant[] = [
  { name: 'gcc', cc: 'gcc', tools: ['gcc'], sources: () => [C_SRC], flags: [] },
  { name: 'gcc -z now', cc: 'gcc', tools: ['gcc'], sources: () => [C_SRC], flags: ['-Wl,-z,now'], fullRelro: true },
  { name: 'gcc -fno-plt -z now', cc: 'gcc', tools: ['gcc'], sources: () => [C_SRC], flags: ['-fno-plt', '-Wl,-z,now'], fullRelro: true },
  { name: 'gcc -z norelro', cc: 'gcc', tools: ['gcc'], sources: () => [C_SRC], flags: ['-Wl,-z,norelro'], noRelro: true },
  { name: 'clang-19', cc: 'clang', tools: ['clang'], sources: () => [C_SRC], flags: [] },
  { name: 'clang-19 lld -z now', cc: 'clang', tools: ['clang', 'lld'], sources: () => [C_SRC], flags: ['-fuse-ld=lld', '-Wl,-z,now'], fullRelro: true },
  { name: 'clang-19 lld -z lazy', cc: 'clang', tools: ['clang', 'lld'], sources: () => [C_SRC], flags: ['-fuse-ld=lld', '-Wl,-z,lazy'], gatedFree: true },
];
const cVariant = (name: string): Variant => C_VARIANTS.find((v) => v.name === name)!;

const CXX_VARIANTS: Variant[] = [
  { name: 'g++', cc: 'gxx', tools: ['gxx'], sources: () => [CXX_SRC], flags: ['-std=c++17'] },
  { name: 'clang++-19', cc: 'clangxx', tools: ['clangxx'], sources: () => [CXX_SRC], flags: ['-std=c++17'] },
];

/** Linked against libgc.so.1 by path (libgc's headers are not installed). */
const GC_VARIANT: Variant = { name: 'gcc libgc', cc: 'gcc', tools: ['gcc', 'libgc'], sources: () => [GC_SRC, tools.libgc!], flags: [] };

// ---- reading the process ------------------------------------------------------------------

/** JUMP_SLOT/GLOB_DAT relocations of listed names in the file: "KIND symbol offset". */
function listedRelocations(so: string): { kind: string; symbol: string; offset: bigint }[] {
  const r = spawnSync(tools.readelf!, ['-rW', so], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`readelf -rW ${so}: ${r.stderr}`);
  const out: { kind: string; symbol: string; offset: bigint }[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^([0-9a-f]+)\s+[0-9a-f]+\s+R_(?:X86_64|AARCH64)_(JUMP_SLOT|GLOB_DAT)\s+[0-9a-f]+\s+([^\s@]+)/.exec(line);
    if (m && LISTED.has(m[3])) out.push({ kind: m[2], symbol: m[3], offset: BigInt(`0x${m[1]}`) });
  }
  return out;
}

function readWord(addr: bigint): bigint {
  const fd = fs.openSync('/proc/self/mem', 'r');
  try {
    const b = Buffer.alloc(8);
    fs.readSync(fd, b, 0, 8, addr);
    return b.readBigUInt64LE();
  } finally {
    fs.closeSync(fd);
  }
}

interface Mapping {
  lo: bigint;
  hi: bigint;
  perms: string;
  path: string;
}
function mappings(): Mapping[] {
  const out: Mapping[] = [];
  for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) out.push({ lo: BigInt(`0x${m[1]}`), hi: BigInt(`0x${m[2]}`), perms: m[3], path: m[4] });
  }
  return out;
}
function permsAt(addr: bigint, maps = mappings()): string {
  return maps.find((m) => addr >= m.lo && addr < m.hi)?.perms ?? '';
}
function mappingAt(addr: bigint): Mapping | undefined {
  return mappings().find((m) => addr >= m.lo && addr < m.hi);
}

const handleOf = (m: Module): bigint => (m as unknown as { handle: bigint }).handle;
const u64 = (m: Module, name: string) => {
  const f = m.func(name, 'uint64_t (void)');
  return () => BigInt(f() as number | bigint);
};
const intCall = (m: Module, name: string) => m.func(name, 'int (void)') as () => number;
const key = (s: { kind: string; symbol: string }, addr: bigint) => `${s.kind} ${s.symbol} 0x${addr.toString(16)}`;

/** The free functions, whose PLT slots the free gate drives (docs/interposition.md, "The free gate"). */
const FREE_NAMES = new Set([
  'free', '_ZdlPv', '_ZdaPv', '_ZdlPvm', '_ZdaPvm', '_ZdlPvRKSt9nothrow_t', '_ZdaPvRKSt9nothrow_t',
  '_ZdlPvSt11align_val_t', '_ZdaPvSt11align_val_t', '_ZdlPvmSt11align_val_t', '_ZdaPvmSt11align_val_t',
  '_ZdlPvSt11align_val_tRKSt9nothrow_t', '_ZdaPvSt11align_val_tRKSt9nothrow_t', 'GC_free', 'GC_debug_free',
]);

/**
 * The checks every variant shares: the interposed slots are exactly readelf's
 * listed relocations; each holds its wrapper (inside the addon's text) and
 * had held `original`, except the gated ones (a free function's JUMP_SLOT on
 * a writable page), which hold `original` while no sampled pointer is live;
 * pages keep their protection (RELRO back to read-only); interposing again
 * changes nothing; restore writes every original back, once.
 */
function interposeAndCheck(t: ExecutionContext, v: Variant, m: Module, so: string, whilePatched: (slots: InterposedSlot[]) => void) {
  const expected = listedRelocations(so);
  t.true(expected.length > 0, 'the fixture has listed relocations');
  const before = new Map(expected.map((r) => [r.offset + m.base, readWord(r.offset + m.base)]));
  const maps0 = mappings();
  const perms0 = new Map(expected.map((r) => [r.offset + m.base, permsAt(r.offset + m.base, maps0)]));

  resetMemProfile(); // no sampled pointer is live: the gate is closed
  const res = native().interpose(handleOf(m));
  t.deepEqual(res.slots.map((s) => key(s, s.addr - m.base)).sort(), expected.map((r) => key(r, r.offset)).sort(), 'interposed = readelf');
  t.is(res.patched, expected.length);
  t.is(res.skipped, 0);
  const maps1 = mappings();
  const addon = res.slots.length ? mappingAt(res.slots[0].wrapper) : undefined;
  t.truthy(addon && /llgi\.node$/.test(addon.path) && addon.perms.includes('x'), 'wrappers live in the addon text');
  for (const s of res.slots) {
    t.is<bigint | undefined, bigint | undefined>(s.original, before.get(s.addr), `${s.symbol}: original is the slot's value before`);
    const gated = s.kind === 'JUMP_SLOT' && FREE_NAMES.has(s.symbol) && perms0.get(s.addr)!.includes('w');
    t.is(s.gated, gated, `${s.symbol} ${s.kind}: gated iff a free function's JUMP_SLOT on a writable page`);
    if (gated) t.is(readWord(s.addr), s.original, `${s.symbol} ${s.kind}: no sampled pointer is live, the gated slot holds the original`);
    else t.is(readWord(s.addr), s.wrapper, `${s.symbol} ${s.kind}: the slot holds the wrapper`);
    t.not(s.wrapper, s.original);
    const p = permsAt(s.addr, maps1);
    t.is<string | undefined, string | undefined>(p, perms0.get(s.addr), `${s.symbol}: the slot's page keeps its protection (${perms0.get(s.addr)})`);
    t.is(s.relro, !perms0.get(s.addr)!.includes('w'), `${s.symbol}: relro iff the page was read-only`);
    if (v.fullRelro) t.is(p, 'r--p', `${s.symbol}: full RELRO page back to read-only`);
    if (v.noRelro) t.false(s.relro, `${s.symbol}: no RELRO`);
  }
  const again = native().interpose(handleOf(m));
  t.deepEqual(again, res, 'interposing again changes nothing');

  whilePatched(res.slots);

  t.is(native().restore(handleOf(m)), expected.length, 'restore writes every slot back');
  const maps2 = mappings();
  for (const s of res.slots) {
    t.is(readWord(s.addr), s.original, `${s.symbol} ${s.kind}: restored`);
    t.is<string | undefined, string | undefined>(permsAt(s.addr, maps2), perms0.get(s.addr), `${s.symbol}: protection after restore`);
  }
  t.is(native().restore(handleOf(m)), 0, 'restore after restore is a no-op');
}

/**
 * The free gate: `free`'s PLT slot holds the real function while no sampled
 * pointer is live, the wrapper from the first sample until its free, and the
 * real function again after that free, which is counted. Only lld's lazy
 * build has a writable free JUMP_SLOT: GNU ld sends the fixture's calls of
 * free through its GLOB_DAT slot (.plt.got, as it takes &free), and -z now
 * makes the PLT slots read-only.
 */
function checkFreeGate(t: ExecutionContext, v: Variant, m: Module, slots: InterposedSlot[]) {
  const gated = slots.filter((s) => s.gated);
  t.deepEqual(gated.map((s) => `${s.symbol} ${s.kind}`), v.gatedFree ? ['free JUMP_SLOT'] : [], 'gated: free\'s writable PLT slot, where the link made one');
  const malloc = m.func('ia_malloc', 'uint64_t (uint64_t)') as (n: number) => number | bigint;
  const free = m.func('ia_free', 'void (uint64_t)') as (p: number | bigint) => void;
  const rate0 = memProfileRate();
  setMemProfileRate(1);
  resetMemProfile();
  try {
    const p = malloc(24); // sampled (rate 1)
    for (const s of gated) t.is(readWord(s.addr), s.wrapper, `${s.symbol}: a sampled pointer is live, the slot holds the wrapper`);
    free(p);
    for (const s of gated) t.is(readWord(s.addr), s.original, `${s.symbol}: its free was the last live sample, the slot holds the original again`);
    gc();
    const recs = memProfile({ inuseZero: true }).filter((r) => r.allocBytes === 24);
    t.deepEqual(recs.map((r) => [r.allocObjects, r.freeObjects]), [[1, 1]], 'the sampled 24 bytes: one allocation, its free counted');
  } finally {
    setMemProfileRate(rate0);
    resetMemProfile();
  }
}

// ---- C ------------------------------------------------------------------------------------

for (const v of C_VARIANTS) {
  testWith([...v.tools, 'readelf'], `${v.name}: every JUMP_SLOT/GLOB_DAT slot of an allocation function is interposed, RELRO kept, restore puts the originals back`, (t) => {
    const so = build(v);
    const m = load(so, { interpose: false });
    const mallocAddr = u64(m, 'ia_malloc_addr');
    const freeAddr = u64(m, 'ia_free_addr');
    const roundtrip = intCall(m, 'ia_roundtrip');
    const malloc0 = mallocAddr();
    const free0 = freeAddr();
    t.is(roundtrip(), 0, 'the module works before');
    interposeAndCheck(t, v, m, so, (slots) => {
      // &malloc taken in code is the GLOB_DAT slot's value: the wrapper.
      const gd = slots.find((s) => s.symbol === 'malloc' && s.kind === 'GLOB_DAT');
      t.truthy(gd, 'malloc has a GLOB_DAT slot (the fixture takes its address)');
      t.is<bigint | undefined, bigint | undefined>(mallocAddr(), gd?.wrapper, '&malloc inside the module is the wrapper');
      t.is<bigint | undefined, bigint | undefined>(freeAddr(), slots.find((s) => s.symbol === 'free' && s.kind === 'GLOB_DAT')?.wrapper, '&free too');
      t.is(roundtrip(), 0, 'allocations work and memory holds what was written, while interposed');
      checkFreeGate(t, v, m, slots);
    });
    t.is(mallocAddr(), malloc0, '&malloc is the original after restore');
    t.is(freeAddr(), free0);
    t.is(roundtrip(), 0, 'the module works after restore');
  });
}

testWith(['gcc'], 'frees of pointers that were never sampled are harmless', (t) => {
  const m = load(build(cVariant('gcc'), 'unsampled'), { interpose: false });
  const malloc = m.func('ia_malloc', 'uint64_t (uint64_t)') as (n: number) => number | bigint;
  const free = m.func('ia_free', 'void (uint64_t)') as (p: number | bigint) => void;
  const before = Array.from({ length: 50 }, (_, i) => malloc(16 + i)); // not interposed yet: never seen
  native().interpose(handleOf(m));
  try {
    for (const p of before) free(p);
    free(0);
    t.is(intCall(m, 'ia_roundtrip')(), 0);
  } finally {
    native().restore(handleOf(m));
  }
});

testWith(['gcc', 'readelf'], 'a module closed while interposed and loaded again is interposed afresh', (t) => {
  const so = build(cVariant('gcc'), 'reload');
  const want = listedRelocations(so).length;
  const m1 = load(so, { interpose: false });
  t.is(native().interpose(handleOf(m1)).patched, want);
  m1.close(); // interpose: false, so close() leaves the slots to the glue's last dlclose
  t.false(mappings().some((x) => x.path === so), 'the image was unmapped');
  const m2 = load(so, { interpose: false });
  const res = native().interpose(handleOf(m2));
  t.is(res.patched, want);
  for (const s of res.slots) t.is(readWord(s.addr), s.wrapper, `${s.symbol} ${s.kind}: the new image's slot holds the wrapper`);
  t.is(intCall(m2, 'ia_roundtrip')(), 0);
  t.is(native().restore(handleOf(m2)), want);
  for (const s of res.slots) t.is(readWord(s.addr), s.original);
});

testWith(['clang', 'lld', 'readelf'], 'the last dlclose restores the slots first (the free gate writes them while they are patched); an earlier one does not', (t) => {
  const v = cVariant('clang-19 lld -z lazy');
  const so = build(v, 'lastclose');
  const want = listedRelocations(so).length;
  // koffi's own dlopen reference keeps the image mapped after ours are gone, so its slots can be read.
  const koffi = require('koffi') as { load(p: string): { unload(): void } };
  const keep = koffi.load(so);
  try {
    const m = load(so, { interpose: false });
    const h = handleOf(m);
    const res = native().interpose(h);
    t.is(res.patched, want);
    t.true(res.slots.some((s) => s.gated), 'this build has a gated slot');
    const extra = native().dlopen(so); // a second reference through the glue, as load() of an open module takes
    native().dlclose(extra.handle);
    t.true(res.slots.filter((s) => !s.gated).every((s) => readWord(s.addr) === s.wrapper), 'an earlier dlclose leaves the wrappers');
    m.close(); // our last reference
    t.true(mappings().some((x) => x.path === so), 'koffi keeps the image mapped');
    for (const s of res.slots) t.is(readWord(s.addr), s.original, `${s.symbol} ${s.kind}: restored by the last dlclose`);
    t.is(native().restore(h), 0, 'the state was forgotten');
  } finally {
    keep.unload();
  }
});

testWith(['gcc'], 'restore of a module never interposed writes nothing', (t) => {
  const m = load(build(cVariant('gcc'), 'never'), { interpose: false });
  t.is(native().restore(handleOf(m)), 0);
  t.is(intCall(m, 'ia_roundtrip')(), 0);
});

// ---- C++ ------------------------------------------------------------------------------------

for (const v of CXX_VARIANTS) {
  testWith([...v.tools, 'readelf'], `${v.name}: all 20 operator new/delete forms are interposed; std::bad_alloc unwinds through the wrapper`, (t) => {
    const so = build(v);
    const m = load(so, { interpose: false });
    const expressions = intCall(m, 'ix_expressions');
    const explicit = intCall(m, 'ix_explicit');
    const badAlloc = intCall(m, 'ix_bad_alloc');
    const nothrowNull = intCall(m, 'ix_nothrow_null');
    interposeAndCheck(t, v, m, so, (slots) => {
      const ops = new Set(slots.map((s) => s.symbol).filter((s) => s.startsWith('_Z')));
      t.is(ops.size, 20, `every operator form has a slot: ${[...ops].join(' ')}`);
      t.is(expressions(), 1, 'new/delete expressions work');
      t.is(explicit(), 1, 'every operator form works');
      t.is(badAlloc(), 1, 'std::bad_alloc thrown inside operator new reaches the module\'s catch');
      t.is(nothrowNull(), 1, 'nothrow new returns null');
    });
    t.is(explicit(), 1);
    t.is(badAlloc(), 1);
  });
}

// ---- Boehm GC ------------------------------------------------------------------------------------

// The module's GC entry points are not called here: libgc scans the calling
// thread's stack from its stack pointer up to the bottom of the main stack it
// recorded at GC_init, and koffi runs synchronous calls on a stack of its own
// (an mmap'd region below the main stack), so GC_init's first collection walks
// into unmapped memory and faults, interposed or not. The wrappers' GC
// behaviour (events, finalizer-reported frees) is pinned by the C probe below.
testWith([...GC_VARIANT.tools, 'readelf'], 'Boehm GC: every GC_* slot is interposed and restored', (t) => {
  const v = GC_VARIANT;
  const so = build(v);
  const m = load(so, { interpose: false });
  interposeAndCheck(t, v, m, so, (slots) => {
    t.true(slots.some((s) => s.symbol === 'GC_malloc'));
    t.true(slots.some((s) => s.symbol === 'GC_free'));
  });
});

// ---- the C probe: exact events per wrapper, without Node ------------------------------------------

for (const cc of ['gcc', 'clang'] as const) {
  const runs: { mode: string; variant: Variant }[] = [
    { mode: 'c', variant: cVariant('gcc') },
    { mode: 'c', variant: cVariant('gcc -fno-plt -z now') },
    { mode: 'c', variant: cVariant('clang-19 lld -z now') },
    { mode: 'c-lazy', variant: cVariant('clang-19 lld -z lazy') },
    { mode: 'c-lazy', variant: cVariant('gcc') },
    { mode: 'cxx', variant: CXX_VARIANTS[0] },
    { mode: 'cxx', variant: CXX_VARIANTS[1] },
    { mode: 'gc', variant: GC_VARIANT },
  ];
  for (const r of runs) {
    testWith([cc, ...r.variant.tools], `probe (interpose.c by ${cc}) ${r.mode} ${r.variant.name}: each wrapper reports exactly its events, first pc in the allocating function`, (t) => {
      const probe = compile({
        compiler: tools[cc]!,
        sources: [PROBE_SRC, ...runtimeSources(...INTERPOSE_SOURCES)],
        flags: [...RUNTIME_INCLUDES, '-std=c11', '-Wall', '-Wextra', '-Werror'],
        kind: 'exe',
        name: `interpose_probe-${cc}`,
      });
      const so = build(r.variant);
      const p = spawnSync(probe, [r.mode, so], { encoding: 'utf8' });
      t.is(p.status, 0, `${p.stdout}${p.stderr}`);
      t.regex(p.stdout, /^ok \d+$/m);
      t.notRegex(p.stdout, /FAIL/);
      // Gated: every free function's JUMP_SLOT, unless -z now made it read-only or lazy binding left the module's own stub in it.
      const gated = r.variant.fullRelro || r.mode === 'c-lazy' ? 0 : listedRelocations(so).filter((x) => x.kind === 'JUMP_SLOT' && FREE_NAMES.has(x.symbol)).length;
      t.regex(p.stdout, new RegExp(`^gated ${gated}$`, 'm'), 'the free gate drives exactly the free functions\' writable PLT slots');
    });
  }
}

// ---- end to end with the sampler ------------------------------------------------------------------

testWith(['gcc'], 'at rate 1, N mallocs at a marker line are N allocations (and N frees) of the record whose innermost frame is that line', (t) => {
  const m = load(build(cVariant('gcc'), 'rate1'), { interpose: false });
  t.false(m.linksGc, 'a C module without libgc');
  const loop = m.func('ia_malloc_loop', 'int (int, uint64_t)') as (n: number, size: number) => number;
  const line = markerLine(C_SRC, fs.readFileSync(C_SRC, 'utf8'), '@alloc:loop');
  const rate0 = memProfileRate();
  native().interpose(handleOf(m));
  try {
    setMemProfileRate(1);
    resetMemProfile();
    t.is(loop(9, 4321), 1);
    gc();
    const recs = memProfile({ inuseZero: true }).filter((r) => {
      const f = callersFrames(r.stack);
      return f.length > 0 && f[0].file === C_SRC && f[0].line === line && f[0].function === 'ia_malloc_loop';
    });
    t.is(recs.reduce((a, r) => a + r.allocObjects, 0), 9);
    t.is(recs.reduce((a, r) => a + r.freeObjects, 0), 9);
    t.true(recs.every((r) => r.size === 4321));
    t.is(recs[0]?.stack.length, 1, 'the stack ends at the first frame outside registered modules (koffi)');
  } finally {
    setMemProfileRate(rate0);
    native().restore(handleOf(m));
  }
});

// ---- the default: load() interposes while the rate is non-zero --------------------------------------

testWith(['gcc', 'readelf'], 'a plain load() interposes at the default rate; rate 0 restores every slot, a non-zero rate patches again, close() restores', (t) => {
  const so = build(cVariant('gcc'), 'default');
  const expected = listedRelocations(so);
  const rate0 = memProfileRate();
  t.is(rate0, 512 * 1024, "gc's default MemProfileRate");
  const m = load(so);
  const slotAddrs = expected.map((r) => r.offset + m.base);
  const wrappers = slotAddrs.map(readWord);
  // Interposed: every listed slot holds a wrapper in the addon's text, not libc's function (GNU ld
  // gives free no JUMP_SLOT here, so nothing is gated: its calls go through the GLOB_DAT slot).
  t.false(expected.some((r) => r.kind === 'JUMP_SLOT' && FREE_NAMES.has(r.symbol)), 'no free JUMP_SLOT to gate');
  const addon = mappings().filter((x) => x.path.endsWith('llgi.node'));
  for (const [i, w] of wrappers.entries()) t.true(addon.some((x) => w >= x.lo && w < x.hi), `${expected[i].symbol} ${expected[i].kind} holds a wrapper`);
  try {
    setMemProfileRate(0);
    const originals = slotAddrs.map(readWord);
    for (const [i, o] of originals.entries()) t.false(addon.some((x) => o >= x.lo && o < x.hi), `${expected[i].symbol}: rate 0 restored the original`);
    t.is(intCall(m, 'ia_roundtrip')(), 0, 'the module works with its own slots');
    setMemProfileRate(4096);
    t.deepEqual(slotAddrs.map(readWord), wrappers, 'a non-zero rate patches the same wrappers again');
    t.is(intCall(m, 'ia_roundtrip')(), 0);
  } finally {
    setMemProfileRate(rate0);
  }
  m.close();
  t.false(mappings().some((x) => x.path === so), 'close() restored and unloaded the image');
});

// ---- Boehm GC end to end, called on the thread's own stack (Module.call) -----------------------------

testWith([...GC_VARIANT.tools], 'Boehm GC through Module.call: GC_malloc sampled per line at rate 1, collected objects counted as frees', (t) => {
  const m = load(build(GC_VARIANT, 'e2e'));
  const rate0 = memProfileRate();
  const text = fs.readFileSync(GC_SRC, 'utf8');
  const dropLine = markerLine(GC_SRC, text, '@alloc:gc-drop');
  const keepLine = markerLine(GC_SRC, text, '@alloc:gc-keep');
  try {
    setMemProfileRate(1);
    resetMemProfile();
    // koffi's stack is not this thread's: binding a function of a libgc module is refused,
    // unless the caller says it never enters the GC (docs/in-process.md).
    t.true(m.linksGc);
    t.throws(() => m.func('ig_alloc_drop', 'int (int, int)'), { code: 'LLGI_BAD_ARGUMENT', message: /Boehm GC.*Module\.call/ });
    t.is(typeof m.func('ig_alloc_drop', 'int (int, int)', { entersGc: false }), 'function');
    m.call('ig_init'); // GC_init's first collection scans this thread's real stack: no crash
    t.is(m.call('ig_alloc_drop', 200, 32), 1n);
    t.is(m.call('ig_alloc_keep', 10, 48), 1n);
    m.call('ig_collect');
    m.call('ig_collect');
    gc(); // publish, as runtime.GC()
    const at = (line: number) => memProfile({ inuseZero: true }).filter((r) => r.frames()[0]?.file === GC_SRC && r.frames()[0]?.line === line);
    const drop = at(dropLine);
    const keep = at(keepLine);
    t.is(drop.reduce((n, r) => n + r.allocObjects, 0), 200, 'every GC_malloc at the drop line was sampled');
    t.is(keep.reduce((n, r) => n + r.allocObjects, 0), 10, 'every GC_malloc_atomic at the keep line was sampled');
    t.is(keep.reduce((n, r) => n + r.freeObjects, 0), 0, 'objects still referenced are not counted as freed');
    // The collector is conservative: most, not necessarily all, unreferenced objects are collected.
    const freed = drop.reduce((n, r) => n + r.freeObjects, 0);
    t.log(`${freed} of 200 dropped objects counted as freed after two collections`);
    t.true(freed >= 100 && freed <= 200, `finalizers reported most dropped objects (${freed})`);
  } finally {
    setMemProfileRate(rate0);
  }
});
