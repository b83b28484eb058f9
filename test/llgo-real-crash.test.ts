// Real llgo panics, with and without our crash handler (docs/crash.md,
// "llgo panics"): test/fixtures/llgo/panicking built by llgo as a c-shared
// library loaded in Node and as an executable, and by gc as an executable,
// the ground truth for the frames. llgo's runtime takes its own faults, so
// the handler must change nothing: the same text, the same exit status, a
// recovered nil dereference still recovered.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findGo, goBuild } from '../compiler/toolchain/gc';
import { llgoBuild } from '../compiler/toolchain/llgo';
import { symbolizeGoTraceback } from '../lib/index';
import { markerLine } from './helpers/cli';
import { CRASH_CHILD as CHILD } from './helpers/crash';
import { llgo, testWithLlgo } from './helpers/llgo-real';

const MODULE = path.join(__dirname, 'fixtures', 'llgo', 'panicking');
const SRC = path.join(MODULE, 'main.go');
const line = (marker: string) => markerLine(SRC, fs.readFileSync(SRC, 'utf8'), marker);

const shared = () => llgoBuild(llgo!, { module: MODULE, pkg: '.', mode: 'c-shared', name: 'panicking' }).path;

function inNode(steps: string[], options: 'none' | object = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, shared(), options === 'none' ? 'none' : JSON.stringify(options), steps.join(',')], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

interface GoFrame {
  function: string;
  file: string;
  line: number;
}

/** A Go traceback's first panic line, its [signal ...] line if any, and its frames (name without arguments, file, line). */
function goTraceback(stderr: string): { panic: string; signal: string | null; frames: GoFrame[] } {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => l.startsWith('panic: '));
  const frames: GoFrame[] = [];
  for (let i = lines.findIndex((l) => /^goroutine \d+ \[/.test(l)) + 1; i + 1 < lines.length; i += 2) {
    const fn = /^(\S+?)\(.*\)$/.exec(lines[i]);
    const at = /^\t(.*?):(\d+)(?: \+0x[0-9a-f]+)?$/.exec(lines[i + 1]) ?? /^\t(pc)=0x[0-9a-f]+()$/.exec(lines[i + 1]);
    if (!fn || !at) break;
    frames.push({ function: fn[1], file: at[1], line: Number(at[2]) });
  }
  return { panic: lines[start] ?? '', signal: lines[start + 1]?.startsWith('[signal ') ? lines[start + 1] : null, frames };
}

const user = (frames: GoFrame[]) => frames.filter((f) => f.function.startsWith('main.'));
const at = (fn: string, marker: string): GoFrame => ({ function: fn, file: SRC, line: line(marker) });

testWithLlgo("llgo c-shared panics in Node: the crash handler changes nothing (the same text and exit status 2, installed before or after load); a recovered nil dereference stays recovered", (t) => {
  for (const n of [1, 2]) {
    const without = inNode([`LlgiPanic:${n}`], 'none');
    t.is(without.status, 2, without.stderr);
    for (const steps of [['install', `LlgiPanic:${n}`], ['install', 'load', `LlgiPanic:${n}`]]) {
      const c = inNode(steps);
      t.is(c.status, without.status, steps.join(','));
      t.is(c.signal, null);
      t.is(c.stderr, without.stderr, `${steps.join(',')}: llgo's own panic text, unchanged`);
    }
    const tb = goTraceback(without.stderr);
    t.is(tb.panic, n === 1 ? 'panic: boom 5' : 'panic: runtime error: invalid memory address or nil pointer dereference');
  }
  const r = inNode(['install', 'LlgiRecover:2']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^LlgiRecover = -1$/m);
});

testWithLlgo("llgo's panic tracebacks against gc's for the same program: the same user frames and lines, but for the faulting line of a nil dereference and gc's [signal] line", (t) => {
  const go = findGo();
  t.truthy(go, 'gc is the ground truth');
  const gcExe = goBuild(go!, { module: MODULE, pkg: '.', name: 'panicking' });
  const llgoExe = llgoBuild(llgo!, { module: MODULE, pkg: '.', mode: 'exe', name: 'panicking' }).path;
  const run = (exe: string, args: string[]) => spawnSync(exe, args, { encoding: 'utf8' });
  for (const args of [['x'], []]) {
    const gc = run(gcExe, args);
    const ll = run(llgoExe, args);
    t.is(gc.status, 2);
    t.is(ll.status, 2);
    const g = goTraceback(gc.stderr);
    const l = goTraceback(ll.stderr);
    t.is(l.panic, g.panic);
    const explicit = args.length === 1;
    t.deepEqual(user(g.frames), [at('main.leaf', explicit ? '@panic:explicit' : '@panic:nil'), at('main.middle', '@panic:call-leaf'), at('main.main', '@panic:main')], 'gc');
    if (explicit) {
      t.deepEqual(user(l.frames), user(g.frames));
      t.is(l.signal, null);
    } else {
      // llgo-fault-line: the faulting frame carries the line of the function's
      // previous statement site (docs/llgo.md); gc prints the signal line, llgo does not.
      t.deepEqual(user(l.frames), [{ ...at('main.leaf', '@panic:explicit'), line: line('@panic:explicit') - 1 }, ...user(g.frames).slice(1)]);
      t.regex(g.signal ?? '', /^\[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x[0-9a-f]+\]$/);
      t.is(l.signal, null);
    }
    // llgo also prints its runtime.main and runtime.goexit, which gc hides at the default traceback level.
    t.deepEqual(l.frames.slice(user(l.frames).length).map((f) => f.function), ['runtime.main', 'runtime.goexit']);
    t.deepEqual(g.frames.slice(user(g.frames).length), []);
  }
});

testWithLlgo("symbolizeGoTraceback of llgo's own panic text: each frame resolved in llgo's binary to the file and line llgo printed", (t) => {
  const exe = llgoBuild(llgo!, { module: MODULE, pkg: '.', mode: 'exe', name: 'panicking' }).path;
  for (const args of [['x'], []]) {
    const r = spawnSync(exe, args, { encoding: 'utf8' });
    const tb = symbolizeGoTraceback(r.stderr, { binaries: [exe] });
    const frames = tb.goroutines[0].frames;
    t.deepEqual(frames.map((f) => f.function), ['main.leaf', 'main.middle', 'main.main', 'runtime.main', 'runtime.goexit']);
    for (const f of frames.filter((x) => x.function.startsWith('main.'))) t.is(f.problem, null, `${f.function}: ${f.problem}`);
    // llgo's runtime.goexit is a synthetic record, not a symbol of the binary: it stays as printed
    // (as `???:0 +0x..` it is looked for and not found; as `pc=0x..` it is not looked for).
    const goexit = frames.at(-1)!;
    t.is(goexit.problem, goexit.offset === null ? null : 'no binary has runtime.goexit');
    t.notRegex(tb.text, /\(ours: /);
  }
});
