// The table cache (docs/table-cache.md): hits and misses, a rebuilt binary, damaged
// and truncated cache files, concurrent writers, a read-only or disabled cache, and
// where the directory is. Every answer, cached or built, is checked against
// llvm-symbolizer-19.

import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile, STT_FUNC } from '../compiler/elf';
import { compile } from '../compiler/toolchain/cc';
import { Symbolizer, load } from '../lib/index';
import { CACHE_ENV, tableCacheDir } from '../lib/table-store';
import { BUILDER_REVISION } from '../compiler/table/revision';
import { compilerPath, symFixture } from './helpers/fixtures';
import { llvmSymbolize } from './helpers/oracle';
import { runCli } from './helpers/cli';
import { testWith } from './helpers/tools';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-tcache-'));
let serial = 0;
const freshDir = () => path.join(tmp, `cache${serial++}`);
const cacheFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
const CHILD = path.join(__dirname, 'fixtures', 'cache', 'open.ts');

/** Every function's entry, entry+1 and last byte. */
function sample(bin: string): number[] {
  return ElfFile.open(bin).symbols().filter((s) => s.type === STT_FUNC && s.size > 0 && s.shndx > 0)
    .flatMap((s) => [s.value, s.value + 1, s.value + s.size - 1]);
}

/** The innermost frames llvm-symbolizer-19 gives, as [function, file, line] ('?' for no file). */
function oracle(bin: string, addrs: number[]): [string, string, number][] {
  return llvmSymbolize(bin, addrs).map((fr) => [fr[0].function, fr[0].file || '?', fr[0].line]);
}

function agrees(t: ExecutionContext, sym: Symbolizer, bin: string): void {
  const addrs = sample(bin);
  t.true(addrs.length >= 6);
  t.deepEqual(sym.symbolize(addrs).map((fr) => [fr[0].function, fr[0].file, fr[0].line]), oracle(bin, addrs));
}

function child(bin: string, addrs: number[], env: NodeJS.ProcessEnv, extra: { uid?: number; gid?: number } = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, bin, ...addrs.map(String)], {
    encoding: 'utf8', env: { ...process.env, ...env }, ...extra,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { source: string; frames: [string, string, number][][] };
}

testWith(['gcc', 'llvmSymbolizer'], 'a miss builds and stores the table with its report; the next open adopts it and answers the same', (t) => {
  const bin = symFixture('gcc');
  const dir = freshDir();
  const first = Symbolizer.open(bin, { cacheDir: dir });
  t.is(first.source, 'built');
  t.deepEqual(cacheFiles(dir), [`${first.buildId}-${fs.statSync(bin).size}.v3.r${BUILDER_REVISION}.llgi`]);
  const again = Symbolizer.open(bin, { cacheDir: dir });
  t.is(again.source, 'cache');
  t.deepEqual(again.report, first.report, 'the build report is kept with the table');
  t.is(again.buildId, first.buildId);
  agrees(t, again, bin);
  agrees(t, first, bin);
});

testWith(['gcc', 'llvmSymbolizer'], 'a binary rebuilt at the same path (new build-id) misses and answers for its new code', (t) => {
  const src = (body: string) => {
    const f = path.join(tmp, `stale${serial++}.c`);
    fs.writeFileSync(f, body);
    return compile({ compiler: compilerPath('gcc'), sources: [f], kind: 'shared', name: 'stale' });
  };
  const a = src('int stale_fn(int x) {\n  return x * 3;\n}\n');
  const b = src('\n\n\n\nint stale_fn(int x) {\n  return x * 5 + 1;\n}\nint other_fn(int y) { return y - 1; }\n');
  const bin = path.join(tmp, 'libstale.so');
  const dir = freshDir();
  fs.copyFileSync(a, bin);
  t.is(Symbolizer.open(bin, { cacheDir: dir }).source, 'built');
  t.is(Symbolizer.open(bin, { cacheDir: dir }).source, 'cache');
  fs.copyFileSync(b, bin);
  const sym = Symbolizer.open(bin, { cacheDir: dir });
  t.is(sym.source, 'built', 'another build-id is another table');
  agrees(t, sym, bin);
  t.is(cacheFiles(dir).length, 2);
});

for (const [what, damage] of [
  ['a byte of the table changed', (f: string) => {
    const b = fs.readFileSync(f);
    b[200] ^= 0x40;
    fs.writeFileSync(f, b);
  }],
  ['the file truncated', (f: string) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2))],
  ['the file emptied', (f: string) => fs.writeFileSync(f, '')],
  ['the trailer naming a longer table', (f: string) => {
    const b = fs.readFileSync(f);
    b.writeUInt32LE(b.readUInt32LE(b.length - 16) + 8, b.length - 16);
    fs.writeFileSync(f, b);
  }],
] as const) {
  testWith(['gcc', 'llvmSymbolizer'], `a damaged cache file (${what}) is rebuilt and replaced, without an error`, (t) => {
    const bin = symFixture('gcc');
    const dir = freshDir();
    Symbolizer.open(bin, { cacheDir: dir });
    const [name] = cacheFiles(dir);
    damage(path.join(dir, name));
    const sym = Symbolizer.open(bin, { cacheDir: dir });
    t.is(sym.source, 'built');
    t.deepEqual(sym.report?.warnings, []);
    agrees(t, sym, bin);
    t.is(Symbolizer.open(bin, { cacheDir: dir }).source, 'cache', 'the file was replaced by a good one');
    t.deepEqual(cacheFiles(dir), [name]);
  });
}

testWith(['gcc', 'llvmSymbolizer'], 'concurrent processes on an empty cache all answer right and leave one whole file, no temporary files', async (t) => {
  const bin = symFixture('gcc');
  const dir = freshDir();
  const addrs = sample(bin);
  const want = oracle(bin, addrs);
  const runs = await Promise.all(Array.from({ length: 6 }, () => new Promise<{ source: string; frames: [string, string, number][][] }>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, bin, ...addrs.map(String)], { env: { ...process.env, [CACHE_ENV]: dir } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${code}: ${err}`))));
  })));
  for (const r of runs) t.deepEqual(r.frames.map((fr) => fr[0]), want);
  t.true(runs.some((r) => r.source === 'built'));
  const files = cacheFiles(dir);
  t.is(files.length, 1, files.join(' '));
  const sym = Symbolizer.open(bin, { cacheDir: dir });
  t.is(sym.source, 'cache');
  agrees(t, sym, bin);
});

testWith(['gcc', 'llvmSymbolizer'], 'a read-only cache directory: tables are built, answers are right, nothing is written and nothing fails', (t) => {
  const bin = symFixture('gcc');
  const dir = freshDir();
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o555);
  fs.chmodSync(tmp, 0o755); // mkdtemp's 0700 would keep nobody out of the directory altogether
  // Root writes anywhere: the child then runs as nobody, for whom the mode holds.
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const addrs = sample(bin);
  const want = oracle(bin, addrs);
  for (let i = 0; i < 2; i++) {
    const r = child(bin, addrs, { [CACHE_ENV]: dir, HOME: tmp }, asNobody);
    t.is(r.source, 'built');
    t.deepEqual(r.frames.map((fr) => fr[0]), want);
  }
  t.deepEqual(cacheFiles(dir), []);
});

testWith(['gcc'], 'the cache turned off (option false, LLGI_TABLE_CACHE=off) reads and writes nothing', (t) => {
  const bin = symFixture('gcc');
  const dir = freshDir();
  Symbolizer.open(bin, { cacheDir: dir });
  t.is(Symbolizer.open(bin, { cacheDir: false }).source, 'built');
  t.is(child(bin, [], { [CACHE_ENV]: 'off' }).source, 'built');
  const home = path.join(tmp, `home${serial++}`);
  t.is(child(bin, [], { [CACHE_ENV]: '0', XDG_CACHE_HOME: home }).source, 'built');
  t.false(fs.existsSync(home));
});

test('the cache directory: option, then LLGI_TABLE_CACHE, then an absolute XDG_CACHE_HOME, then ~/.cache', (t) => {
  const saved = { env: process.env[CACHE_ENV], xdg: process.env.XDG_CACHE_HOME };
  try {
    process.env[CACHE_ENV] = '/x/env';
    process.env.XDG_CACHE_HOME = '/x/xdg';
    t.is(tableCacheDir('/x/opt'), '/x/opt');
    t.is(tableCacheDir(false), null);
    t.is(tableCacheDir(), '/x/env');
    process.env[CACHE_ENV] = 'OFF';
    t.is(tableCacheDir(), null);
    delete process.env[CACHE_ENV];
    t.is(tableCacheDir(), '/x/xdg/llgo-introspect/tables');
    process.env.XDG_CACHE_HOME = 'relative/ignored';
    t.is(tableCacheDir(), path.join(os.homedir(), '.cache', 'llgo-introspect', 'tables'));
  } finally {
    for (const [k, v] of [[CACHE_ENV, saved.env], ['XDG_CACHE_HOME', saved.xdg]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

testWith(['gcc'], 'XDG_CACHE_HOME places the cache of a process that sets nothing else', (t) => {
  const bin = symFixture('gcc');
  const home = path.join(tmp, `xdg${serial++}`);
  const env = { [CACHE_ENV]: '', XDG_CACHE_HOME: home };
  t.is(child(bin, [], env).source, 'built');
  t.is(cacheFiles(path.join(home, 'llgo-introspect', 'tables')).length, 1);
  t.is(child(bin, [], env).source, 'cache');
});

testWith(['gcc', 'llvmSymbolizer'], 'a degraded build (corrupt DWARF) is not cached and does not answer for the intact binary', (t) => {
  const bin = symFixture('gcc');
  const dir = freshDir();
  const elf = ElfFile.open(bin);
  const b = Buffer.from(elf.buf);
  b.writeUInt32LE(0xfffffff0, elf.section('.debug_info')!.offset);
  const bad = path.join(tmp, 'corrupt.so');
  fs.writeFileSync(bad, b);
  const sym = Symbolizer.open(bad, { cacheDir: dir });
  t.true(sym.report!.warnings.length > 0);
  t.deepEqual(cacheFiles(dir), []);
  t.is(Symbolizer.open(bad, { cacheDir: dir }).source, 'built', 'every open reports the damage again');
  const good = Symbolizer.open(bin, { cacheDir: dir });
  t.is(good.source, 'built');
  agrees(t, good, bin);
});

testWith(['gcc'], 'a binary without a build-id is never cached', (t) => {
  const bin = symFixture('gcc', ['-Wl,--build-id=none']);
  const dir = freshDir();
  const sym = Symbolizer.open(bin, { cacheDir: dir });
  t.is(sym.buildId, null);
  t.is(Symbolizer.open(bin, { cacheDir: dir }).source, 'built');
  t.deepEqual(cacheFiles(dir), []);
});

testWith(['gcc'], 'load() shares the cache with Symbolizer.open: a table stored by one is adopted by the other', (t) => {
  const bin = path.join(tmp, 'shared-cache.so');
  fs.copyFileSync(symFixture('gcc'), bin);
  const dir = freshDir();
  t.is(Symbolizer.open(bin, { cacheDir: dir }).source, 'built');
  const m = load(bin, { cacheDir: dir });
  try {
    t.is(m.tableSource, 'cache');
  } finally {
    m.close();
  }
  t.is(load(bin, { cacheDir: false }).tableSource, 'built');
});

testWith(['gcc', 'llvmSymbolizer'], 'CLI: --cache-dir stores and reuses the table there, --no-cache touches nothing; the answers are llvm-symbolizer-19\'s', (t) => {
  const bin = symFixture('gcc');
  const dir = freshDir();
  const addrs = sample(bin);
  const want = oracle(bin, addrs).map(([f, file, line]) => `${f}\n\t${file}:${line}\n`);
  const innermost = (out: string) => out.split('\n\n').filter(Boolean).map((a) => a.split('\n').slice(0, 2).join('\n') + '\n');
  const env = { [CACHE_ENV]: 'off' };
  for (let i = 0; i < 2; i++) {
    const r = runCli(['symbolize', '--cache-dir', dir, bin, ...addrs.map((a) => `0x${a.toString(16)}`)], undefined, env);
    t.is(r.status, 0, r.stderr);
    t.deepEqual(innermost(r.stdout), want);
    t.is(cacheFiles(dir).length, 1);
  }
  const none = freshDir();
  const r = runCli(['symbolize', '--no-cache', bin, '0x0'], undefined, { [CACHE_ENV]: none });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(cacheFiles(none), []);
  t.is(runCli(['symbolize', '--no-cache', '--cache-dir', dir, bin, '0x0']).status, 2, 'contradicting options are a usage error');
});
