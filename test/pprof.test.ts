// runtime/pprof's heap output (lib/pprof.ts) read back by the installed Go's
// `go tool pprof`, attribution helpers (lib/attribution.ts), the `profile`
// command and the demo's heap section. Expected values come from the fixture's
// markers and known allocation counts (test/fixtures/pprof/heap.c), and from
// the formulas of docs/gc-semantics.md §3, never from our own output.
//
// Every test here is synchronous: the heap profile is process-wide, and ava
// starts a test only when the one before it returned.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Profile } from 'pprof-format';
import { compile } from '../compiler/toolchain/cc';
import {
  AllocationMismatchError, expectAllocations, heapProfile, isLlgiError, load, memProfileRate,
  scaleHeapSample, setMemProfileRate, siteOf, writeHeapProfile,
  type MemProfileRecord, type Module,
} from '../lib/index';
import { tabwrite } from '../lib/pprof';
import { markerLine, runCli } from './helpers/cli';
import { compilerPath, type Compiler } from './helpers/fixtures';
import { COMPILERS, INCLUDE, MODULE_H, ccTool, entryOf } from './helpers/live';
import { testWith, tools } from './helpers/tools';
import { goEnv, parseTop, pprof } from './helpers/gotool';
import { profileAt } from './helpers/mprof';

const SRC = path.join(__dirname, 'fixtures', 'pprof', 'heap.c');
const TEXT = fs.readFileSync(SRC, 'utf8');
const lineOf = (marker: string) => markerLine(SRC, TEXT, marker);
const SMALL = 32;
const BIG = 256;

const built = new Map<Compiler, Module>();
function fixture(cc: Compiler): Module {
  let m = built.get(cc);
  if (!m) {
    const digest = createHash('sha256').update(fs.readFileSync(MODULE_H)).digest('hex').slice(0, 16);
    const so = compile({
      compiler: compilerPath(cc), sources: [SRC], kind: 'shared', name: `pprof-heap-${cc}`,
      flags: [`-I${INCLUDE}`, `-DPPROF_HEADERS=0x${digest}`],
    });
    m = load(so);
    built.set(cc, m);
  }
  return m;
}

const call = (m: Module, fn: string, arg: number) => (m.func(fn, 'int (int)') as (x: number) => number)(arg);

/** Runs fn at `rate` from an empty profile; gc() publishes; the records as runtime/pprof reads them. */
const profiled = profileAt;

function tmpFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-pprof-'));
  return path.join(dir, name);
}


interface RawLine { function: string; file: string; line: number }
interface Raw {
  periodType: string;
  period: number;
  sampleTypes: string[];
  samples: { values: number[]; locations: number[]; labels: string[] }[];
  locations: Map<number, { address: bigint; mapping: number; lines: RawLine[] }>;
  mappings: { id: number; start: bigint; limit: bigint; offset: bigint; file: string; buildId: string; flags: string }[];
}

/** Parses `go tool pprof -raw`. */
function parseRaw(out: string): Raw {
  const raw: Raw = { periodType: '', period: NaN, sampleTypes: [], samples: [], locations: new Map(), mappings: [] };
  let section = '';
  let loc: { address: bigint; mapping: number; lines: RawLine[] } | undefined;
  const lineOfRaw = (s: string): RawLine => {
    const m = /^(\S+) (.*):(\d+):\d+ s=\d+$/.exec(s.trim());
    if (!m) throw new Error(`unexpected pprof -raw line ${JSON.stringify(s)}`);
    return { function: m[1], file: m[2], line: Number(m[3]) };
  };
  for (const l of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^PeriodType: (.*)$/.exec(l))) raw.periodType = m[1].trim();
    else if ((m = /^Period: (\d+)$/.exec(l))) raw.period = Number(m[1]);
    else if (/^(Samples|Locations|Mappings):?$/.test(l)) section = l.replace(':', '');
    else if (section === 'Samples' && !raw.sampleTypes.length && /\//.test(l)) raw.sampleTypes = l.trim().split(/\s+/);
    else if (section === 'Samples' && (m = /^\s*([-\d\s]+):([\d\s]*)$/.exec(l))) {
      raw.samples.push({ values: m[1].trim().split(/\s+/).map(Number), locations: m[2].trim().split(/\s+/).filter(Boolean).map(Number), labels: [] });
    } else if (section === 'Samples' && /^\s+\S+:\[/.test(l)) raw.samples[raw.samples.length - 1].labels.push(l.trim());
    else if (section === 'Locations' && (m = /^\s*(\d+): (0x[0-9a-f]+) M=(\d+) ?(.*)$/.exec(l))) {
      loc = { address: BigInt(m[2]), mapping: Number(m[3]), lines: m[4].trim() ? [lineOfRaw(m[4])] : [] };
      raw.locations.set(Number(m[1]), loc);
    } else if (section === 'Locations' && l.trim() && loc) loc.lines.push(lineOfRaw(l));
    else if (section === 'Mappings' && (m = /^(\d+): (0x[0-9a-f]+)\/(0x[0-9a-f]+)\/(0x[0-9a-f]+) ?(\S*) ?(\S*) ?(.*)$/.exec(l))) {
      raw.mappings.push({ id: Number(m[1]), start: BigInt(m[2]), limit: BigInt(m[3]), offset: BigInt(m[4]), file: m[5], buildId: m[6], flags: m[7].trim() });
    }
  }
  return raw;
}

/** docs/gc-semantics.md §3.3, written out here independently of lib/pprof.ts. */
function specScale(count: number, size: number, rate: number): [number, number] {
  if (count === 0 || size === 0) return [0, 0];
  if (rate <= 1) return [count, size];
  const scale = 1 / (1 - Math.exp(-(size / count) / rate));
  return [Math.trunc(count * scale), Math.trunc(size * scale)];
}

/** The logical frames (function, line) the fixture's markers give each pc of run(n)'s records. */
function runGroups() {
  return {
    big: [[{ function: 'big_block', file: SRC, line: lineOf('@pprof:big') }, { function: 'pprof_run', file: SRC, line: lineOf('@pprof:run->big') }]],
    small: [
      [{ function: 'small_block', file: SRC, line: lineOf('@pprof:small') }],
      [{ function: 'pprof_leaf', file: SRC, line: lineOf('@pprof:leaf->small') }],
      [{ function: 'pprof_run', file: SRC, line: lineOf('@pprof:run->leaf') }],
    ],
  };
}

/** The record whose allocating function is `fn`. */
function recordOf(t: ExecutionContext, records: MemProfileRecord[], fn: string): MemProfileRecord {
  const r = records.filter((x) => x.frames()[0]?.function === fn);
  t.is(r.length, 1, `one record allocates in ${fn}`);
  return r[0];
}

test('scaleHeapSample is docs/gc-semantics.md §3.3', (t) => {
  // §8's vectors.
  t.deepEqual(scaleHeapSample(1, 64, 524288), [8192, 524320]);
  t.deepEqual(scaleHeapSample(3029, 3101696, 16384), [49994, 51194137]);
  t.deepEqual(scaleHeapSample(0, 100, 524288), [0, 0]);
  t.deepEqual(scaleHeapSample(5, 0, 524288), [0, 0]);
  t.deepEqual(scaleHeapSample(7, 700, 1), [7, 700]);
  t.deepEqual(scaleHeapSample(7, 700, 0), [7, 700]);
  t.deepEqual(scaleHeapSample(7, 700, -5), [7, 700]);
  // §3.3's scale factors, one sample of S bytes: count' = trunc(scale), size' = trunc(S * scale).
  const scales: [number, number, number][] = [
    [524288, 16, 32768.5], [524288, 64, 8192.5], [524288, 112, 4681.64], [524288, 1024, 512.5], [524288, 32768, 16.51],
    [16384, 256, 64.5], [16384, 512, 32.5], [16384, 1024, 16.51], [16384, 16384, 1.582], [16384, 18432, 1.4807],
  ];
  for (const [rate, size, scale] of scales) {
    const n = 100000;
    const [c, b] = scaleHeapSample(n, n * size, rate);
    t.true(Math.abs(c / n - scale) < 0.01, `R=${rate} S=${size}: scale ${c / n}, spec ${scale}`);
    t.deepEqual([c, b], specScale(n, n * size, rate), `R=${rate} S=${size}`);
  }
});

for (const cc of COMPILERS) {
  testWith([ccTool(cc), 'go'], `${cc}: go tool pprof reads the profile.proto of pprof_run(5) at rate 1`, (t) => {
    const m = fixture(cc);
    const records = profiled(1, () => call(m, 'pprof_run', 5));
    const file = tmpFile('heap.pb.gz');
    const bytes = writeHeapProfile(file, { records, rate: 1 });
    t.deepEqual(fs.readFileSync(file), bytes);

    // pprof_run(5): 15 small blocks (5 freed) under pprof_leaf, 10 big ones inlined into pprof_run.
    const allocs = parseTop(pprof(['-top', '-sample_index=alloc_objects'], file));
    t.like(Object.fromEntries(allocs), {
      small_block: { flat: 15, cum: 15 }, 'big_block (inline)': { flat: 10, cum: 10 }, pprof_leaf: { flat: 0, cum: 15 }, pprof_run: { flat: 0, cum: 25 },
    });
    t.is(allocs.size, 4, [...allocs.keys()].join(', '));
    const inuse = parseTop(pprof(['-top', '-sample_index=inuse_objects'], file));
    t.like(Object.fromEntries(inuse), { small_block: { flat: 10 }, 'big_block (inline)': { flat: 10 }, pprof_run: { cum: 20 } });

    const traces = pprof(['-traces', '-sample_index=alloc_objects'], file).split(/^-+\+-+$/m).map((s) => s.trim()).filter((s) => /^bytes:/.test(s));
    const stacks = traces.map((s) => s.split('\n').slice(1).map((l) => l.trim().replace(/^\d+\s+/, '')));
    t.deepEqual(stacks.sort(), [['big_block (inline)', 'pprof_run'], ['small_block', 'pprof_leaf', 'pprof_run']].sort());

    const raw = parseRaw(pprof(['-raw'], file));
    t.is(raw.periodType, 'space bytes');
    t.is(raw.period, 1);
    t.deepEqual(raw.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
    const byValues = new Map(raw.samples.map((s) => [s.values.join(' '), s]));
    t.is(raw.samples.length, 2);
    const small = byValues.get(`15 ${15 * SMALL} 10 ${10 * SMALL}`);
    const big = byValues.get(`10 ${10 * BIG} 10 ${10 * BIG}`);
    if (!small || !big) return t.fail(`samples: ${[...byValues.keys()].join(' | ')}`);
    t.deepEqual(small.labels, [`bytes:[${SMALL}]`]);
    t.deepEqual(big.labels, [`bytes:[${BIG}]`]);

    // Locations: address = return pc - 1, inlined calls as extra lines (leaf first), mapping = the module's text.
    const so = fs.realpathSync(m.path);
    // One mapping per loaded module (the other compiler's fixture may be loaded too);
    // has_functions only where locations were attributed, all symbolized.
    const map = raw.mappings.find((x) => x.file === so);
    if (!map) return t.fail(`no mapping for ${so}: ${JSON.stringify(raw.mappings.map((x) => x.file))}`);
    t.like(map, { buildId: m.buildId ?? '', flags: '[FN]' });
    t.truthy(m.buildId);
    for (const other of raw.mappings.filter((x) => x !== map)) t.is(other.flags, '', other.file);
    const groups = runGroups();
    for (const [sample, fn, want] of [[small, 'small_block', groups.small], [big, 'pprof_run', groups.big]] as const) {
      const rec = recordOf(t, records, fn === 'pprof_run' ? 'big_block' : fn);
      t.is(sample.locations.length, rec.stack.length, `${fn}: one location per pc`);
      sample.locations.forEach((id, i) => {
        const loc = raw.locations.get(id)!;
        t.is(loc.address, rec.stack[i] - 1n, `${fn}: location ${id} address`);
        t.is(loc.mapping, map.id);
        t.true(rec.stack[i] >= map.start && rec.stack[i] < map.limit, 'the mapping holds the pc');
        t.deepEqual(loc.lines, want[i], `${fn}: location ${id} lines`);
      });
    }
  });
}

testWith(['gcc', 'go'], 'recursion: one location per pc, reused for a repeated pc', (t) => {
  const m = fixture('gcc');
  const records = profiled(1, () => call(m, 'pprof_deep', 3));
  const file = tmpFile('deep.pb.gz');
  writeHeapProfile(file, { records, rate: 1 });
  const raw = parseRaw(pprof(['-raw'], file));
  t.is(raw.samples.length, 1);
  const ids = raw.samples[0].locations;
  // small_block <- pprof_deep(0) <- pprof_deep(1..3): the three recursive return pcs are one pc.
  t.is(ids.length, 5);
  t.is(new Set(ids).size, 3);
  t.deepEqual(ids.slice(2), [ids[2], ids[2], ids[2]]);
  t.deepEqual(ids.map((id) => raw.locations.get(id)!.lines), [
    [{ function: 'small_block', file: SRC, line: lineOf('@pprof:small') }],
    [{ function: 'pprof_deep', file: SRC, line: lineOf('@pprof:deep->small') }],
    ...Array(3).fill([{ function: 'pprof_deep', file: SRC, line: lineOf('@pprof:deep->deep') }]),
  ]);
  t.deepEqual(raw.samples[0].values, [1, SMALL, 1, SMALL]);
});

testWith(['gcc'], "profile.proto: gc's field order, string table and gzip", (t) => {
  const m = fixture('gcc');
  const records = profiled(1, () => call(m, 'pprof_run', 2));
  const gz = heapProfile({ records, rate: 1 });
  t.deepEqual([...gz.subarray(0, 2)], [0x1f, 0x8b]);
  const pb = zlib.gunzipSync(gz);
  // Top-level fields in emission order (§3.2).
  const tags: number[] = [];
  let i = 0;
  const varint = () => {
    let v = 0n;
    for (let s = 0n; ; s += 7n) {
      const b = pb[i++];
      v |= BigInt(b & 0x7f) << s;
      if (b < 0x80) return v;
    }
  };
  while (i < pb.length) {
    const key = Number(varint());
    tags.push(key >> 3);
    if ((key & 7) === 2) {
      const len = Number(varint());
      i += len;
    }
    else varint();
  }
  t.regex(tags.join(','), /^11,12,1,1,1,1,(4,(5,)*)+2,(4,(5,)*)*2,9,(3,)+(6,)*6$/);
  const p = Profile.decode(pb);
  t.deepEqual(p.stringTable.strings.slice(0, 8), ['', 'space', 'bytes', 'alloc_objects', 'count', 'alloc_space', 'inuse_objects', 'inuse_space']);
  // Functions keyed by name, ids by first use, system_name = name.
  const names = p.function.map((f) => p.stringTable.strings[Number(f.name)]);
  t.is(new Set(names).size, names.length);
  for (const f of p.function) t.is(f.systemName, f.name);
  t.deepEqual(p.function.map((f) => Number(f.id)), names.map((_, k) => k + 1));
  t.deepEqual(p.location.map((l) => Number(l.id)), p.location.map((_, k) => k + 1));
  t.is(Number(p.period), 1);
  const now = BigInt(Date.now()) * 1000000n;
  t.true(BigInt(p.timeNanos) <= now && BigInt(p.timeNanos) > now - 60n * 1000000000n, 'time_nanos is now');
  // Mapping strings come last; one mapping per loaded module.
  const files = p.mapping.map((x) => p.stringTable.strings[Number(x.filename)]);
  t.true(files.includes(fs.realpathSync(m.path)), files.join(', '));
  const lastFunctionString = Math.max(...p.function.flatMap((f) => [Number(f.name), Number(f.filename)]));
  for (const x of p.mapping) t.true(Number(x.filename) > lastFunctionString);
});

testWith(['gcc', 'go'], "legacy text: gc's debug=1 format, read by go tool pprof", (t) => {
  const m = fixture('gcc');
  const records = profiled(1, () => call(m, 'pprof_run', 5));
  const file = tmpFile('heap.txt');
  const text = writeHeapProfile(file, { records, rate: 1, format: 'text' }).toString();
  const lines = text.split('\n');
  t.is(lines[0], `heap profile: 20: ${10 * SMALL + 10 * BIG} [25: ${15 * SMALL + 10 * BIG}] @ heap/2`);
  // Records by inuse bytes, largest first: the big blocks, then the small ones.
  const big = recordOf(t, records, 'big_block');
  const small = recordOf(t, records, 'small_block');
  const hex = (v: bigint) => `0x${v.toString(16)}`;
  const cells = (l: string) => l.split(/\t+/);
  const runEntry = entryOf(m, 'pprof_run');
  t.is(lines[1], `10: ${10 * BIG} [10: ${10 * BIG}] @ ${hex(big.stack[0])}`);
  t.deepEqual(cells(lines[2]), ['#', hex(big.stack[0] - 1n), `big_block+${hex(big.stack[0] - 1n - runEntry)}`, `${SRC}:${lineOf('@pprof:big')}`]);
  t.deepEqual(cells(lines[3]), ['#', hex(big.stack[0] - 1n), `pprof_run+${hex(big.stack[0] - 1n - runEntry)}`, `${SRC}:${lineOf('@pprof:run->big')}`]);
  t.is(lines[4], '');
  t.is(lines[5], `10: ${10 * SMALL} [15: ${15 * SMALL}] @ ${small.stack.map(hex).join(' ')}`);
  const want = [['small_block', '@pprof:small'], ['pprof_leaf', '@pprof:leaf->small'], ['pprof_run', '@pprof:run->leaf']];
  want.forEach(([fn, marker], k) => {
    const pc = small.stack[k] - 1n;
    t.deepEqual(cells(lines[6 + k]), ['#', hex(pc), `${fn}+${hex(pc - entryOf(m, fn))}`, `${SRC}:${lineOf(marker)}`]);
  });
  t.deepEqual(lines.slice(9), ['', '', lines[11], '']);
  t.regex(lines[11], /^# MaxRSS = [1-9]\d*$/);

  const raw = parseRaw(pprof(['-raw'], file));
  t.is(raw.period, 1);
  t.deepEqual(raw.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
  t.deepEqual(raw.samples.map((s) => s.values), [[10, 10 * BIG, 10, 10 * BIG], [15, 15 * SMALL, 10, 10 * SMALL]]);
  t.deepEqual(raw.samples.map((s) => s.locations.map((id) => raw.locations.get(id)!.address)), [big.stack, small.stack].map((s) => s.map((pc) => pc - 1n)));
  t.deepEqual(raw.samples.map((s) => s.labels), [[`bytes:[${BIG}]`], [`bytes:[${SMALL}]`]]);
});

/** Go's text/tabwriter with runtime/pprof's settings, over stdin. */
function goTabwriter(input: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-tabwriter-'));
  fs.writeFileSync(path.join(dir, 'main.go'), `package main

import (
	"io"
	"os"
	"text/tabwriter"
)

func main() {
	w := tabwriter.NewWriter(os.Stdout, 1, 8, 1, '\\t', 0)
	io.Copy(w, os.Stdin)
	w.Flush()
}
`);
  const r = spawnSync(tools.go!, ['run', 'main.go'], { cwd: dir, input, encoding: 'utf8', env: goEnv() });
  if (r.status !== 0) throw new Error(`go run exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

testWith(['gcc', 'go'], "tabwrite is Go's text/tabwriter with runtime/pprof's settings", (t) => {
  const m = fixture('gcc');
  const records = profiled(1, () => {
    call(m, 'pprof_run', 3);
    call(m, 'pprof_deep', 2);
  });
  const profile = heapProfile({ records, rate: 1, format: 'text' }).toString();
  const cases = [
    profile.replace(/\t+/g, '\t'),
    '#\t0x1\tshort\ta\n#\t0x10\tabcdefghijklmnopqrstuvwxyz\tb\nno tabs\n#\t0x2\tabcdefghijklmnopq\tc\n',
    'a\tb\tc\td\nlonger cell\tb\nx\ty\tz\n\n\t\tempty cells\n\tπλάτος\tβ\n',
    '1234567\t12345678\t123456789\tend\n',
  ];
  for (const c of cases) t.is(tabwrite(c), goTabwriter(c), JSON.stringify(c.slice(0, 60)));
  t.is(tabwrite(cases[0]), profile);
});

testWith(['gcc', 'go'], 'rate > 1: sample values are scaleHeapSample of the raw counts, period = rate', (t) => {
  const m = fixture('gcc');
  // Counts known exactly (taken at rate 1), written as if sampled at gc's default rate.
  const exact = profiled(1, () => call(m, 'pprof_run', 5));
  const R = 524288;
  const proto = tmpFile('scaled.pb.gz');
  writeHeapProfile(proto, { records: exact, rate: R });
  const raw = parseRaw(pprof(['-raw'], proto));
  t.is(raw.period, R);
  const want = (r: MemProfileRecord) => [...specScale(r.allocObjects, r.allocBytes, R), ...specScale(r.inUseObjects, r.inUseBytes, R)];
  t.deepEqual(raw.samples.map((s) => s.values).sort(), exact.map(want).sort());
  // S = 32 at R = 524288: scale 16384.5; 15 samples -> 245767 objects.
  t.true(raw.samples.some((s) => s.values[0] === 245767 && s.values[1] === 245767 * 32 + 16), JSON.stringify(raw.samples.map((s) => s.values)));
  // The legacy text says heap/2R, and pprof's own scaling of it gives the same estimates.
  const text = tmpFile('scaled.txt');
  const body = writeHeapProfile(text, { records: exact, rate: R, format: 'text' }).toString();
  t.regex(body, new RegExp(`^heap profile: 20: ${10 * SMALL + 10 * BIG} \\[25: ${15 * SMALL + 10 * BIG}\\] @ heap/${2 * R}\\n`));
  const fromText = parseRaw(pprof(['-raw'], text));
  t.is(fromText.period, R);
  t.deepEqual(fromText.samples.map((s) => s.values).sort(), exact.map(want).sort());

  // A real sampled run: 2000 allocations of 256 bytes at R = 4096 (p = 6.1%).
  const rate = 4096;
  const sampled = profiled(rate, () => call(m, 'pprof_many', 2000), 42);
  t.true(sampled.length > 0 && sampled[0].allocObjects > 40 && sampled[0].allocObjects < 250, `${sampled[0]?.allocObjects} samples`);
  const file = tmpFile('sampled.pb.gz');
  writeHeapProfile(file, { records: sampled, rate });
  const got = parseRaw(pprof(['-raw'], file));
  t.is(got.period, rate);
  t.deepEqual(got.samples.map((s) => s.values), sampled.map((r) => [...specScale(r.allocObjects, r.allocBytes, rate), ...specScale(r.inUseObjects, r.inUseBytes, rate)]));
  // The default rate is the current MemProfileRate.
  const old = memProfileRate();
  setMemProfileRate(rate);
  try {
    t.is(Number(Profile.decode(zlib.gunzipSync(heapProfile({ records: sampled }))).period), rate);
  } finally {
    setMemProfileRate(old);
  }
});

testWith(['gcc'], 'expectAllocations: per line and per function, with a want/got table on a mismatch', (t) => {
  const m = fixture('gcc');
  const records = profiled(1, () => {
    call(m, 'pprof_run', 5);
    call(m, 'pprof_deep', 2);
  });
  const small = siteOf(SRC, '@pprof:small');
  t.is(small, `${SRC}:${lineOf('@pprof:small')}`);
  expectAllocations(records, {
    [small]: { objects: 16, bytes: 16 * SMALL, inUseObjects: 11, inUseBytes: 11 * SMALL },
    [`heap.c:${lineOf('@pprof:big')}`]: { objects: 10, bytes: 10 * BIG },
    [`pprof/heap.c:${lineOf('@pprof:run->big')}`]: { objects: 0 },
    big_block: { objects: 10 },
    pprof_run: { objects: 0 },
    nowhere: { objects: 0, bytes: 0 },
  });
  expectAllocations(records, { pprof_run: { objects: 25 }, pprof_deep: { objects: 1 }, [`heap.c:${lineOf('@pprof:run->leaf')}`]: { objects: 15, inUseObjects: 10 } }, { frame: 'any' });
  expectAllocations(records, { [small]: { objects: 17 } }, { tolerance: 0.1 });
  const [so, sb] = specScale(16, 16 * SMALL, 524288);
  expectAllocations(records, { [small]: { objects: so, bytes: sb } }, { rate: 524288 });

  const e = t.throws(() => expectAllocations(records, { [small]: { objects: 15, bytes: 16 * SMALL }, big_block: { inUseObjects: 9 } }));
  t.true(e instanceof AllocationMismatchError && isLlgiError(e) && (e.code as string) === 'LLGI_ASSERTION');
  t.regex(e!.message, /expectAllocations: 2 of 3 values differ \(raw sample counts, allocating frame\)/);
  t.regex(e!.message, new RegExp(`${small.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+objects\\s+15\\s+16\\s+<- differs`));
  t.regex(e!.message, /big_block\s+inUseObjects\s+9\s+10\s+<- differs/);
  t.notRegex(e!.message.split('\n').find((l) => /\sbytes\s/.test(l)) ?? '', /differs/);
  t.like((e as AllocationMismatchError).actual[small], { objects: 16 });
  t.throws(() => siteOf(SRC, '@pprof:no-such-marker'), { code: 'LLGI_BAD_ARGUMENT' });
});

testWith(['gcc', 'go'], 'cli profile: writes a profile go tool pprof reads and prints the top lines', (t) => {
  const so = fixture('gcc').path;
  const out = tmpFile('cli.pb.gz');
  const r = runCli(['profile', so, '--call', 'pprof_run', '--arg', '4', '--rate', '1', '-o', out]);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^pprof_run\(4\) = 20$/m);
  t.regex(r.stdout, /profile\.proto, rate 1, 2 record\(s\)/);
  t.regex(r.stdout, new RegExp(`^\\s+8\\s+${8 * BIG}\\s+8\\s+${8 * BIG}\\s+heap\\.c:${lineOf('@pprof:big')} big_block$`, 'm'));
  t.regex(r.stdout, new RegExp(`^\\s+12\\s+${12 * SMALL}\\s+8\\s+${8 * SMALL}\\s+heap\\.c:${lineOf('@pprof:small')} small_block$`, 'm'));
  t.like(Object.fromEntries(parseTop(pprof(['-top', '-sample_index=alloc_objects'], out))), { small_block: { flat: 12 }, 'big_block (inline)': { flat: 8 } });

  const text = runCli(['profile', so, '--call', 'pprof_deep', '--arg', '1', '--rate', '1', '--text', '-o', '-']);
  t.is(text.status, 0, text.stderr);
  t.regex(text.stdout, /^heap profile: 1: 32 \[1: 32\] @ heap\/2\n/);
  t.regex(text.stderr, /^pprof_deep\(1\) = 2$/m);
});

testWith(['gcc'], 'cli profile: usage errors exit 2, typed errors 1', (t) => {
  const so = fixture('gcc').path;
  for (const args of [['profile'], ['profile', so], ['profile', so, '--call', 'pprof_run', '--arg', 'x'], ['profile', so, '--call', 'f', '--rate', '1.5'], ['profile', so, 'other.so', '--call', 'f'], ['profile', so, '--cal', 'f']]) {
    const r = runCli(args);
    t.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /usage: llgo-introspect/);
  }
  const missing = runCli(['profile', '/nonexistent/lib.so', '--call', 'f']);
  t.is(missing.status, 1);
  t.regex(missing.stderr, /\[LLGI_IO\]/);
  const nofn = runCli(['profile', so, '--call', 'no_such_function']);
  t.is(nofn.status, 1);
  t.regex(nofn.stderr, /exports no function no_such_function \[LLGI_BAD_ARGUMENT\]/);
});

testWith(['gcc'], 'demo: the heap profile section shows demo_heap(10) at its marker line', (t) => {
  const src = path.join(__dirname, '..', 'examples', 'demo.c');
  const line = markerLine(src, fs.readFileSync(src, 'utf8'), '@demo:alloc');
  const r = runCli(['demo']);
  t.is(r.status, 0, r.stderr);
  const heap = r.stdout.slice(r.stdout.indexOf('== heap profile'));
  t.regex(heap, /^== heap profile: demo_heap\(10\) at MemProfileRate 1.*1 record/);
  t.regex(heap, new RegExp(`^\\s+10\\s+640\\s+10\\s+640\\s+demo\\.c:${line} demo_heap$`, 'm'));
  t.regex(heap, new RegExp(`^demo_heap\\n\\t.*demo\\.c:${line}$`, 'm'));
});
