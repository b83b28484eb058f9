// ELF core files (docs/crash.md, "Core files"): the crash of test/crash.test.ts
// again, with core dumps on, the core symbolized by symbolizeCore: the same
// frames as the handler printed in the same process, the same threads and
// pcs as elfutils' eu-stack reads from the core, and typed errors or marked,
// shortened output for damaged cores.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ElfFile } from '../compiler/elf';
import { LlgiError } from '../compiler/errors';
import { symbolizeCore, type SymbolizedCore } from '../lib/index';
import { intoClosedPipe, runCli } from './helpers/cli';
import { dumpCrashCore, moduleLines, type DumpedCore } from './helpers/crash';
import { REQUIRE_ALL, testWith, tools } from './helpers/tools';


/** The kernel's core_pattern when it writes plain files into the crashing process's directory, else null. */
function corePattern(): string | null {
  try {
    const p = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
    return p && !p.startsWith('|') && !p.includes('/') ? p : null;
  } catch {
    return null;
  }
}

/** A test that needs core dumps into the crashing process's directory (core_pattern without a pipe or a directory). */
function testWithCores(title: string, fn: (t: ExecutionContext) => void | Promise<void>) {
  if (corePattern()) testWith(['gcc', 'euStack'], title, fn);
  else if (REQUIRE_ALL) test(title, (t) => t.fail(`core dumps do not go to the process's directory (core_pattern ${JSON.stringify(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim())}) and LLGI_REQUIRE_ALL=1`));
  else test.skip(`${title} [needs core_pattern writing to the process's directory]`, fn);
}

let dumped: DumpedCore | undefined;
/** The null store of crash.c in Node with the handler installed and core dumps on (once per process). */
function nullCore(): DumpedCore {
  dumped ??= dumpCrashCore();
  return dumped;
}

test.after.always(() => {
  if (dumped) fs.rmSync(dumped.dir, { recursive: true, force: true });
});

/** eu-stack's threads: TID and raw pcs, innermost first. */
function euStack(core: string): Map<number, bigint[]> {
  const r = spawnSync(tools.euStack!, ['--core', core, '-e', process.execPath], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const out = new Map<number, bigint[]>();
  let cur: bigint[] | null = null;
  for (const l of r.stdout.split('\n')) {
    const tid = /^TID (\d+):$/.exec(l);
    if (tid) out.set(Number(tid[1]), (cur = []));
    const f = /^#\d+\s+0x([0-9a-f]+)/.exec(l);
    if (f && cur) cur.push(BigInt(`0x${f[1]}`));
  }
  return out;
}

testWithCores("symbolizeCore of the crash's core: the frames the handler printed in the same process, the threads and pcs eu-stack reads", async (t) => {
  const d = nullCore();
  const sc: SymbolizedCore = symbolizeCore(d.core);
  t.deepEqual(sc.warnings, []);
  t.is(sc.executable, process.execPath);
  const [crashed] = sc.threads;
  t.is(crashed.signal?.name, 'SIGSEGV');
  t.is(crashed.tid, sc.pid ?? -1, 'the main thread crashed');
  t.deepEqual(moduleLines(crashed.text), moduleLines(d.stderr));
  t.is(moduleLines(crashed.text).length, 8);
  t.is(crashed.frames[0].buildId, new ElfFile(fs.readFileSync(d.so)).buildId(), "the build-id, from the core's copy of the headers");
  t.is(crashed.frames[0].binary, d.so);
  // The handler's pc is the core's: the faulting instruction ran again after the handler.
  t.is(`0x${crashed.pc.toString(16)}`, /pc=(0x[0-9a-f]+)\]/.exec(d.stderr)![1]);

  const eu = euStack(d.core);
  t.deepEqual([...eu.keys()].sort(), sc.threads.map((x) => x.tid).sort(), "eu-stack's threads");
  const theirs = eu.get(crashed.tid)!;
  const ours = crashed.frames.map((f) => f.pc);
  // Through the module and the addon (frame pointers everywhere) the walks agree pc for pc.
  t.deepEqual(ours.slice(0, 6), theirs.slice(0, 6));
  let same = 0;
  while (same < ours.length && ours[same] === theirs[same]) same++;
  t.log(`crashing thread: ${same} leading pcs equal to eu-stack's (${ours.length} ours, ${theirs.length} eu-stack's)`);
  for (const th of sc.threads) t.is(th.frames[0].pc, eu.get(th.tid)![0], `thread ${th.tid}: the pc`);

  const cli = runCli(['core', d.core]);
  t.is(cli.status, 0, cli.stderr);
  t.is(cli.stdout, sc.text);
  const json = JSON.parse(runCli(['core', d.core, '--json']).stdout);
  t.is(json.threads[0].frames[0].frames[0].function, 'crash_leaf');
  // Into a closed pipe (| head): quietly, status 0, as every command.
  for (const args of [['core', d.core], ['core', d.core, '--json']]) t.deepEqual(await intoClosedPipe(args), { status: 0, stderr: '' }, args.join(' '));
});

testWithCores('a truncated core still prints: registers and code from the files, memory cut off marked; damaged or foreign input is a typed error', (t) => {
  const d = nullCore();
  const buf = fs.readFileSync(d.core);
  const cut = path.join(d.dir, 'cut.core');
  fs.writeFileSync(cut, buf.subarray(0, 1 << 20));
  const sc = symbolizeCore(cut);
  t.true(sc.warnings.some((w) => /cut off: the core is truncated/.test(w)));
  t.regex(sc.text, /^warning: memory at 0x[0-9a-f]+ is cut off/m);
  t.is(sc.threads[0].frames[0].frames[0]?.function, 'crash_leaf', 'frame 0 from the registers and the file');

  t.throws(() => symbolizeCore('/nonexistent/core'), { code: 'LLGI_IO' });
  const junk = path.join(d.dir, 'junk');
  fs.writeFileSync(junk, Buffer.from('not an elf file at all'));
  t.throws(() => symbolizeCore(junk), { code: 'LLGI_NOT_ELF' });
  t.throws(() => symbolizeCore(d.so), { code: 'LLGI_CORE_INVALID', message: /not a core/ });
  const head = path.join(d.dir, 'head.core');
  fs.writeFileSync(head, buf.subarray(0, 64));
  t.throws(() => symbolizeCore(head), { code: 'LLGI_CORE_INVALID', message: /program headers truncated/ });
  // Random damage to the headers and notes: a typed error or a result, nothing else.
  const notesEnd = Math.min(buf.length, 256 * 1024);
  const mutated = path.join(d.dir, 'mutated.core');
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(notesEnd - 1), fc.nat(255)), { minLength: 1, maxLength: 16 }), (edits) => {
    const b = Buffer.from(buf.subarray(0, notesEnd));
    for (const [at, v] of edits) b[at] = v;
    fs.writeFileSync(mutated, b);
    try {
      symbolizeCore(mutated);
    } catch (e) {
      if (!(e instanceof LlgiError)) throw e;
    }
  }), { numRuns: 40 });
  const cli = runCli(['core', junk]);
  t.is(cli.status, 1);
  t.regex(cli.stderr, /\[LLGI_NOT_ELF\]/);
});
