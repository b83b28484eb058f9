// The in-process fault handler (docs/crash.md), run in child processes that
// crash on purpose (test/fixtures/crash/crash.c, built by gcc and clang-19):
// the traceback's exact frames and lines (by the fixture's markers, and each
// module frame of the record against llvm-symbolizer-19 at the record's
// offset), the crash record, and an exit signal equal to the one the same
// crash gives without the handler.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import fc from 'fast-check';
import { LlgiError } from '../compiler/errors';
import { findGo, goBuild } from '../compiler/toolchain/gc';
import {
  crashHandler, installCrashHandler, isGoTraceback, parseGoTraceback, symbolizeCrash, symbolizeGoTraceback, uninstallCrashHandler, type CrashRecord,
} from '../lib/index';
import { runCli } from './helpers/cli';
import { markerLine } from './helpers/cli';
import { CRASH_CHILD as CHILD, CRASH_SRC as SRC, crashFixture, moduleLines } from './helpers/crash';
import { compilerPath, type Compiler } from './helpers/fixtures';
import { COMPILERS, ccTool } from './helpers/live';
import { llvmSymbolize } from './helpers/oracle';
import { testWith } from './helpers/tools';

const TEXT = fs.readFileSync(SRC, 'utf8');
const line = (marker: string) => markerLine(SRC, TEXT, marker);

const built = new Map<Compiler, string>();
function fixture(cc: Compiler): string {
  let so = built.get(cc);
  if (!so) {
    so = crashFixture(compilerPath(cc), `crash-${cc}`);
    built.set(cc, so);
  }
  return so;
}

interface Crash {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  record: CrashRecord | null;
}

/** Runs the child: load `so`, then each of `calls` ('install' installs the handler with `options`). */
function crash(so: string, calls: string[], options: object | 'none' = {}): Crash {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-crash-'));
  const recordPath = path.join(dir, 'crash.json');
  const opts = options === 'none' ? 'none' : JSON.stringify({ record: recordPath, ...options });
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, so, opts, calls.join(',')], { encoding: 'utf8', timeout: 60_000 });
  const record = fs.existsSync(recordPath) ? (JSON.parse(fs.readFileSync(recordPath, 'utf8')) as CrashRecord) : null;
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, record };
}

interface TextFrame {
  function: string;
  file: string;
  line: number;
  offset: number | null;
}

/** The traceback's frames: `name(...)` + `\tfile:line [+0xoff]` pairs, and `?? path+0xoff` lines (function '??'). */
function frames(stderr: string): { header: string; thread: string; frames: TextFrame[]; elided: number } {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => l.startsWith('[signal '));
  const out: TextFrame[] = [];
  let elided = 0;
  for (let i = start + 3; i < lines.length; i++) {
    const l = lines[i];
    let m: RegExpExecArray | null;
    if ((m = /^\.\.\.(\d+) frames elided\.\.\.$/.exec(l))) elided = Number(m[1]);
    else if ((m = /^\?\? (.+)\+0x([0-9a-f]+)$/.exec(l))) out.push({ function: '??', file: m[1], line: 0, offset: parseInt(m[2], 16) });
    else if (/^\?\? 0x[0-9a-f]+$/.test(l)) out.push({ function: '??', file: '', line: 0, offset: null });
    else if ((m = /^(.+)\(\.\.\.\)$/.exec(l))) {
      const loc = /^\t(.+):(\d+)(?: \+0x([0-9a-f]+))?$/.exec(lines[++i] ?? '');
      if (!loc) throw new Error(`no file:line after ${l}: ${lines[i]}`);
      out.push({ function: m[1], file: loc[1], line: Number(loc[2]), offset: loc[3] ? parseInt(loc[3], 16) : null });
    } else if (l) break;
  }
  return { header: lines[start] ?? '', thread: lines[start + 2] ?? '', frames: out, elided };
}

const at = (fn: string, marker: string) => ({ function: fn, file: SRC, line: line(marker) });
const fl = (f: TextFrame) => ({ function: f.function, file: f.file, line: f.line });

/** Every module frame of the text against llvm-symbolizer-19 at the record's offsets (return addresses at offset - 1). */
function checkAgainstOracle(t: import('ava').ExecutionContext, so: string, c: Crash) {
  const rec = c.record!;
  const mine = rec.frames.map((f, i) => ({ f, i })).filter(({ f }) => f.module === so);
  const oracle = llvmSymbolize(so, mine.map(({ f, i }) => BigInt(f.offset!) - (i > 0 ? 1n : 0n)));
  const text = frames(c.stderr).frames.filter((f) => f.function !== '??');
  const expanded = oracle.flat();
  t.deepEqual(text.slice(0, expanded.length).map(fl), expanded.map((o) => ({ function: o.function, file: o.file, line: o.line })), 'llvm-symbolizer-19 on the record agrees with the traceback');
}

for (const cc of COMPILERS) {
  testWith([ccTool(cc), 'llvmSymbolizer', 'readelf'], `${cc}: a null store three calls deep: gc's traceback of every frame, a record llvm-symbolizer agrees with, and death by SIGSEGV as without the handler`, (t) => {
    const so = fixture(cc);
    const without = crash(so, ['crash_none', 'crash_null'], 'none');
    t.is(without.signal, 'SIGSEGV');
    t.notRegex(without.stderr, /\[signal/);
    const c = crash(so, ['install', 'crash_none', 'crash_null']);
    t.is(c.signal, without.signal, 'the same death');
    t.is(c.status, null);
    t.regex(c.stdout, /^crash_none = 6$/m, 'the module worked normally before');
    const tb = frames(c.stderr);
    t.regex(tb.header, /^\[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x[0-9a-f]+\]$/);
    t.regex(tb.thread, /^thread \d+ \[running, main thread\]:$/);
    t.deepEqual(tb.frames.slice(0, 4).map(fl), [
      at('crash_leaf', '@crash:store'), at('crash_middle', '@crash:call-leaf'), at('crash_outer', '@crash:call-middle'), at('crash_null', '@crash:call-outer'),
    ]);
    t.true(tb.frames.slice(0, 4).every((f) => f.offset !== null && f.offset > 0), 'physical frames carry +0x offsets');
    t.true(tb.frames.slice(4).every((f) => f.function === '??'), 'frames outside the module: ?? path+offset');
    t.true(tb.frames.some((f) => f.file.endsWith('llgi.node')), 'the addon frame below the call');

    const rec = c.record!;
    t.like(rec, { signal: 'SIGSEGV', signo: 11, code: 1, addr: '0x0' });
    t.is(rec.thread, rec.pid);
    t.is(rec.totalFrames, rec.frames.length + rec.elided);
    const header = /pc=(0x[0-9a-f]+)/.exec(tb.header)![1];
    t.is(rec.frames[0].pc, header, 'frame 0 is the faulting pc');
    const buildId = new ElfFile(fs.readFileSync(so)).buildId();
    for (const f of rec.frames.slice(0, 4)) {
      t.is(f.module, so);
      t.is(f.buildId, buildId);
      t.is(BigInt(f.pc) - BigInt(f.offset!), BigInt(rec.frames[0].pc) - BigInt(rec.frames[0].offset!), 'one base for the module');
    }
    checkAgainstOracle(t, so, c);
  });

  testWith([ccTool(cc), 'llvmSymbolizer'], `${cc}: a fault inside an inlined helper: the inlined frame without an offset, then its physical function`, (t) => {
    const so = fixture(cc);
    const c = crash(so, ['install', 'crash_inline']);
    t.is(c.signal, 'SIGSEGV');
    const f = frames(c.stderr).frames;
    t.deepEqual(f.slice(0, 3).map(fl), [at('crash_inlined_store', '@crash:inlined-store'), at('crash_with_inlined', '@crash:call-inlined'), at('crash_inline', '@crash:call-with-inlined')]);
    t.is(f[0].offset, null, 'an inlined frame has no offset');
    t.true(f[1].offset! > 0);
    checkAgainstOracle(t, so, c);
  });

  testWith([ccTool(cc)], `${cc}: abort() from the module: the libc frame, the aborting function and its caller; death by SIGABRT`, (t) => {
    const so = fixture(cc);
    const without = crash(so, ['crash_abort'], 'none');
    const c = crash(so, ['install', 'crash_abort']);
    t.is(without.signal, 'SIGABRT');
    t.is(c.signal, 'SIGABRT');
    const tb = frames(c.stderr);
    t.regex(tb.header, /^\[signal SIGABRT: abort code=0xfffffffffffffffa addr=0x0 pc=0x[0-9a-f]+\]$/, 'code SI_TKILL: sent by abort() itself');
    t.is(tb.frames[0].function, '??');
    t.regex(tb.frames[0].file, /libc\.so\.6$/);
    t.deepEqual(tb.frames.slice(1, 3).map(fl), [at('crash_aborting', '@crash:abort'), at('crash_abort', '@crash:call-abort')]);
    t.like(c.record, { signal: 'SIGABRT', signo: 6, code: -6 });
  });

  testWith([ccTool(cc)], `${cc}: a fault on a pthread of the module: reported with that thread's id`, (t) => {
    const so = fixture(cc);
    const c = crash(so, ['install', 'crash_thread']);
    t.is(c.signal, 'SIGSEGV');
    const tb = frames(c.stderr);
    const tid = Number(/^thread (\d+) \[running\]:$/.exec(tb.thread)?.[1]);
    t.is(tid, c.record!.thread);
    t.not(c.record!.thread, c.record!.pid, 'not the main thread');
    t.deepEqual(tb.frames.slice(0, 4).map(fl), [
      at('crash_leaf', '@crash:store'), at('crash_middle', '@crash:call-leaf'), at('crash_outer', '@crash:call-middle'), at('crash_thread_main', '@crash:thread-call-outer'),
    ]);
  });

  testWith([ccTool(cc)], `${cc}: a fault on a Node worker thread: reported with the worker's thread id; death by SIGSEGV`, (t) => {
    const so = fixture(cc);
    const c = crash(so, ['install', 'worker:crash_null']);
    t.is(c.signal, 'SIGSEGV');
    const tb = frames(c.stderr);
    t.is(Number(/^thread (\d+) \[running\]:$/.exec(tb.thread)?.[1]), c.record!.thread);
    t.not(c.record!.thread, c.record!.pid);
    t.deepEqual(tb.frames.slice(0, 4).map(fl), [
      at('crash_leaf', '@crash:store'), at('crash_middle', '@crash:call-leaf'), at('crash_outer', '@crash:call-middle'), at('crash_null', '@crash:call-outer'),
    ]);
  });

  testWith([ccTool(cc), 'llvmSymbolizer'], `${cc}: a stack overflow by recursion: reported from the alternate stack, the first 50 and last 50 frames with the count elided between`, (t) => {
    const so = fixture(cc);
    const c = crash(so, ['install', 'crash_overflow']);
    t.is(c.signal, 'SIGSEGV');
    const tb = frames(c.stderr);
    t.is(tb.frames.length, 100);
    t.true(tb.elided > 1000, `${tb.elided} frames elided`);
    // Frame 0 faults on the new frame's first store: the oracle names its line.
    const [first] = llvmSymbolize(so, [BigInt(c.record!.frames[0].offset!)]);
    t.deepEqual(fl(tb.frames[0]), { function: 'crash_recurse', file: SRC, line: first[0].line });
    for (const f of tb.frames.slice(1, 50)) t.deepEqual(fl(f), at('crash_recurse', '@crash:recurse'));
    const outer = tb.frames.slice(50);
    const entry = outer.findIndex((f) => f.function === 'crash_overflow');
    t.true(entry >= 0, 'the recursion\'s entry among the last 50');
    t.deepEqual(fl(outer[entry]), at('crash_overflow', '@crash:call-recurse'));
    t.true(outer.slice(0, entry).every((f) => f.function === 'crash_recurse'));
    t.is(c.record!.totalFrames, tb.frames.length + tb.elided);
    t.is(c.record!.elided, tb.elided);
  });

  testWith([ccTool(cc)], `${cc}: a module that installed its own SIGSEGV handler before ours takes its own faults: nothing written, its handler exits 42`, (t) => {
    const so = fixture(cc);
    const c = crash(so, ['crash_own_segv_handler', 'install', 'crash_null']);
    t.is(c.status, 42);
    t.notRegex(c.stderr, /\[signal/);
    t.regex(c.stderr, /the module's own handler ran\n$/);
    t.is(c.record, null);
    // Its other signals are still ours.
    const a = crash(so, ['crash_own_segv_handler', 'install', 'crash_abort']);
    t.is(a.signal, 'SIGABRT');
    t.regex(a.stderr, /^\[signal SIGABRT: abort/m);
  });

  testWith([ccTool(cc)], `${cc}: SIGSEGV ignored before us: a sent one stays ignored, a fault in the module is reported and still kills`, (t) => {
    const so = fixture(cc);
    for (const options of ['none', {}] as const) {
      const sent = crash(so, ['crash_ignore_segv', 'install', 'kill:SIGSEGV', 'crash_none'], options);
      t.is(sent.status, 0, `${JSON.stringify(options)}: ${sent.stderr}`);
      t.regex(sent.stdout, /^crash_none = 6$/m);
      const fault = crash(so, ['crash_ignore_segv', 'install', 'crash_null'], options);
      t.is(fault.signal, 'SIGSEGV', 'the kernel kills for an ignored fault');
      t.is(/\[signal SIGSEGV/.test(fault.stderr), options !== 'none');
    }
  });

  testWith([ccTool(cc)], `${cc}: a healthy module runs as without the handler; a fatal signal outside every module is passed on untouched`, (t) => {
    const so = fixture(cc);
    const ok = crash(so, ['install', 'crash_none']);
    t.is(ok.status, 0, ok.stderr);
    t.regex(ok.stdout, /^crash_none = 6$/m);
    t.is(ok.record, null);
    // SIGSEGV sent by kill from JavaScript: no module on the stack.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-crash-'));
    const record = path.join(dir, 'crash.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
      const { installCrashHandler, load } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
      load(${JSON.stringify(so)});
      installCrashHandler({ record: ${JSON.stringify(record)} });
      process.kill(process.pid, 'SIGSEGV');`], { encoding: 'utf8' });
    t.is(r.signal, 'SIGSEGV');
    t.notRegex(r.stderr, /\[signal/);
    t.false(fs.existsSync(record));
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

// (module (memory 1) (func (export "f") (result i32) (i32.load (i32.const 70000)))): V8 bounds-checks
// wasm memory with guard pages, so the load faults and V8's SIGSEGV handler turns it into a RuntimeError.
const WASM_OOB = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 5, 1, 1, 102, 0, 0, 10, 11, 1, 9, 0, 65, 240, 162, 4, 40, 2, 0, 11];

test("Node's own SIGSEGV handler still works under ours: a WebAssembly out-of-bounds load is a RuntimeError, the process lives", (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
    const { installCrashHandler } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    installCrashHandler();
    const inst = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${JSON.stringify(WASM_OOB)})));
    for (let i = 0; i < 3; i++) {
      try { inst.exports.f(); console.log('no trap'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
    }`], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, 'RuntimeError: memory access out of bounds\n'.repeat(3));
  t.notRegex(r.stderr, /\[signal/);
});

test('installCrashHandler: bad options are typed errors; the state reads back; uninstall clears it', (t) => {
  t.throws(() => installCrashHandler({ output: -1 }), { code: 'LLGI_BAD_ARGUMENT' });
  t.throws(() => installCrashHandler({ output: 'stdout' as never }), { code: 'LLGI_BAD_ARGUMENT' });
  t.throws(() => installCrashHandler({ signals: ['SIGKILL' as never] }), { code: 'LLGI_BAD_ARGUMENT', message: /SIGSEGV/ });
  t.throws(() => installCrashHandler({ signals: [] }), { code: 'LLGI_BAD_ARGUMENT' });
  t.throws(() => installCrashHandler({ record: '' }), { code: 'LLGI_BAD_ARGUMENT' });
  t.throws(() => installCrashHandler({ record: '/nonexistent/dir/crash.json' }), { code: 'LLGI_IO' });
  t.throws(() => installCrashHandler({ record: `/tmp/${'x'.repeat(5000)}` }), { code: 'LLGI_BAD_ARGUMENT' });
  t.is(crashHandler(), null);
  const s = installCrashHandler({ output: null, record: 'rel.json', signals: ['SIGSEGV', 'SIGBUS'] });
  t.deepEqual(s, { output: null, record: path.resolve('rel.json'), signals: ['SIGSEGV', 'SIGBUS'] });
  t.deepEqual(crashHandler(), s);
  uninstallCrashHandler();
  t.is(crashHandler(), null);
});

// ---- offline: symbolizeCrash and `llgo-introspect crash` ------------------------------------------

const nullCrashes = new Map<Compiler, Crash>();
function nullCrash(cc: Compiler): Crash {
  let c = nullCrashes.get(cc);
  if (!c) nullCrashes.set(cc, (c = crash(fixture(cc), ['install', 'crash_null'])));
  return c;
}

for (const cc of COMPILERS) {
  testWith([ccTool(cc)], `${cc}: symbolizeCrash of the record prints the module's frames line for line as the handler did, and the CLI the same`, (t) => {
    const c = nullCrash(cc);
    const sc = symbolizeCrash(c.record!);
    t.deepEqual(moduleLines(sc.text), moduleLines(c.stderr));
    t.is(moduleLines(sc.text).length, 8);
    t.is(sc.text.split('\n')[0], c.stderr.split('\n').find((l) => l.startsWith('[signal ')) ?? '');
    t.like(sc, { pid: c.record!.pid, thread: c.record!.thread, totalFrames: c.record!.totalFrames, elided: 0 });
    t.true(sc.frames.slice(0, 4).every((f) => f.binary === fixture(cc) && f.problem === null));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-crash-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'crash.json');
    fs.writeFileSync(file, JSON.stringify(c.record));
    const cli = runCli(['crash', file]);
    t.is(cli.status, 0, cli.stderr);
    t.is(cli.stdout, sc.text);
    const json = JSON.parse(runCli(['crash', file, '--json']).stdout);
    t.is(json.frames[0].frames[0].function, 'crash_leaf');
    t.is(json.frames[0].frames[0].line, line('@crash:store'));
  });
}

testWith(['gcc'], 'symbolizeCrash finds a moved binary by build-id in given directories and binaries; a differing build-id is named, never used', (t) => {
  const c = nullCrash('gcc');
  const so = fixture('gcc');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const id = c.record!.frames[0].buildId!;
  const moved: CrashRecord = { ...c.record!, frames: c.record!.frames.map((f) => (f.module === so ? { ...f, module: '/gone/libcrash.so' } : f)) };
  const want = moduleLines(symbolizeCrash(c.record!).text);
  // Not found: the frames keep module and offset, with the reason.
  const lost = symbolizeCrash(moved);
  t.regex(lost.frames[0].problem!, /no binary for \/gone\/libcrash\.so \(build-id [0-9a-f]+\)/);
  t.regex(lost.text, /^\?\? \/gone\/libcrash\.so\+0x[0-9a-f]+$/m);
  // In a directory under another name, in a .build-id tree, or given directly.
  fs.copyFileSync(so, path.join(dir, 'renamed.so'));
  t.deepEqual(moduleLines(symbolizeCrash(moved, { dirs: [dir] }).text), want);
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, '.build-id', id.slice(0, 2)), { recursive: true });
  fs.copyFileSync(so, path.join(tree, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  const viaTree = symbolizeCrash(moved, { dirs: [tree] });
  t.deepEqual(moduleLines(viaTree.text), want);
  t.is(viaTree.frames[0].binary, path.join(tree, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  t.deepEqual(moduleLines(symbolizeCrash(moved, { binaries: [path.join(dir, 'renamed.so')] }).text), want);
  // Another build of the same path: never used.
  const other: CrashRecord = { ...c.record!, frames: c.record!.frames.map((f) => (f.module === so ? { ...f, buildId: '00'.repeat(20) } : f)) };
  const mismatch = symbolizeCrash(other);
  t.regex(mismatch.frames[0].problem!, /^build-id mismatch: .* has [0-9a-f]+, the crash 0{40}$/);
  t.deepEqual(mismatch.frames[0].frames, []);
});

testWith(['gcc'], "symbolizeCrash of address lists: the handler's `?? path+0xoff` lines and glibc's backtrace_symbols lines", (t) => {
  const c = nullCrash('gcc');
  const so = fixture('gcc');
  const rec = c.record!.frames.filter((f) => f.module === so);
  const ours = symbolizeCrash(rec.map((f) => `?? ${f.module}+${f.offset}`).join('\n'));
  t.is(ours.signal, null);
  t.deepEqual(moduleLines(`thread 1 [x]:\n${ours.text}?? end`), moduleLines(c.stderr));
  // backtrace_symbols: path(symbol+0xoff) [0xpc], the offset from the symbol.
  const syms = new ElfFile(fs.readFileSync(so)).symbols();
  const sym = (a: bigint) => syms.filter((s) => s.type === 2 && BigInt(s.value) <= a && a < BigInt(s.value) + BigInt(s.size))[0];
  const lines = rec.map((f) => {
    const s = sym(BigInt(f.offset!));
    return `${so}(${s.name}+0x${(BigInt(f.offset!) - BigInt(s.value)).toString(16)}) [${f.pc}]`;
  });
  const bt = symbolizeCrash(lines.join('\n'));
  t.deepEqual(bt.frames.map((f) => f.frames.at(-1)!.function), ['crash_leaf', 'crash_middle', 'crash_outer', 'crash_null']);
  t.deepEqual(moduleLines(`thread 1 [x]:\n${bt.text}?? end`), moduleLines(c.stderr));
});

test('symbolizeCrash: bad records and text are LLGI_CRASH_INVALID naming what is wrong; arbitrary input never fails otherwise', (t) => {
  const good: CrashRecord = { signal: 'SIGSEGV', signo: 11, code: 1, addr: '0x0', pid: 1, thread: 1, frames: [{ pc: '0x10' }], totalFrames: 1, elided: 0 };
  t.is(symbolizeCrash(good).frames[0].problem, 'not in a mapped file');
  const cases: [unknown, RegExp][] = [
    ['{"signal": 1}', /integer|signal/],
    ['{not json', /not valid JSON/],
    [{ ...good, frames: [] }, /non-empty/],
    [{ ...good, frames: [{ pc: 'zz' }] }, /frame 0 pc/],
    [{ ...good, frames: [{ pc: '0x1', module: '/x' }] }, /module without an offset/],
    [{ ...good, totalFrames: 5 }, /totalFrames 5/],
    [{ ...good, addr: 12 }, /addr/],
    ['hello world', /line 1: not an address/],
    ['/lib/a.so+0x10\nbogus', /line 2/],
    ['', /no addresses/],
    ['/nonexistent.so(sym+0x1) [0x1]', /binary is needed/],
  ];
  for (const [input, msg] of cases) {
    const e = t.throws(() => symbolizeCrash(input as string), { code: 'LLGI_CRASH_INVALID' }, JSON.stringify(input));
    t.regex(e!.message, msg);
  }
  fc.assert(fc.property(fc.string(), fc.jsonValue(), (s, j) => {
    for (const input of [s, JSON.stringify(j), `{${s}`]) {
      try {
        symbolizeCrash(input);
      } catch (e) {
        if (!(e instanceof LlgiError) || e.code !== 'LLGI_CRASH_INVALID') throw e;
      }
    }
  }), { numRuns: 300 });
  const cli = runCli(['crash', '/nonexistent/crash.json']);
  t.is(cli.status, 1);
  t.regex(cli.stderr, /\[LLGI_IO\]/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-crash-'));
  fs.writeFileSync(path.join(dir, 'bad.json'), '{"frames": 3}');
  const badCli = runCli(['crash', path.join(dir, 'bad.json')]);
  fs.rmSync(dir, { recursive: true, force: true });
  t.is(badCli.status, 1);
  t.regex(badCli.stderr, /\[LLGI_CRASH_INVALID\]/);
  t.is(runCli(['crash']).status, 2);
});

// ---- Go panic tracebacks ---------------------------------------------------------------------------

const PANICKING = path.join(__dirname, 'fixtures', 'llgo', 'panicking');
const PANIC_SRC = path.join(PANICKING, 'main.go');

testWith(['go', 'gcc'], "symbolizeGoTraceback of gc's own panics: the goroutine's frames parsed, and each physical frame resolved in the binary to gc's own file and line", (t) => {
  const exe = goBuild(findGo()!, { module: PANICKING, pkg: '.', name: 'panicking' });
  const src = fs.readFileSync(PANIC_SRC, 'utf8');
  const pl = (m: string) => markerLine(PANIC_SRC, src, m);
  for (const [args, leafLine] of [[['x'], pl('@panic:explicit')], [[], pl('@panic:nil')]] as const) {
    const r = spawnSync(exe, args, { encoding: 'utf8' });
    t.is(r.status, 2);
    t.true(isGoTraceback(r.stderr));
    const bare = parseGoTraceback(r.stderr);
    t.is(bare.goroutines[0].id, 1);
    t.is(bare.goroutines[0].state, 'running');
    t.deepEqual(bare.goroutines[0].frames.map((f) => [f.function, f.file, f.line]), [['main.leaf', PANIC_SRC, leafLine], ['main.middle', PANIC_SRC, pl('@panic:call-leaf')], ['main.main', PANIC_SRC, pl('@panic:main')]]);
    t.is(bare.signal?.name ?? null, args.length ? null : 'SIGSEGV');
    const tb = symbolizeGoTraceback(r.stderr, { binaries: [exe] });
    for (const f of tb.goroutines[0].frames) {
      t.is(f.problem, null, `${f.function}: ${f.problem}`);
      const phys = f.resolved!.at(-1)!;
      t.deepEqual([phys.function, phys.file, phys.line], [f.function, f.file, f.line], 'ours equals what gc printed');
    }
    t.notRegex(tb.text, /\(ours: /);
    const cli = runCli(['crash', '-', '--binary', exe], r.stderr);
    t.is(cli.status, 0, cli.stderr);
    t.is(cli.stdout, tb.text);
  }
  t.throws(() => parseGoTraceback('goroutine 1 [running]:\nmain.f()\nnot a location'), { code: 'LLGI_CRASH_INVALID', message: /line 3: no file:line/ });
  t.throws(() => parseGoTraceback('panic: x\n'), { code: 'LLGI_CRASH_INVALID', message: /no goroutine/ });
  // Arbitrary text, and gc's own traceback with text spliced in anywhere: a parse or LLGI_CRASH_INVALID, nothing else.
  const real = spawnSync(exe, [], { encoding: 'utf8' }).stderr;
  fc.assert(fc.property(fc.string(), fc.nat(real.length), fc.string(), (any, at, s) => {
    for (const text of [any, real.slice(0, at) + s + real.slice(at), `goroutine 1 [running]:\n${s}`]) {
      try {
        symbolizeGoTraceback(text, { binaries: [exe] });
      } catch (e) {
        if (!(e instanceof LlgiError) || e.code !== 'LLGI_CRASH_INVALID') throw e;
      }
    }
  }), { numRuns: 300 });
});
