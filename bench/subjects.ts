// Benchmark subjects: real, large C code. SQLite's amalgamation (taken from the
// better-sqlite3 npm package, the registry this machine reaches) built as a
// ~5 MB -g shared object, and seventeen copies of it linked into one ~50 MB
// shared object. Builds are cached by content hash (compiler/toolchain/cc.ts).

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { STT_FUNC, type ElfFile } from '../compiler/elf';
import { compile, defaultCacheDir, which } from '../compiler/toolchain/cc';
import { prng } from './measure';

const SQLITE_PKG = 'better-sqlite3@12.11.1';

export function sqliteSource(): string {
  const dir = path.join(defaultCacheDir(), 'sqlite-src');
  const src = path.join(dir, 'package', 'deps', 'sqlite3', 'sqlite3.c');
  if (fs.existsSync(src)) return src;
  fs.mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', SQLITE_PKG, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', path.join(dir, tgz), '-C', dir, 'package/deps/sqlite3/sqlite3.c', 'package/deps/sqlite3/sqlite3.h']);
  return src;
}

/** SQLite as one -O2 -g shared object with the fixture flags (~5 MB). */
export function sqlite5MB(): string {
  return compile({ compiler: which('gcc') ?? 'cc', sources: [sqliteSource()], kind: 'shared', name: 'sqlite-O2' });
}

const COPIES = 17;
const COPY_FLAGS = ['-O1', '-g', '-fPIC', '-fno-omit-frame-pointer', '-mno-omit-leaf-frame-pointer', '-fno-optimize-sibling-calls',
  '-DSQLITE_API=static', '-fkeep-static-functions', '-Wno-unused'];

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/** The seventeen object files of the large subjects: SQLite with every symbol static, so copies never clash. */
async function sqliteCopies(): Promise<string[]> {
  const src = sqliteSource();
  const objs = Array.from({ length: COPIES }, (_, i) => path.join(defaultCacheDir(), `sqlite-copy${i}.o`));
  const todo = objs.filter((o) => !fs.existsSync(o));
  // Two compilers at a time: the machine has two cores.
  for (let i = 0; i < todo.length; i += 2) {
    await Promise.all(todo.slice(i, i + 2).map((o) => run('gcc', [...COPY_FLAGS, `-DLLGI_COPY=${path.basename(o)}`, '-c', src, '-o', o])));
  }
  return objs;
}

/**
 * The seventeen copies linked `times` times over into one shared object:
 * 52 MB (36 MB of DWARF) at 1, about 0.7 GB (0.5 GB of DWARF) at 14. Real
 * code and real DWARF, each copy at its own addresses.
 */
export async function sqliteLinked(times: number): Promise<string> {
  const out = path.join(defaultCacheDir(), times === 1 ? `sqlite-x${COPIES}.so` : `sqlite-x${COPIES}x${times}.so`);
  if (fs.existsSync(out)) return out;
  const objs = await sqliteCopies();
  await run('gcc', ['-shared', ...Array.from({ length: times }, () => objs).flat(), '-o', `${out}.tmp`]);
  fs.renameSync(`${out}.tmp`, out);
  return out;
}

/** Seventeen copies of SQLite in one shared object (~50 MB). */
export function sqlite50MB(): Promise<string> {
  return sqliteLinked(1);
}

/** pcs uniform over the bytes of sized function symbols, seed 1 (link-time addresses). */
export function randomPcs(elf: ElfFile, n: number): number[] {
  const funcs = elf.symbols().filter((s) => s.type === STT_FUNC && s.size > 0 && s.shndx > 0);
  const cum: number[] = [];
  let total = 0;
  for (const f of funcs) cum.push((total += f.size));
  const rnd = prng(1);
  return Array.from({ length: n }, () => {
    const r = Math.floor(rnd() * total);
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return funcs[lo].value + (r - (cum[lo] - funcs[lo].size));
  });
}
