// `llgo-introspect crash` and `llgo-introspect core` (docs/crash.md).

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { LlgiError } from '../../compiler/errors';
import { symbolizeCore } from '../core';
import { symbolizeCrash, type CrashFrame } from '../crash-symbolize';
import { isGoTraceback, symbolizeGoTraceback } from '../gotraceback';
import { bigintHex, frameJson, hex } from './json';
import { UsageError } from './usage';

function crashFrameJson(f: CrashFrame) {
  return {
    pc: hex(f.pc), module: f.module, buildId: f.buildId, offset: f.offset === null ? null : hex(f.offset), binary: f.binary,
    problem: f.problem, frames: f.frames.map(frameJson),
  };
}

export function crashCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { binary: { type: 'string', multiple: true }, dir: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('crash needs one file (- for stdin)');
  const file = positionals[0];
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new LlgiError('LLGI_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  if (isGoTraceback(text)) {
    // A Go panic traceback (gc's or llgo's): parsed, each frame checked against the binaries given.
    const tb = symbolizeGoTraceback(text, { binaries: values.binary });
    process.stdout.write(values.json ? JSON.stringify(tb, bigintHex, 2) + '\n' : tb.text);
    return 0;
  }
  const sc = symbolizeCrash(text, { binaries: values.binary, dirs: values.dir });
  if (!values.json) {
    process.stdout.write(sc.text);
    for (const f of sc.frames) if (f.problem && f.module) process.stderr.write(`llgo-introspect: ${f.module}+0x${f.offset!.toString(16)}: ${f.problem}\n`);
    return 0;
  }
  const frames = sc.frames.map(crashFrameJson);
  const signal = sc.signal && { ...sc.signal, addr: hex(sc.signal.addr) };
  process.stdout.write(JSON.stringify({ signal, pid: sc.pid, thread: sc.thread, totalFrames: sc.totalFrames, elided: sc.elided, frames }, null, 2) + '\n');
  return 0;
}

export function coreCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      binary: { type: 'string', multiple: true }, dir: { type: 'string', multiple: true }, module: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('core needs one core file');
  const sc = symbolizeCore(positionals[0], { binaries: values.binary, dirs: values.dir, modules: values.module });
  if (!values.json) {
    process.stdout.write(sc.text);
    return 0;
  }
  const threads = sc.threads.map((t) => ({
    tid: t.tid, signal: t.signal && { ...t.signal, addr: hex(t.signal.addr) }, pc: hex(t.pc), fp: hex(t.fp), sp: hex(t.sp),
    totalFrames: t.totalFrames, elided: t.elided, frames: t.frames.map(crashFrameJson),
  }));
  process.stdout.write(JSON.stringify({ pid: sc.pid, executable: sc.executable, warnings: sc.warnings, threads }, null, 2) + '\n');
  return 0;
}
