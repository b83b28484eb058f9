// Core file symbolization (issue 13): symbolizeCore against elfutils'
// eu-stack --core and gdb -batch on the same core, in the same run. The core
// is the crash of test/fixtures/crash/crash.c in Node (a null store three
// calls deep, the crash handler installed), dumped by the kernel.
//
//   npm run bench:core

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { which } from '../compiler/toolchain/cc';
import { symbolizeCore } from '../lib/core';
import { dumpCrashCore } from '../test/helpers/crash';
import { bestOf, fmt } from './measure';

const ROOT = path.join(__dirname, '..');
const RUNS = 5;

function processMs(cmd: string, args: string[]): { ms: number; out: string } {
  let out = '';
  const ms = bestOf(RUNS, () => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.error) throw r.error;
    out = r.stdout;
  });
  return { ms, out };
}

function main() {
  const { dir, core } = dumpCrashCore({ output: null });
  try {
    const size = fs.statSync(core).size;
    const sc = symbolizeCore(core); // fills the table cache, as a first run would
    const frames = sc.threads.reduce((n, t) => n + t.frames.length, 0);
    const rows: [string, number][] = [];
    rows.push(['llgo-introspect API: symbolizeCore, tables cached', bestOf(RUNS, () => symbolizeCore(core))]);
    rows.push(['llgo-introspect CLI: core (process, tables cached)', processMs(process.execPath, [path.join(ROOT, 'dist', 'lib', 'cli.js'), 'core', core]).ms]);
    const eu = which('eu-stack');
    if (eu) rows.push(['eu-stack --core -e node (process)', processMs(eu, ['--core', core, '-e', process.execPath]).ms]);
    const gdb = which('gdb');
    if (gdb) {
      rows.push(['gdb -batch -ex bt (process, one thread)', processMs(gdb, ['-batch', '-ex', 'bt', process.execPath, core]).ms]);
      rows.push(["gdb -batch -ex 'thread apply all bt' (process)", processMs(gdb, ['-batch', '-ex', 'thread apply all bt', process.execPath, core]).ms]);
    }
    const base = rows.find(([n]) => n.startsWith('eu-stack'))?.[1] ?? rows[0][1];
    console.log(`core: ${(size / 1e6).toFixed(1)} MB, ${sc.threads.length} threads, ${frames} frames printed by us`);
    console.log('| what | ms (best) | vs eu-stack |');
    console.log('|---|---:|---:|');
    for (const [n, ms] of rows) console.log(`| ${n} | ${fmt(ms)} | ${(ms / base).toFixed(2)}x |`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
