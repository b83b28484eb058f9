// Shared by the crash and core tests and the core benchmark: the crashing
// fixture, a core of its crash in Node, and the traceback lines of its own
// frames. Plain functions (no ava), so bench/ can use them too.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, which } from '../../compiler/toolchain/cc';

const ROOT = path.join(__dirname, '..', '..');
export const CRASH_SRC = path.join(ROOT, 'test', 'fixtures', 'crash', 'crash.c');
export const CRASH_CHILD = path.join(ROOT, 'test', 'fixtures', 'crash', 'child.ts');

/** crash.c built by `compiler` (a path), as the crash tests build it. */
export function crashFixture(compiler: string, name: string): string {
  return compile({ compiler, sources: [CRASH_SRC], flags: ['-pthread'], kind: 'shared', name });
}

/**
 * The first frames of `src`'s own file in a traceback: the `name(...)` and
 * `\tfile:line +0xoff` pairs after the thread header.
 */
export function moduleLines(text: string, src = CRASH_SRC): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^thread \d+ \[/.test(l)) + 1;
  let i = start;
  while (i + 1 < lines.length && lines[i + 1].startsWith(`\t${src}:`)) i += 2;
  return lines.slice(start, i);
}

export interface DumpedCore {
  dir: string;
  core: string;
  stderr: string;
  so: string;
}

/**
 * crash.c's null store in Node, with the crash handler installed (`options`)
 * and core dumps on, in a fresh directory: the kernel's core_pattern must
 * write into the process's directory. The caller removes `dir`.
 */
export function dumpCrashCore(options: object = {}): DumpedCore {
  const so = crashFixture(which('gcc') ?? 'gcc', 'crash-gcc');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-core-'));
  const r = spawnSync('bash', ['-c', 'ulimit -c unlimited && exec "$@"', 'bash', process.execPath, '--import', 'tsx', CRASH_CHILD, so, JSON.stringify(options), `cd:${dir},install,crash_null`],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.signal !== 'SIGSEGV') throw new Error(`the child did not die of SIGSEGV: ${r.status} ${r.signal} ${r.stderr}`);
  const core = fs.readdirSync(dir).find((f) => f.startsWith('core'));
  if (!core) throw new Error(`no core file in ${dir}: core_pattern must write into the process's directory`);
  return { dir, core: path.join(dir, core), stderr: r.stderr, so };
}
