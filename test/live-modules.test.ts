// In-process modules (docs/in-process.md): two modules calling each other,
// identical copies, close and re-load, loading twice, and bad input to load().
// Expected frames come from markers in test/fixtures/live/*.c.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LlgiError, type LlgiErrorCode } from '../compiler/errors';
import { compile, defaultCacheDir } from '../compiler/toolchain/cc';
import { callersFrames, funcForPC, load, modules, trace, type LiveFrame as Frame } from '../lib/index';
import { compilerPath } from './helpers/fixtures';
import {
  at, buildLive, ccTool, chainGroups, checkStack, COMPILERS, intFn, liveSource, storedPcs, type Group,
} from './helpers/live';
import { testWith } from './helpers/tools';

const C = 'chain.c';
const A = 'twomod_a.c';
const B = 'twomod_b.c';


/** Everything a frame says, the module by path and base. */
function full(f: Frame) {
  return {
    pc: f.pc, function: f.function, file: f.file, line: f.line, entry: f.entry, inlined: f.inlined,
    module: f.module ? `${f.module.path}@0x${f.module.base.toString(16)}` : null,
  };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-live-'));
let serial = 0;
function tmpFile(name: string, bytes: Buffer | string): string {
  const f = path.join(tmp, `${serial++}-${name}`);
  fs.writeFileSync(f, bytes);
  return f;
}

for (const cc of COMPILERS) {
  // ---- 6. two modules calling each other ------------------------------------

  testWith([ccTool(cc)], `${cc}: a stack through two modules names each frame's module`, (t) => {
    const ma = load(buildLive(cc, [A]));
    const mb = load(buildLive(cc, [B]));
    t.not(ma.base, mb.base);
    const bMid = mb.symbol('b_mid');
    const aLeaf = ma.symbol('a_leaf');
    if (bMid === null || aLeaf === null) return void t.fail('exported functions not found');
    (ma.func('a_set_peer', 'void (uint64_t)') as (x: bigint) => void)(bMid);
    (mb.func('b_set_peer', 'void (uint64_t)') as (x: bigint) => void)(aLeaf);

    const r = trace(() => intFn(ma, 'a_entry')(1));
    t.is(r.value, 6);
    t.is(r.stacks.length, 1);
    const tail: Group[] = [
      { frames: [at(B, 'b_mid', '@b:mid->peer')], physical: 'b_mid', module: mb },
      { frames: [at(A, 'a_entry', '@a:entry->peer')], physical: 'a_entry', module: ma },
    ];
    const frames = callersFrames(r.stacks[0]);
    checkStack(t, frames, r.stacks[0], [{ frames: [at(A, 'a_leaf', '@a:leaf-probe')], physical: 'a_leaf', module: ma }, ...tail], 'probe');
    t.deepEqual(frames.map((f) => [f.module === ma, f.module === mb]), [[true, false], [false, true], [true, false]], 'frame.module is the Module load() returned');

    const pcs = storedPcs(ma);
    checkStack(t, callersFrames(pcs), pcs, [{ frames: [at(A, 'a_leaf', '@a:leaf-callers')], physical: 'a_leaf', module: ma }, ...tail], 'callers');

    t.is(funcForPC(bMid)?.module, mb);
    t.is(funcForPC(bMid)?.name, 'b_mid');
    t.is(funcForPC(aLeaf)?.module, ma);
    // Both modules define live_pc and llgi_hooks; each resolves its own.
    t.not(ma.symbol('live_pc'), mb.symbol('live_pc'));
    t.not(ma.symbol('llgi_hooks'), mb.symbol('llgi_hooks'));
  });

  testWith([ccTool(cc)], `${cc}: two copies of one shared object (same build id) are two modules, each frame attributed to its own`, (t) => {
    const so = buildLive(cc, [C], { variant: 'copies' });
    const before = modules().length;
    const m1 = load(tmpFile('copy1.so', fs.readFileSync(so)));
    const m2 = load(tmpFile('copy2.so', fs.readFileSync(so)));
    t.is(modules().length, before + 2);
    t.is(m1.buildId, m2.buildId);
    t.not(m1.base, m2.base);
    t.is(m2.tableSource, 'cache', 'the second copy reuses the table built for the same build id');
    for (const m of [m1, m2]) {
      const r = trace(() => intFn(m, 'chain_a')(1));
      t.is(r.stacks.length, 1);
      checkStack(t, callersFrames(r.stacks[0]), r.stacks[0], chainGroups(m), path.basename(m.path));
      t.is(funcForPC(m.symbol('chain_a')!)?.module, m);
    }
  });

  // ---- 9. close and re-load ---------------------------------------------------

  testWith([ccTool(cc)], `${cc}: close() unregisters, earlier pcs still symbolize, re-load registers again`, (t) => {
    const so = buildLive(cc, [C], { variant: 'close' });
    const before = modules();
    const m = load(so);
    t.is(m.path, so);
    t.true(['built', 'cache'].includes(m.tableSource));
    t.is(modules().length, before.length + 1);
    t.true(modules().includes(m));

    const r = trace(() => intFn(m, 'chain_a')(1));
    const pcs = r.stacks[0];
    const frames = callersFrames(pcs);
    checkStack(t, frames, pcs, chainGroups(m), 'before close');
    const callers = (m.func('callers_a', 'int (uint64_t *, int, int)') as (b: BigUint64Array, max: number, skip: number) => number);
    const buf = new BigUint64Array(8);
    const n = callers(buf, 8, 0);
    const callerFrames = callersFrames([...buf.subarray(0, n)]);

    m.close();
    t.is(modules().length, before.length, 'modules() shrinks');
    t.false(modules().includes(m));
    t.deepEqual(callersFrames(pcs).map(full), frames.map(full), 'pcs captured before close symbolize as before');
    t.deepEqual(callersFrames([...buf.subarray(0, n)]).map(full), callerFrames.map(full));
    t.is(funcForPC(pcs[2]), null, 'funcForPC: a closed module is outside every open module (gc)');
    for (const [what, f] of [['symbol', () => m.symbol('chain_a')], ['func', () => m.func('chain_a', 'int (int)')]] as const) {
      const e = t.throws(f, { instanceOf: LlgiError }, `${what} after close`);
      t.is(e?.code, 'LLGI_CLOSED');
    }
    t.notThrows(() => m.close(), 'closing twice is harmless');
    t.is(modules().length, before.length);

    const again = load(so);
    t.is(modules().length, before.length + 1);
    t.true(modules().includes(again));
    t.is(again.tableSource, 'cache', 'the table built at the first load is reused');
    const r2 = trace(() => intFn(again, 'chain_a')(1));
    t.is(r2.value, 105);
    t.is(r2.stacks.length, 1);
    checkStack(t, callersFrames(r2.stacks[0]), r2.stacks[0], chainGroups(again), 're-loaded');
    again.close();
    t.is(modules().length, before.length);
  });

  testWith([ccTool(cc)], `${cc}: a module without llgi_module.h loads, runs and symbolizes; hooks is false`, (t) => {
    const so = compile({ compiler: compilerPath(cc), sources: [liveSource('missing_dep_lib.c')], kind: 'shared', name: `live-nohooks-${cc}` });
    const m = load(so);
    t.false(m.hooks);
    t.is(intFn(m, 'missing_dep_value')(1), 8);
    const entry = m.symbol('missing_dep_value');
    t.is(funcForPC(entry!)?.name, 'missing_dep_value');
    t.is(funcForPC(entry!)?.module, m);
    t.true(load(buildLive(cc, [C])).hooks, 'a module including llgi_module.h has its hooks filled');
  });

  // ---- 13. loading twice ------------------------------------------------------

  testWith([ccTool(cc)], `${cc}: loading one shared object twice (same path, relative path, symlink) is one registration`, (t) => {
    const so = buildLive(cc, [C], { variant: 'twice' });
    const before = modules().length;
    const m1 = load(so);
    const m2 = load(so);
    t.is(modules().length, before + 1, 'one entry in modules()');
    t.is(m2.base, m1.base);
    t.is(modules().filter((x) => x.base === m1.base).length, 1);
    const rel = path.relative(process.cwd(), so);
    const m3 = load(rel.startsWith('.') ? rel : `./${rel}`);
    const link = path.join(tmp, `${serial++}-link.so`);
    fs.symlinkSync(so, link);
    const m4 = load(link);
    t.is(modules().length, before + 1, 'a relative path or a symlink to a loaded object adds no registration');
    t.is(m3.base, m1.base);
    t.is(m4.base, m1.base);
    const r = trace(() => intFn(m2, 'chain_a')(1));
    t.is(r.stacks.length, 1, 'one registration: one probe gives one stack');
    const frames = callersFrames(r.stacks[0]);
    t.deepEqual(new Set(frames.map((f) => f.module?.base)), new Set([m1.base]));
    checkStack(t, frames, r.stacks[0], chainGroups(frames[0].module!), 'twice');
  });

  // ---- 13. bad input ---------------------------------------------------------

  testWith([ccTool(cc), 'clang'], `${cc}: load() of bad input throws a typed LlgiError, registers nothing, and the process is fine`, (t) => {
    const before = modules().map((m) => m.path);
    const expectCode = (what: string, file: string, code: LlgiErrorCode, msg?: RegExp) => {
      const e = t.throws(() => load(file), { instanceOf: LlgiError }, what);
      t.is(e?.code, code, `${what}: ${e?.message}`);
      if (msg && e) t.regex(e.message, msg, what);
      t.deepEqual(modules().map((m) => m.path), before, `${what}: nothing registered`);
    };
    const clang = compilerPath('clang');

    expectCode('missing file', '/no/such/dir/libnothing.so', 'LLGI_IO', /\/no\/such\/dir\/libnothing\.so/);
    expectCode('a directory', tmp, 'LLGI_IO');
    expectCode('a text file', tmpFile('text.so', '#!/bin/sh\necho hi\n'), 'LLGI_NOT_ELF');
    expectCode('an empty file', tmpFile('empty.so', ''), 'LLGI_NOT_ELF');

    const arm = compile({ compiler: clang, sources: [liveSource('missing_dep_lib.c')], kind: 'shared', name: 'live-aarch64',
      flags: ['--target=aarch64-linux-gnu', '-nostdlib', '-fuse-ld=lld'] });
    expectCode('an aarch64 shared object', arm, 'LLGI_ELF_UNSUPPORTED', /aarch64|machine/i);
    const i386 = compile({ compiler: clang, sources: [liveSource('missing_dep_lib.c')], kind: 'shared', name: 'live-i386',
      flags: ['--target=i386-linux-gnu', '-nostdlib', '-fuse-ld=lld'] });
    expectCode('a 32-bit shared object', i386, 'LLGI_ELF_UNSUPPORTED', /32-bit/);

    const undef = compile({ compiler: compilerPath(cc), sources: [liveSource('undefined_ref.c')], kind: 'shared', name: `live-undef-${cc}` });
    expectCode('an undefined function (RTLD_NOW)', undef, 'LLGI_LOAD_FAILED', /llgi_test_no_such_function/);
    const ctor = compile({ compiler: compilerPath(cc), sources: [liveSource('ctor_fail.c')], kind: 'shared', name: `live-ctor-${cc}` });
    expectCode('a constructor calling an undefined function', ctor, 'LLGI_LOAD_FAILED', /llgi_test_ctor_missing/);

    // A DT_NEEDED dependency that is not on the search path at run time.
    const depDir = path.join(defaultCacheDir(), `live-missing-dep-${cc}`);
    fs.mkdirSync(depDir, { recursive: true });
    const dep = compile({ compiler: compilerPath(cc), sources: [liveSource('missing_dep_lib.c')], kind: 'shared', name: `live-dep-${cc}` });
    const depLink = path.join(depDir, 'libllgi_missing_dep.so');
    if (!fs.existsSync(depLink)) {
      fs.copyFileSync(dep, `${depLink}.${process.pid}`);
      fs.renameSync(`${depLink}.${process.pid}`, depLink);
    }
    const user = compile({ compiler: compilerPath(cc), sources: [liveSource('missing_dep_user.c')], kind: 'shared', name: `live-user-${cc}`,
      flags: [`-L${depDir}`, '-Wl,--no-as-needed', '-lllgi_missing_dep'] });
    expectCode('a missing dependency', user, 'LLGI_LOAD_FAILED', /libllgi_missing_dep\.so/);

    // A truncated copy of a good module: refused one way or another, never loaded.
    const good = fs.readFileSync(buildLive(cc, [C]));
    for (const cut of [64, 4096, good.length >> 1]) {
      const f = tmpFile(`cut${cut}.so`, good.subarray(0, cut));
      const e = t.throws(() => load(f), { instanceOf: LlgiError }, `truncated at ${cut}`);
      t.true(['LLGI_ELF_TRUNCATED', 'LLGI_ELF_CORRUPT', 'LLGI_LOAD_FAILED'].includes(e?.code ?? ''), `truncated at ${cut}: ${e?.code} ${e?.message}`);
      t.deepEqual(modules().map((m) => m.path), before);
    }

    // The process is fine: a good module loads and traces.
    const m = load(buildLive(cc, [C], { variant: 'after-errors' }));
    const r = trace(() => intFn(m, 'chain_a')(1));
    checkStack(t, callersFrames(r.stacks[0]), r.stacks[0], chainGroups(m), 'after errors');
  });
}

test('modules() lists what is open; funcForPC/callersFrames with nothing of ours are empty answers', (t) => {
  t.true(Array.isArray(modules()));
  t.is(funcForPC(0x1000n), null);
  t.deepEqual(callersFrames([0n, 1n, 0x1000n]), []);
});
