// Issue 3: live stack capture and pc lookup, against their peers in the same
// run. Stack capture: our frame-pointer walk vs glibc backtrace(), libunwind
// unw_backtrace() and gc's runtime.Callers at depths 8, 32, 128 (ns per
// frame). Lookup: the C table reader (findfunc + name; all frames with
// file:line) and the JS API on the 5 MB SQLite subject vs gc's FuncForPC on
// its own binary, for one pc, 64 pcs and 20,000 pcs; the JS rows also
// against their 150 ns goal and llvm-symbolizer-19's per-pc cost (a whole
// process on the same 20,000 pcs).
//
//   node --import tsx bench/live.ts

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { buildTable } from '../compiler/table/build';
import { compile, defaultCacheDir, which } from '../compiler/toolchain/cc';
import { callersFrames, funcForPC, load } from '../lib/live';
import { Symbolizer } from '../lib/symbolize';
import { allRuntimeSources, RUNTIME_INCLUDES } from '../test/helpers/runtime';
import { randomPcs, sqlite5MB } from './subjects';
import { bestOfCollected, processMs } from './measure';

const ROOT = path.join(__dirname, '..');
const RT = path.join(ROOT, 'runtime');
const N = 20000;
const CACHED = 64;
const DEPTHS = [8, 32, 128];
const GO = fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin' : null;
/** The JS rows' goal: ns per pc (issue 15). */
const JS_GOAL_NS = 150;
/** The JS API against llvm-symbolizer-19's per-pc cost: at least this many times faster (issue 15). */
const LLVM_GOAL = 50;
/** Rounds of each JS measurement, after one warm-up round (the first rounds also grow V8's young generation). */
const JS_ROUNDS = 10;

// The brief's walk flags; -g and -fPIC of FIXTURE_FLAGS add nothing to a benchmark executable.
// (compile() also hashes the headers of the -I and source directories.)
const CFLAGS = ['-O2', '-fno-omit-frame-pointer', '-mno-omit-leaf-frame-pointer', '-fno-optimize-sibling-calls', ...RUNTIME_INCLUDES];
// The whole runtime links libm (the sampler's log2 table) and libdl (the
// interposer); compile() puts flags before the sources, hence --no-as-needed.
const RT_LIBS = ['-Wl,--no-as-needed', '-lm', '-ldl', '-lpthread'];

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

/** "walk <method> <depth> <frames> <ns> [<pcs equal to ours>]" and "lookup <kind> <set> <ns>" lines. */
function parse(out: string) {
  const walk = new Map<string, { frames: number; ns: number; same: number }>();
  const lookup = new Map<string, number>();
  let info: number[] = [];
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'walk') walk.set(`${f[1]}@${f[2]}`, { frames: +f[3], ns: +f[4], same: f[5] === undefined ? NaN : +f[5] });
    else if (f[0] === 'lookup') lookup.set(`${f[1]}@${f[2]}`, +f[3]);
    else if (f[0] === 'info') info = f.slice(1).map(Number);
  }
  return { walk, lookup, info };
}

const cycle = <T>(xs: readonly T[], n: number): T[] => Array.from({ length: n }, (_, i) => xs[i % xs.length]);
const ns = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const times = (theirs: number, ours: number) => {
  const r = theirs / ours;
  return `${r >= 1 ? r.toFixed(1) : r.toPrecision(2)}x`;
};

function main() {
  const gcc = which('gcc') ?? 'cc';
  const cache = defaultCacheDir();

  // Every runtime source (native/sources.json, this platform's included): the walk's dependencies grow, and the runtime is plain C.
  const rtSrc = allRuntimeSources();
  const walkSrc = [path.join(__dirname, 'live-walk.c'), ...rtSrc];
  // Linking libunwind changes glibc's backtrace() (bench/README.md; here it
  // then runs at libunwind's speed), so libunwind gets its own binary; ours
  // runs in both and its best counts. compile() puts flags before the
  // sources, hence --no-as-needed: nothing needs libunwind yet at that point.
  const walkPlain = compile({ compiler: gcc, sources: walkSrc, kind: 'exe', replaceFlags: true, flags: [...CFLAGS, ...RT_LIBS], name: 'live-walk' });
  const walkUnw = compile({ compiler: gcc, sources: walkSrc, kind: 'exe', replaceFlags: true, flags: [...CFLAGS, '-DWITH_LIBUNWIND', ...RT_LIBS, '-lunwind'], name: 'live-walk-unw' });
  const lookupExe = compile({ compiler: gcc, sources: [path.join(__dirname, 'live-funcforpc.c'), path.join(RT, 'src', 'table.c')], kind: 'exe', replaceFlags: true, flags: CFLAGS, name: 'live-funcforpc' });

  const goEnv = { ...process.env, PATH: `${GO ?? ''}${path.delimiter}${process.env.PATH}`, GOTOOLCHAIN: 'local' };
  const goExe = path.join(cache, 'llgi-gobench');
  const goVersion = GO ? run('go', ['version'], goEnv).trim() : null;
  if (GO) {
    const r = spawnSync('go', ['build', '-o', goExe, '.'], { cwd: path.join(__dirname, 'go'), env: goEnv, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`go build failed: ${r.stderr}`);
  }

  // Subject: the LLGI table of the 5 MB SQLite and 20,000 pcs in it, as files for the C harness.
  const so = sqlite5MB();
  const elf = ElfFile.open(so);
  const { table, report } = buildTable(elf);
  const pcs = randomPcs(elf, N);
  const tableFile = path.join(cache, 'live-sqlite.llgi');
  const pcsFile = path.join(cache, 'live-sqlite.pcs');
  fs.writeFileSync(tableFile, table);
  fs.writeFileSync(pcsFile, new Uint8Array(BigUint64Array.from(pcs, BigInt).buffer));

  const plain = parse(run(walkPlain, []));
  const unw = parse(run(walkUnw, []));
  const c = parse(run(lookupExe, [tableFile, pcsFile]));
  const gc = GO ? parse(run(goExe, [])) : null;

  // JS API on the same pcs, in batches of N (one pc repeated, 64 cycled, all).
  const sym = Symbolizer.fromTable(table, so);
  const sets = { one: cycle(pcs.slice(0, 1), N), cached: cycle(pcs.slice(0, CACHED), N), fresh: pcs };
  const js = new Map<string, number>();
  for (const [set, list] of Object.entries(sets)) js.set(`symbolize@${set}`, jsNsPerPc(() => sym.symbolize(list)));
  // llvm-symbolizer-19 on the same 20,000 pcs: one process, start-up included (its cost per pc as a tool).
  const llvm = which('llvm-symbolizer-19');
  const llvmNs = llvm ? (processMs(3, llvm, [`--obj=${so}`], pcs.map((p) => `0x${p.toString(16)}`).join('\n') + '\n').ms * 1e6) / N : NaN;

  // ---- walk ----
  const walkOf = (m: string, d: number) => {
    const a = plain.walk.get(`${m}@${d}`);
    const b = unw.walk.get(`${m}@${d}`);
    if (m === 'ours' || m === 'raw-fp') return a!.ns <= b!.ns ? a! : b!;
    if (m === 'libunwind') return b!;
    if (m === 'gc-callers') return gc?.walk.get(`${m}@${d}`);
    return a!;
  };
  const perFrame = (m: string, d: number) => {
    const w = walkOf(m, d);
    return w ? w.ns / w.frames : NaN;
  };
  console.log(`machine: node ${process.version}; ${run(gcc, ['--version']).split('\n')[0]}; ${goVersion ?? 'go: not found'}; libunwind ${libunwindVersion()}`);
  console.log(`walk: 20,000 captures per round, best of 5 rounds, buffers of 256 pcs; depth = frames from the capturing function up to main\n`);
  console.log('| depth | ours ns/frame | raw fp walk (reference) | glibc backtrace() | libunwind unw_backtrace() | gc runtime.Callers | ours faster than libunwind | than glibc | than gc |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const d of DEPTHS) {
    const o = perFrame('ours', d);
    const [raw, gl, lu, go] = ['raw-fp', 'glibc-backtrace', 'libunwind', 'gc-callers'].map((m) => perFrame(m, d));
    console.log(`| ${d} | ${ns(o)} | ${ns(raw)} | ${ns(gl)} | ${ns(lu)} | ${ns(go)} | ${times(lu, o)} | ${times(gl, o)} | ${times(go, o)} |`);
  }
  console.log('\n| depth | ns per capture (frames returned): ours | glibc backtrace() | libunwind unw_backtrace() | gc runtime.Callers |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const d of DEPTHS) {
    const cell = (m: string) => {
      const w = walkOf(m, d);
      return w ? `${ns(w.ns)} (${w.frames})` : 'n/a';
    };
    console.log(`| ${d} | ${cell('ours')} | ${cell('glibc-backtrace')} | ${cell('libunwind')} | ${cell('gc-callers')} |`);
  }
  const agree = (m: string) => DEPTHS.map((d) => `${walkOf(m, d)!.same}/${walkOf('ours', d)!.frames - 1}`).join(', ');
  console.log(`\npcs equal to ours after the first (depths ${DEPTHS.join(', ')}): glibc ${agree('glibc-backtrace')}; libunwind ${agree('libunwind')}`);
  console.log(`glibc backtrace() in the libunwind-linked binary: ${DEPTHS.map((d) => ns(unw.walk.get(`glibc-backtrace@${d}`)!.ns / unw.walk.get(`glibc-backtrace@${d}`)!.frames)).join(', ')} ns/frame`);
  const goal = (what: string, need: number, got: number[]) =>
    console.log(`- ${what}, at least ${need}x: ${got.every((x) => x >= need) ? 'met' : 'not met'} (${got.map((x) => `${x.toFixed(1)}x`).join(', ')} at depths ${DEPTHS.join(', ')})`);
  console.log('\nGoals (per frame):');
  goal('ours faster than libunwind', 4, DEPTHS.map((d) => perFrame('libunwind', d) / perFrame('ours', d)));
  goal('ours faster than gc runtime.Callers', 10, DEPTHS.map((d) => perFrame('gc-callers', d) / perFrame('ours', d)));

  // ---- lookup ----
  const size = fs.statSync(so).size;
  console.log(`\nlookup: ${(size / 1e6).toFixed(1)} MB ${path.basename(so)}, ${report.functions} functions, table ${(table.length / 1e6).toFixed(2)} MB; ` +
    `gc on its own binary (${gc?.info[0] ?? '?'} functions, ${((gc?.info[1] ?? 0) / 1e6).toFixed(2)} MB of function text)`);
  console.log(`pcs: uniformly random inside functions (seed 1); one = the first repeated, cached = the first ${CACHED} cycled, fresh = all 20,000 cycled; C and gc: 300,000 lookups per round, best of 5\n`);
  const SETS = ['one', 'cached', 'fresh'] as const;
  console.log('| ns per pc | one pc | 64 pcs (cached) | 20,000 pcs (fresh) | faster than gc: one | cached | fresh |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const row = (what: string, vals: number[], ref?: number[]) =>
    console.log(`| ${what} | ${vals.map(ns).join(' | ')} | ${ref ? vals.map((v, i) => times(ref[i], v)).join(' | ') : ' | | '} |`);
  const gcName = SETS.map((s) => gc?.lookup.get(`gc-name@${s}`) ?? NaN);
  const gcFull = SETS.map((s) => gc?.lookup.get(`gc-full@${s}`) ?? NaN);
  row('gc `FuncForPC(pc).Name()`', gcName);
  row('ours, C: `llgi_table_findfunc` + name', SETS.map((s) => c.lookup.get(`findfunc@${s}`)!), gcName);
  row('gc `FuncForPC(pc)`: `Name()` + `FileLine(pc)`', gcFull);
  row('ours, C: `llgi_table_frames` (every frame, name + file:line)', SETS.map((s) => c.lookup.get(`frames@${s}`)!), gcFull);
  const symbolizeNs = SETS.map((s) => js.get(`symbolize@${s}`)!);
  const live = liveRows(so, pcs, SETS);
  row('ours, JS: `Symbolizer.symbolize` (batches of 20,000, frame objects)', symbolizeNs, gcFull);
  row('ours, JS: live `funcForPC(pc).name` (one call per pc; cached Func per pc)', live.funcForPC, gcName);
  row('ours, JS: live `callersFrames` (batches of 20,000 return addresses, frame objects)', live.callersFrames, gcFull);
  console.log(`\nllvm-symbolizer-19, one process on the 20,000 pcs (best of 3): ${ns(llvmNs)} ns per pc`);
  console.log('\nGoals:');
  const cachedRatio = gcName[1] / c.lookup.get('findfunc@cached')!;
  const oneRatio = gcName[0] / c.lookup.get('findfunc@one')!;
  console.log(`- C cached lookup at least 2x faster than gc FuncForPC(pc).Name(): ${cachedRatio >= 2 ? 'met' : 'not met'} (${cachedRatio.toFixed(1)}x on 64 pcs, ${oneRatio.toFixed(1)}x on one pc)`);
  const atMost = (what: string, vals: number[], sets: string[]) => console.log(`- ${what} at most ${JS_GOAL_NS} ns per pc: ` +
    `${vals.every((v) => v <= JS_GOAL_NS) ? 'met' : 'not met'} (${vals.map((v, i) => `${ns(v)} ns ${sets[i]}`).join(', ')})`);
  atMost('JS `symbolize`, warm, frame objects included,', symbolizeNs, ['one', 'cached', 'fresh']);
  atMost('JS `funcForPC` on a cached pc', live.funcForPC.slice(0, 2), ['one', 'cached']);
  const vsLlvm = symbolizeNs.map((v) => llvmNs / v);
  console.log(`- JS \`symbolize\` at least ${LLVM_GOAL}x faster per pc than llvm-symbolizer-19's ${ns(llvmNs)} ns: ` +
    `${vsLlvm.every((r) => r >= LLVM_GOAL) ? 'met' : 'not met'} (${vsLlvm.map((r, i) => `${r.toFixed(0)}x ${SETS[i]}`).join(', ')})`);
}

/** ns per pc of a JS measurement over N pcs: one warm-up round, then the best of JS_ROUNDS, each after a full collection. */
function jsNsPerPc(f: () => void): number {
  f();
  return (bestOfCollected(JS_ROUNDS, f) * 1e6) / N;
}

/** funcForPC and callersFrames on runtime pcs of the subject loaded into this process (bigints, as walks give them). */
function liveRows(so: string, pcs: number[], sets: readonly string[]): { funcForPC: number[]; callersFrames: number[] } {
  const m = load(so);
  try {
    const rt = pcs.map((p) => BigInt(p) + m.base);
    const lists = sets.map((s) => (s === 'one' ? cycle(rt.slice(0, 1), N) : s === 'cached' ? cycle(rt.slice(0, CACHED), N) : rt));
    let sink = 0;
    const ffp = lists.map((list) => jsNsPerPc(() => {
      for (const pc of list) sink += funcForPC(pc)?.name.length ?? 0;
    }));
    const cf = lists.map((list) => jsNsPerPc(() => {
      sink += callersFrames(list).length;
    }));
    if (sink === 0) throw new Error('funcForPC found no function');
    return { funcForPC: ffp, callersFrames: cf };
  } finally {
    m.close();
  }
}

function libunwindVersion(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'libunwind-dev'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '?';
}

main();
