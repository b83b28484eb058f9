// The sampling decision (docs/gc-semantics.md §1.2-1.3; docs/memprofile.md):
// thresholds are gc's fastexprand(R), so P(an allocation of S bytes is
// sampled) = 1 - exp(-S/R). Checked three ways:
// - test/c/mprof_inside.c includes runtime/src/mprof.c and compares its
//   fastlog2/fastexprand with the spec's rules, enumerates all 2^26 q values
//   against the spec's exhaustive E[draw] table, and emits the thresholds the
//   public path draws (llgi_mprof_seed/llgi_mprof_malloc) for KS, chi-square,
//   mean and range tests against the exponential law;
// - gc's test/heapsampling.go ported to llgi_alloc (test/fixtures/mprof/
//   heapsampling.c) with its aggregation, scaleHeapSample and 10% check, at
//   R = 16 KiB (gc's) and 512 KiB (gc's default rate);
// - the same runs' raw counts per line against N * (1 - exp(-S/R)).
//
// Seeds: fixed by default so CI is deterministic; LLGI_MPROF_SEED=<n> or
// =random explores others (the seed is logged).

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { resetMemProfile, setMemProfileRate, setMemProfileSeed, type MemProfileRecord } from '../lib/index';
import { checkAllocations, checkRawCounts, getMemProfileRecords, type HsKind } from './helpers/heapsampling';
import { ccTool, COMPILERS } from './helpers/live';
import { insideHarness, line, mprofModule, mprofSource, scaleHeapSample, serialWith } from './helpers/mprof';
import { testWith } from './helpers/tools';

function seedFor(t: ExecutionContext, fallback: bigint): bigint {
  const env = process.env.LLGI_MPROF_SEED;
  const seed = env === 'random' ? BigInt(Math.floor(Math.random() * 2 ** 48)) : env ? BigInt(env) : fallback;
  t.log(`seed ${seed} (LLGI_MPROF_SEED=${seed} reproduces)`);
  return seed;
}

// ---- the thresholds, from inside mprof.c -----------------------------------

function run(t: ExecutionContext, exe: string, args: (string | number | bigint)[]): string {
  const r = spawnSync(exe, args.map(String), { encoding: 'utf8', maxBuffer: 1 << 26 });
  t.is(r.status, 0, `${path.basename(exe)} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function thresholds(t: ExecutionContext, exe: string, rate: number, n: number, seed: bigint): Int32Array {
  const r = spawnSync(exe, ['thresholds', String(rate), String(n), String(seed)], { maxBuffer: 1 << 28 });
  t.is(r.status, 0, String(r.stderr));
  t.is(r.stdout.length, n * 4);
  return new Int32Array(r.stdout.buffer, r.stdout.byteOffset, n);
}

/** docs/gc-semantics.md §1.3, from the exhaustive enumeration of all 2^26 q values. */
const SPEC_DRAWS = [
  { rate: 16384, mean: 16385.164, max: 295270, le: { 256: 0.015503, 1024: 0.060573, 16384: 0.632114, 18432: 0.675324 } },
  { rate: 524288, mean: 524309.755, max: 9448628, le: { 256: 0.000484, 1024: 0.001938 } },
  { rate: 1048576, mean: 1048619.009, max: 18897255, le: {} },
] as const;

/** The mean cap of fastexprand. */
const MEAN_CAP = 0x7000000;
/** Largest threshold: q = 1 gives qlog = -26 (fastlog2(1) = 0), int32(26 ln2 mean) + 1. */
const maxDraw = (rate: number) => Math.floor(26 * Math.LN2 * Math.min(rate, MEAN_CAP)) + 1;

/** Upper quantile of chi-square with k degrees of freedom (Wilson-Hilferty), z = the normal quantile. */
const chi2Quantile = (k: number, z: number) => k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;

for (const cc of COMPILERS) {
  testWith([ccTool(cc)], `${cc}: every q in [1, 2^26]: mprof.c's fastlog2 is the spec's, and E[draw], max and P(draw <= S) match the spec's table`, (t) => {
    const exe = insideHarness(cc);
    for (const s of SPEC_DRAWS) {
      const out = run(t, exe, ['exhaustive', s.rate, ...Object.keys(s.le)]);
      const m = /^mean (\S+) max (\d+) min (\d+) mismatches (\d+)$/m.exec(out);
      if (!m) return t.fail(out);
      t.is(Number(m[4]), 0, `R=${s.rate}: fastlog2 differs from the spec's on ${m[4]} q values`);
      t.true(Math.abs(Number(m[1]) - s.mean) < 0.0005, `R=${s.rate}: E[draw] ${m[1]}, spec ${s.mean}`);
      t.is(Number(m[2]), s.max, `R=${s.rate}: largest draw`);
      t.is(Number(m[2]), maxDraw(s.rate));
      t.is(Number(m[3]), 1, `R=${s.rate}: smallest draw (q = 2^26)`);
      for (const [size, p] of Object.entries(s.le)) {
        const got = new RegExp(`^le ${size} (\\S+)$`, 'm').exec(out);
        t.true(!!got && Math.abs(Number(got[1]) - p) < 5e-7, `R=${s.rate}: P(draw <= ${size}) = ${got?.[1]}, spec ${p}`);
        // The spec's point: it is 1 - exp(-S/R) up to fastlog2's chord error (< 1% relative).
        t.true(Math.abs(p / (1 - Math.exp(-Number(size) / s.rate)) - 1) < 0.01);
      }
    }
  });

  testWith([ccTool(cc)], `${cc}: mprof.c's fastexprand is the spec's pipeline (wyrand, Lemire q, fastlog2, int32(qlog * -ln2 * mean) + 1, mean cap) bit for bit`, (t) => {
    const exe = insideHarness(cc);
    for (const rate of [1, 2, 3, 100, 16384, 524288, 1048576, MEAN_CAP, MEAN_CAP + 1, 2 ** 40]) {
      t.regex(run(t, exe, ['equiv', rate, rate === 16384 ? 2_000_000 : 200_000, 0x1234 + rate]), /^checked \d+ mismatches 0$/m, `R=${rate}`);
    }
  });
}

testWith(['gcc'], 'thresholds of the public path follow the exponential law: KS, chi-square, mean vs the spec table, range', (t) => {
  const exe = insideHarness('gcc');
  const N = 1_000_000;
  const seed = seedFor(t, 20240601n);
  for (const s of SPEC_DRAWS.slice(0, 2)) {
    const R = s.rate;
    const d = thresholds(t, exe, R, N, seed + BigInt(R));
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const x of d) {
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const mean = sum / N;
    // Mean: the draws' sd is ~R, so the sample mean's is R/sqrt(N); 5 of them.
    t.true(Math.abs(mean - s.mean) < (5 * R) / Math.sqrt(N), `R=${R}: mean ${mean}, spec E[draw] ${s.mean} (se ${R / Math.sqrt(N)})`);
    t.true(min >= 1, `R=${R}: smallest ${min}`);
    t.true(max <= maxDraw(R) && max <= 18.03 * R, `R=${R}: largest ${max} <= ${maxDraw(R)} (18.03 R = ${18.03 * R})`);
    t.true(max > 10 * R, `R=${R}: the tail is there: largest ${max} (P(max <= 10R) = e^-45)`);

    // KS against P(draw <= x) = P(Y < x) = 1 - exp(-x/R) at integers x (draw = floor(Y) + 1).
    const sorted = Float64Array.from(d).sort();
    const F = (x: number) => (x <= 0 ? 0 : 1 - Math.exp(-x / R));
    let D = 0;
    for (let i = 0; i < N; ) {
      const v = sorted[i];
      let j = i;
      while (j + 1 < N && sorted[j + 1] === v) j++;
      D = Math.max(D, Math.abs((j + 1) / N - F(v)), Math.abs(F(v - 1) - i / N));
      i = j + 1;
    }
    const ksCritical = 1.9495 / Math.sqrt(N); // alpha = 0.001
    t.true(D < ksCritical, `R=${R}: KS D = ${D.toExponential(3)} (critical ${ksCritical.toExponential(3)} at alpha 0.001)`);

    // Chi-square over 64 bins, nearly equiprobable under the law (integer boundaries).
    const K = 64;
    const bounds = Array.from({ length: K - 1 }, (_, k) => Math.floor(-R * Math.log(1 - (k + 1) / K)));
    const observed = new Array<number>(K).fill(0);
    let b = 0;
    for (const x of sorted) {
      while (b < K - 1 && x > bounds[b]) b++;
      observed[b]++;
    }
    let chi2 = 0;
    for (let k = 0; k < K; k++) {
      const p = (k < K - 1 ? F(bounds[k]) : 1) - (k > 0 ? F(bounds[k - 1]) : 0);
      chi2 += (observed[k] - N * p) ** 2 / (N * p);
    }
    const chiCritical = chi2Quantile(K - 1, 3.0902);
    t.true(chi2 < chiCritical, `R=${R}: chi-square ${chi2.toFixed(1)} with ${K - 1} df (critical ${chiCritical.toFixed(1)} at alpha 0.001)`);
    t.log(`R=${R}: mean ${mean.toFixed(1)} (spec ${s.mean}), max ${max} (${(max / R).toFixed(2)} R), KS D ${D.toExponential(2)}, chi2 ${chi2.toFixed(1)}`);
  }

  // Above the cap the mean is 0x7000000 and every threshold stays below 2^31.
  const capped = thresholds(t, exe, 2 ** 40, 200_000, seed);
  const cm = capped.reduce((a, x) => a + x, 0) / capped.length;
  t.true(Math.abs(cm - MEAN_CAP) < (5 * MEAN_CAP) / Math.sqrt(capped.length), `capped mean ${cm}`);
  t.true(capped.every((x) => x >= 1 && x <= maxDraw(2 ** 40)));
  // Rate 1: the threshold is 0 (no randomness consumed).
  t.true(thresholds(t, exe, 1, 1000, seed).every((x) => x === 0));
  // The same seed gives the same thresholds; another seed others.
  const a = thresholds(t, exe, 16384, 1000, seed);
  t.deepEqual(thresholds(t, exe, 16384, 1000, seed), a);
  t.notDeepEqual(thresholds(t, exe, 16384, 1000, seed + 1n), a);
});

// ---- gc's heapsampling test, ported ------------------------------------------

const HS = 'heapsampling.c';
const INTERLEAVED: HsKind & { first: number } = { leaf: 'allocInterleaved', frames: ['allocInterleaved1', 'allocInterleaved2', 'allocInterleaved3'], sizes: [17 * 1024, 1024, 18 * 1024, 512, 16 * 1024, 256], first: 0 };
const SMALL: HsKind & { first: number } = { leaf: 'allocSmall', frames: ['allocSmall1', 'allocSmall2', 'allocSmall3'], sizes: [1024, 512, 256], first: 3 };

/**
 * heapsampling.go's testInterleavedAllocations / testSmallAllocations: pass as
 * soon as the experiments so far pass, at most three. Returns the experiments
 * run and the records, for the raw-count check.
 */
function heapsampling(t: ExecutionContext, hsRun: (which: number, n: number) => number, kind: typeof INTERLEAVED, iters: number, rate: number, marker: string) {
  let records: MemProfileRecord[] = [];
  let last: ReturnType<typeof checkAllocations> = { err: 'not run', firstLine: 0 };
  let k = 0;
  for (k = 1; k <= 3; k++) {
    t.is(hsRun(kind.first + k - 1, iters), iters);
    records = getMemProfileRecords();
    last = checkAllocations(records, kind.leaf, kind.frames.slice(0, k), iters, kind.sizes, rate);
    t.log(`R=${rate} ${kind.frames[0].replace(/1$/, '')}: experiment ${k}: ${last.err ?? 'pass'}`);
    if (!last.err) break;
  }
  t.is(last.err, null);
  t.is(last.firstLine, line(HS, marker), 'the first allocating line is the marker line');
  return { experiments: Math.min(k, 3), records };
}

const HS_RUNS = [
  { rate: 16 * 1024, iters: 50_000 }, // gc's test
  { rate: 512 * 1024, iters: 2_000_000 }, // gc's default rate; 40x the iterations keeps the 256-byte line at ~1000 samples
];

for (const cc of COMPILERS) {
  for (const { rate, iters } of HS_RUNS) {
    for (const [kind, marker] of [[INTERLEAVED, '@hs:interleaved-first'], [SMALL, '@hs:small-first']] as const) {
      const name = kind === INTERLEAVED ? 'interleaved' : 'small';
      serialWith([ccTool(cc)], `${cc}: gc's heapsampling test (${name}) at R=${rate}: scaled counts per line within 10%, raw counts ~ N(1 - exp(-S/R))`, (t) => {
        const m = mprofModule(cc, HS);
        const hsRun = m.func('hs_run', 'int (int, int)') as (which: number, n: number) => number;
        resetMemProfile();
        setMemProfileRate(rate);
        setMemProfileSeed(seedFor(t, 0x4a5e_0000n + BigInt(rate) + (kind === INTERLEAVED ? 0n : 1n) + (cc === 'gcc' ? 0n : 2n)));
        try {
          const { experiments, records } = heapsampling(t, hsRun, kind, iters, rate, marker);
          checkRawCounts(t, records, kind, experiments, iters, rate, line(HS, marker));
          // Every record is one of ours: the allocating lines under the experiment wrappers.
          const file = mprofSource(HS);
          t.true(records.every((r) => r.frames()[0]?.file === file && r.frames().some((f) => kind.frames.includes(f.function))));
        } finally {
          setMemProfileRate(1);
          resetMemProfile();
        }
      });
    }
  }
}

for (const cc of COMPILERS) {
  testWith([ccTool(cc)], `${cc}: mprof.c's bucket hash and chain are gc's on the spec's vectors (docs/gc-semantics.md §8)`, (t) => {
    t.is(run(t, insideHarness(cc), ['hash']), [
      'hash 0x0092ecfa056c29e9 chain 74792', // stack [0x401000, 0x402000], size 16
      'hash 0x8ca384c5de78e3a0 chain 20145', // stack [0x482ee5, 0x482ece, 0x45d361], size 112
      'hash 0x0000000000000000 chain 0', // empty stack, size 0
      '',
    ].join('\n'));
  });
}

test('scaleHeapSample follows pprof (docs/gc-semantics.md §3.3 examples)', (t) => {
  const scale = (size: number, rate: number) => 1 / (1 - Math.exp(-size / rate));
  for (const [size, want] of [[16, 32768.5], [64, 8192.5], [112, 4681.64], [1024, 512.5], [32768, 16.51]] as const) {
    t.true(Math.abs(scale(size, 524288) - want) < 0.01, `R=512K S=${size}`);
  }
  for (const [size, want] of [[256, 64.5], [512, 32.5], [1024, 16.51], [16384, 1.582], [18432, 1.4807]] as const) {
    t.true(Math.abs(scale(size, 16384) - want) < 0.005, `R=16K S=${size}`);
  }
  t.deepEqual(scaleHeapSample(0, 0, 16384), [0, 0]);
  t.deepEqual(scaleHeapSample(5, 0, 16384), [0, 0]);
  t.deepEqual(scaleHeapSample(3, 300, 1), [3, 300]);
  t.deepEqual(scaleHeapSample(3, 300, 0), [3, 300]);
  // Truncation toward zero of count * scale and size * scale.
  t.deepEqual(scaleHeapSample(10, 10240, 16384), [Math.trunc(10 * scale(1024, 16384)), Math.trunc(10240 * scale(1024, 16384))]);
});
