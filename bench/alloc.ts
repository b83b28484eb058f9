// Issue 4: what the heap sampler costs a malloc-heavy module, against gc's
// sampler in the same run. Ours: bench/alloc.c times bench/alloc_fixture.c
// (10M malloc+free pairs of 16..2063 bytes, and of 16 bytes, 9 frames deep)
// unhooked, GOT-patched at rate 0, at the default rate and at rate 1. gc:
// bench/goalloc, the same churn with make([]byte, n), at MemProfileRate 0,
// default and 1 (one process per rate, set at the start of main). Lib: the
// same fixture through load() and setMemProfileRate() in this process.
//
// Every round runs five passes (the C harness, the lib pass, the three gc
// rates) in an order rotated by the round; each warms up and then measures
// every configuration once, and the best of 5 rounds counts.
//
//   node --import tsx bench/alloc.ts

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compile, defaultCacheDir, which } from '../compiler/toolchain/cc';
import { load, type Module } from '../lib/live';
import { gc, memProfile, resetMemProfile, setMemProfileRate } from '../lib/memprofile';
import { INTERPOSE_SOURCES, RUNTIME_INCLUDES, runtimeSources, WALK_SOURCES } from '../test/helpers/runtime';

const ROUNDS = 5;
const ITERS = 10_000_000;
const ITERS_RATE1 = 1_000_000; // rate 1 is 10-200x slower per op; 1M keeps a round short
const GO = fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin' : null;
const WORKLOADS = [
  { key: 'mix', label: 'mix (16..2063 B)' },
  { key: '16', label: '16 B' },
] as const;
const GC_RATES = ['0', 'default', '1'] as const;
const SEED = 0x9e3779b97f4a7c15n; // alloc.c's and goalloc's
const LIB_RATES = [['0', 0], ['default', 512 * 1024], ['1', 1]] as const;

const CFLAGS = ['-O2', '-fno-omit-frame-pointer', '-mno-omit-leaf-frame-pointer', '-fno-optimize-sibling-calls', ...RUNTIME_INCLUDES];
// compile() puts flags before the sources: --no-as-needed keeps the libraries.
const LIBS = ['-Wl,--no-as-needed', '-lm', '-ldl', '-lpthread'];

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

type Best = Map<string, number>; // "<workload>@<config>" -> best ns

/**
 * The shipped path in this process: the addon's wrappers and sampler (which
 * call each other through the PLT, as a shared object's do), load() and
 * setMemProfileRate(), the fixture called on the thread's own stack. One pass
 * per round in the same output format as the harness: a warm-up pass at a
 * tenth of the iterations, then one measured pass in a rotated order.
 */
function libPass(m: Module, round: number): string {
  const one = (rate: number, iters: number, fixed: number) => {
    setMemProfileRate(rate); // 0 restores the slots, non-zero patches them
    const t0 = process.hrtime.bigint();
    m.call('alloc_run', iters, SEED, fixed);
    const t = Number(process.hrtime.bigint() - t0) / iters;
    setMemProfileRate(0);
    return t;
  };
  const items = WORKLOADS.flatMap((w) => LIB_RATES.map(([name, rate]) => ({ w, name, rate, iters: rate === 1 ? ITERS_RATE1 : ITERS })));
  for (const it of items) one(it.rate, it.iters / 10, it.w.key === '16' ? 16 : 0);
  const lines: string[] = [];
  for (let k = 0; k < items.length; k++) {
    const it = items[(k + round) % items.length];
    lines.push(`alloc ${it.w.key} lib-${it.name} ${one(it.rate, it.iters, it.w.key === '16' ? 16 : 0)} ${it.iters}`);
  }
  return lines.join('\n');
}

function collect(out: string, best: Best, checks: string[][]) {
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'alloc') {
      const key = `${f[1]}@${f[2]}`;
      best.set(key, Math.min(best.get(key) ?? Infinity, +f[3]));
    } else if (f[0] === 'check' || f[0] === 'check-default' || f[0] === 'slots' || f[0] === 'maxrss') checks.push(f);
  }
}

const ns = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const pct = (x: number, ref: number) => `${x >= ref ? '+' : ''}${((x / ref - 1) * 100).toFixed(1)}%`;
const times = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}x`;

function main() {
  const gcc = which('gcc') ?? 'cc';
  const cache = defaultCacheDir();
  const fixture = compile({ compiler: gcc, sources: [path.join(__dirname, 'alloc_fixture.c')], kind: 'shared', name: 'alloc-fixture' });
  const rtSrc = runtimeSources(...new Set(['mprof', ...INTERPOSE_SOURCES, ...WALK_SOURCES]));
  const harness = compile({ compiler: gcc, sources: [path.join(__dirname, 'alloc.c'), ...rtSrc], kind: 'exe', replaceFlags: true, flags: [...CFLAGS, ...LIBS], name: 'alloc-harness' });

  const goEnv = { ...process.env, PATH: `${GO ?? ''}${path.delimiter}${process.env.PATH}`, GOTOOLCHAIN: 'local' };
  const goExe = path.join(cache, 'llgi-goalloc');
  const goVersion = GO ? run('go', ['version'], goEnv).trim() : null;
  if (GO) {
    const r = spawnSync('go', ['build', '-o', goExe, '.'], { cwd: path.join(__dirname, 'goalloc'), env: goEnv, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`go build failed: ${r.stderr}`);
  }

  const best: Best = new Map();
  const checks: string[][] = [];
  const mod = load(fixture);
  // The lib samples the fixture: at rate 1, every allocation with its 9 frames.
  setMemProfileRate(1);
  resetMemProfile();
  mod.call('alloc_run', 1000, SEED, 0);
  setMemProfileRate(0);
  gc();
  const recs = memProfile({ inuseZero: true });
  const libCheck = `lib check: rate 1: ${recs.reduce((a, r) => a + r.allocObjects, 0)}/1000 allocations sampled, ${recs.reduce((a, r) => a + r.freeObjects, 0)} frees counted, ` +
    `${Math.min(...recs.map((r) => r.stack.length))}-${Math.max(...recs.map((r) => r.stack.length))} pcs per stack`;
  resetMemProfile();
  type Job = () => string;
  for (let r = 0; r < ROUNDS; r++) {
    const round: Job[] = [() => run(harness, [fixture, String(ITERS), String(ITERS_RATE1), String(r)]), () => libPass(mod, r)];
    if (GO) for (const rate of GC_RATES) round.push(() => run(goExe, [rate, String(rate === '1' ? ITERS_RATE1 : ITERS), String(r)], goEnv));
    for (let k = 0; k < round.length; k++) collect(round[(k + r) % round.length](), best, r === ROUNDS - 1 ? checks : []);
    process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
  }
  setMemProfileRate(512 * 1024);
  mod.close();

  const get = (w: string, c: string) => best.get(`${w}@${c}`) ?? NaN;
  const chk = (tag: string) => checks.filter((f) => f[0] === tag);

  console.log(`machine: node ${process.version}; ${run(gcc, ['--version']).split('\n')[0]}; ${goVersion ?? 'go: not found'}; glibc ${run('ldd', ['--version']).split('\n')[0].split(' ').pop()}`);
  console.log(`fixture: ${path.basename(fixture)} (fixture flags); each allocation is a malloc and a free of a random one of 4096 slots; ` +
    `${ITERS / 1e6}M pairs per run (rate 1: ${ITERS_RATE1 / 1e6}M), best of ${ROUNDS} rounds, one process per round\n`);
  const [slots] = chk('slots');
  const c1 = chk('check').find((f) => f.length === 7); // the harness's; gc's have 6 fields
  const [cdef] = chk('check-default');
  console.log(`checks (last round): ${slots?.[1]} GOT slots patched (${slots?.[2]} skipped); rate 1: ${c1?.[1]}/${c1?.[5]} allocations sampled, ${c1?.[2]} frees counted, ` +
    `${c1?.[3]}-${c1?.[4]} pcs per stack (fixture depth ${c1?.[6]}); default rate: ${cdef?.[1]} samples in ${Number(cdef?.[2]) / 1e6}M mix allocations; max RSS ${chk('maxrss')[0]?.[1]} KiB`);
  console.log(libCheck);
  for (const f of chk('check')) if (f.length === 6) console.log(`gc check, rate ${f[1]}: ${f[4]} of ${f[3]} sampled allocations in churn, ${f[5]} pcs per churn stack`);

  console.log('\n**Ours** (ns per malloc+free pair, best of 5)\n');
  console.log(`| configuration | ${WORKLOADS.map((w) => `${w.label} | vs unhooked`).join(' | ')} |`);
  console.log(`|---|${WORKLOADS.map(() => '---:|---:').join('|')}|`);
  const rows: [string, string][] = [
    ['unhooked (slots as ld.so left them)', 'unhooked'],
    ['rate 0 through the lib (it restores the slots) = unhooked', 'unhooked'],
    ['hooked, rate 0 (wrappers only)', 'hooked-0'],
    ['hooked, default rate (512 KiB)', 'hooked-def'],
    ['hooked, rate 1 (every allocation sampled)', 'hooked-1'],
  ];
  for (const [label, c] of rows)
    console.log(`| ${label} | ${WORKLOADS.map((w) => `${ns(get(w.key, c))} | ${c === 'unhooked' && !label.startsWith('rate 0') ? '' : pct(get(w.key, c), get(w.key, 'unhooked'))}`).join(' | ')} |`);

  console.log('\n**Through the lib** (the addon in this node process: load(), setMemProfileRate(), Module.call; ns per pair, best of 5)\n');
  console.log(`| MemProfileRate | ${WORKLOADS.map((w) => `${w.label} | vs rate 0`).join(' | ')} |`);
  console.log(`|---|${WORKLOADS.map(() => '---:|---:').join('|')}|`);
  for (const [label, rate] of [['0 (slots restored = unhooked)', '0'], ['default (512 KiB)', 'default'], ['1', '1']])
    console.log(`| ${label} | ${WORKLOADS.map((w) => `${ns(get(w.key, `lib-${rate}`))} | ${rate === '0' ? '' : pct(get(w.key, `lib-${rate}`), get(w.key, 'lib-0'))}`).join(' | ')} |`);

  if (GO) {
    console.log('\n**gc** (ns per allocation, best of 5; make([]byte, n), zeroed, freed by the collector, GOGC default)\n');
    console.log(`| MemProfileRate | ${WORKLOADS.map((w) => `${w.label} | vs rate 0`).join(' | ')} |`);
    console.log(`|---|${WORKLOADS.map(() => '---:|---:').join('|')}|`);
    for (const [label, rate] of [['0', '0'], ['default (512 KiB)', 'default'], ['1', '1']])
      console.log(`| ${label} | ${WORKLOADS.map((w) => `${ns(get(w.key, `gc-${rate}`))} | ${rate === '0' ? '' : pct(get(w.key, `gc-${rate}`), get(w.key, 'gc-0'))}`).join(' | ')} |`);
  }

  // A sample at rate 1: every allocation is sampled and every free is of a
  // sampled block, so rate 1 minus hooked rate 0 is one sample and its free.
  const sample = (w: string) => get(w, 'hooked-1') - get(w, 'hooked-0');
  const gcSample = (w: string) => get(w, 'gc-1') - get(w, 'gc-0');
  console.log('\n**Per sample at rate 1**\n');
  console.log(`| ns | ${WORKLOADS.map((w) => w.label).join(' | ')} |`);
  console.log(`|---|${WORKLOADS.map(() => '---:').join('|')}|`);
  console.log(`| ours: one sampled allocation (rate 1 − hooked rate 0; stack walk, bucket, its counted free) | ${WORKLOADS.map((w) => ns(sample(w.key))).join(' | ')} |`);
  if (GO) {
    console.log(`| gc: one allocation at rate 1 | ${WORKLOADS.map((w) => ns(get(w.key, 'gc-1'))).join(' | ')} |`);
    console.log(`| gc: its sampling (rate 1 − rate 0) | ${WORKLOADS.map((w) => ns(gcSample(w.key))).join(' | ')} |`);
    console.log(`| ours cheaper than gc's rate-1 allocation | ${WORKLOADS.map((w) => times(get(w.key, 'gc-1') / sample(w.key))).join(' | ')} |`);
    console.log(`| ours cheaper than gc's sampling | ${WORKLOADS.map((w) => times(gcSample(w.key) / sample(w.key))).join(' | ')} |`);
  }

  const over = (w: string) => (get(w, 'hooked-def') / get(w, 'unhooked') - 1) * 100;
  const libOver = (w: string) => (get(w, 'lib-default') / get(w, 'lib-0') - 1) * 100;
  const wrappers = (w: string) => (get(w, 'hooked-0') / get(w, 'unhooked') - 1) * 100;
  console.log('\nGoals (this run):');
  console.log(`- overhead under +3% at the default rate (mix): ${over('mix') < 3 ? 'met' : 'not met'} ` +
    `(${over('mix') >= 0 ? '+' : ''}${over('mix').toFixed(1)}%, of which the wrappers at rate 0 ${wrappers('mix') >= 0 ? '+' : ''}${wrappers('mix').toFixed(1)}%; ` +
    `16 B: ${over('16') >= 0 ? '+' : ''}${over('16').toFixed(1)}%; through the lib: mix ${libOver('mix') >= 0 ? '+' : ''}${libOver('mix').toFixed(1)}%, 16 B ${libOver('16') >= 0 ? '+' : ''}${libOver('16').toFixed(1)}%)`);
  if (GO) {
    const r = WORKLOADS.map((w) => get(w.key, 'gc-1') / sample(w.key));
    console.log(`- a rate-1 sample at least 5x cheaper than gc's rate-1 allocation: ${r.every((x) => x >= 5) ? 'met' : 'not met'} (${r.map(times).join(', ')} for ${WORKLOADS.map((w) => w.label).join(', ')})`);
  } else console.log('- rate-1 sample vs gc: not measured (no Go at /usr/local/go)');
}

main();
