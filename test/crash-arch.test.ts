// The C runtime on both architectures (docs/crash.md, docs/in-process.md):
// test/c/crash_probe.c and test/c/walk_probe.c, the runtime without Node,
// built for x86-64 and run natively, and built with Debian's aarch64 cross
// compiler and run under qemu-user. The walk's pcs and the handler's
// record are checked against llvm-symbolizer-19 on the same binary. The record's frames are checked against
// llvm-symbolizer-19 on the same binary: a null store in a leaf that sets up
// no frame (the caller's return address in the link register on aarch64, on
// the stack on x86-64), and abort() called from the program (the return
// address into it found above libc's frames).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { compile } from '../compiler/toolchain/cc';
import { markerLine } from './helpers/cli';
import { llvmSymbolize } from './helpers/oracle';
import { RUNTIME_INCLUDES, runtimeSources, WALK_SOURCES } from './helpers/runtime';
import { testWith, tools, type Tool } from './helpers/tools';

const ROOT = path.join(__dirname, '..');
const PROBE = path.join(ROOT, 'test', 'c', 'crash_probe.c');
const RUNTIME = runtimeSources('crash', 'callsite', 'registry', 'table', 'saferead', 'procmaps', 'membuildid', 'faultctx', 'threadsig');
const SYSROOT = '/usr/aarch64-linux-gnu';
const line = (m: string) => markerLine(PROBE, fs.readFileSync(PROBE, 'utf8'), m);

const ARCHES: { name: string; needs: Tool[]; cc: () => string; run: (exe: string, args: string[]) => string[] }[] = [
  { name: 'x86-64', needs: ['gcc'], cc: () => tools.gcc!, run: (exe, args) => [exe, ...args] },
  { name: 'aarch64 (qemu-user)', needs: ['aarch64Gcc', 'qemuAarch64'], cc: () => tools.aarch64Gcc!, run: (exe, args) => [tools.qemuAarch64!, '-L', SYSROOT, exe, ...args] },
];

for (const arch of ARCHES) {
  for (const how of ['null', 'abort'] as const) {
    testWith([...arch.needs, 'llvmSymbolizer'], `${arch.name}: the C handler's record of ${how === 'null' ? 'a null store in a leaf (frameless on x86-64)' : 'abort() from the program'} walks to main, frame for frame as llvm-symbolizer names them`, (t) => {
      const exe = compile({
        compiler: arch.cc(), sources: [PROBE, ...RUNTIME], kind: 'exe', name: `crash-probe-${arch.name.split(' ')[0]}`,
        flags: [...RUNTIME_INCLUDES, '-std=c11', '-Wall', '-Wextra', '-Werror'],
      });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-crash-arch-'));
      t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
      const record = path.join(dir, 'crash.json');
      const [cmd, ...args] = arch.run(exe, [record, how]);
      const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
      t.is(r.signal, how === 'null' ? 'SIGSEGV' : 'SIGABRT', r.stderr);
      t.regex(r.stderr, new RegExp(`^\\[signal ${how === 'null' ? 'SIGSEGV: segmentation violation code=0x1 addr=0x0' : 'SIGABRT: abort code=0xfffffffffffffffa addr=0x0'} pc=0x[0-9a-f]+\\]$`, 'm'));
      const rec = JSON.parse(fs.readFileSync(record, 'utf8')) as { frames: { pc: string; module?: string; offset?: string; buildId?: string | null }[] };
      const mine = rec.frames.map((f, i) => ({ f, i })).filter(({ f }) => f.module === exe);
      const bias = ElfFile.probe(exe).linkBias ?? 0n;
      const names = llvmSymbolize(exe, mine.map(({ f, i }) => BigInt(f.offset!) + bias - (i > 0 ? 1n : 0n))).map((fr) => fr.at(-1)!);
      const want = how === 'null'
        ? [['probe_leaf', line('@probe:store')], ['probe_middle', line('@probe:call-leaf')], ['probe_outer', line('@probe:call-middle')], ['main', line('@probe:call-outer')]]
        : [['probe_aborting', line('@probe:abort')], ['probe_middle', line('@probe:call-aborting')], ['probe_outer', line('@probe:call-middle')], ['main', line('@probe:call-outer')]];
      // gcc moves abort()'s noreturn path into probe_aborting.cold: the same function, split.
      t.deepEqual(names.slice(0, 4).map((n) => [n.function.replace(/\.cold$/, ''), n.line]), want);
      if (how === 'abort') t.regex(rec.frames[0].module ?? '', /libc\.so\.6$/, 'frame 0 in libc');
      t.is(mine[0].f.buildId, new ElfFile(fs.readFileSync(exe)).buildId(), 'the build-id from the mapped headers');
    });
  }
}

const WALK = path.join(ROOT, 'test', 'c', 'walk_probe.c');
const WALK_RUNTIME = runtimeSources(...WALK_SOURCES);

for (const arch of ARCHES) {
  testWith([...arch.needs, 'llvmSymbolizer'], `${arch.name}: llgi_rt_callers three calls deep gives the callers' return addresses up to main, and stops there`, (t) => {
    const exe = compile({
      compiler: arch.cc(), sources: [WALK, ...WALK_RUNTIME], kind: 'exe', name: `walk-probe-${arch.name.split(' ')[0]}`,
      flags: [...RUNTIME_INCLUDES, '-std=c11', '-Wall', '-Wextra', '-Werror', '-pthread'],
    });
    const [cmd, ...args] = arch.run(exe, []);
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
    t.is(r.status, 0, r.stderr);
    const offsets = r.stdout.trim().split('\n').map((l) => BigInt(l));
    const bias = ElfFile.probe(exe).linkBias ?? 0n;
    const src = fs.readFileSync(WALK, 'utf8');
    const wl = (m: string) => markerLine(WALK, src, m);
    const names = llvmSymbolize(exe, offsets.map((o) => o + bias - 1n)).map((fr) => fr.at(-1)!);
    t.deepEqual(names.map((n) => [n.function, n.line]), [
      ['walk_leaf', wl('@walk:callers')], ['walk_middle', wl('@walk:call-leaf')], ['walk_outer', wl('@walk:call-middle')], ['main', wl('@walk:call-outer')],
    ], 'the walk ends at the first return address outside the registered text (into libc)');
  });
}
