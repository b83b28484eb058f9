// Real llgo c-shared libraries loaded in Node: load() runs llgo's package
// initialisation, and callersFrames/funcForPC of the pcs llgo's own
// runtime.Callers captured answer as llgo's CallersFrames and FuncForPC did,
// as does offline symbolize of the same pcs (docs/llgo.md).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isLlgiError } from '../compiler/errors';
import { callersFrames, funcForPC, load, type Module } from '../lib/index';
import { Symbolizer } from '../lib/symbolize';
import { llgoBuild } from '../compiler/toolchain/llgo';
import { differs, llgo, scenario, takeProbes, testWithLlgo, type ProbeReport } from './helpers/llgo-real';
import { compile } from '../compiler/toolchain/cc';
import { LLGO } from './helpers/llgo';
import { buildLive } from './helpers/live';
import { testWith, tools } from './helpers/tools';

const OUT = path.join(os.tmpdir(), `llgi-probes-${process.pid}.jsonl`);
// The probe package opens LLGI_PROBE_OUT at its first report: set before any module loads.
process.env.LLGI_PROBE_OUT = OUT;

const loaded = new Map<string, { m: Module; atLoad: ProbeReport[] }>();

/** The c-shared scenario in `mode`, loaded once per process with load()'s defaults. */
function shared(mode: 'c-shared' | 'c-shared-dwarf') {
  let l = loaded.get(mode);
  if (!l) {
    takeProbes(OUT);
    const m = load(scenario('./cshared', mode).path);
    l = { m, atLoad: takeProbes(OUT) };
    loaded.set(mode, l);
  }
  return l;
}

for (const mode of ['c-shared', 'c-shared-dwarf'] as const) {
  testWithLlgo(`${mode}: llgo's package initialisation ran once, in the library's own constructor`, (t) => {
    const { m, atLoad } = shared(mode);
    t.is(m.llgoInit, 'constructor');
    t.deepEqual(atLoad.map((r) => r.tag), ['init'], 'shapes.init ran during load()');
    t.is(atLoad[0].frames[1].function, 'llgo-introspect.dev/scenarios/shapes.init#1');
    m.call('main.init');
    t.deepEqual(takeProbes(OUT), [], 'llgo\'s init guard: a second main.init does nothing');
    t.is(load(m.path), m, 'loading it again returns the open module, without another init');
  });

  testWithLlgo(`${mode}: callersFrames, funcForPC and offline symbolize answer every pc as llgo's runtime`, (t) => {
    const { m } = shared(mode);
    m.call('LlgiRun');
    const reports = takeProbes(OUT);
    t.is(reports.length, 21, 'every shape but init');
    const offline = Symbolizer.open(m.path, { strict: true });
    t.is(offline.report?.llgo?.source, 'entry-sites');
    let compared = 0;
    for (const r of reports) {
      // Our walk-free view of llgo's pcs: the frames inside this module (llgo's walk stops there too).
      const live = callersFrames(r.pcs);
      t.is(live.length, r.frames.length, `${r.tag}: one frame per pc, none inlined`);
      const off = offline.symbolize(r.pcs.map((p) => p - m.base), { returnAddresses: true });
      r.frames.forEach((theirs, i) => {
        const f = live[i];
        // llgo's goroutine trampoline has no funcinfo record: its post-linked
        // tables name the function before it (llgo-real.test.ts); here its
        // runtime asks dladdr, as we ask the symbol table.
        if (/\._llgo_routine\$\d+$/.test(f.function)) t.is(theirs.function, f.function);
        compared++;
        // A c-shared table is built at first use: llgo's entry is the post-prologue anchor.
        t.is(differs(f, theirs, true), null, `${r.tag} frame ${i}: callersFrames`);
        const o = off[i][off[i].length - 1];
        t.is(differs({ ...o, entry: o.entry + m.base }, theirs, true), null, `${r.tag} frame ${i}: offline`);
        const fn = funcForPC(r.funcs[i].pc)!;
        t.is(fn.name, r.funcs[i].name);
        t.true(r.funcs[i].entry - fn.entry >= 0n && r.funcs[i].entry - fn.entry <= 64n);
        // llgo's FileLine(pc) is the CallersFrames line it cached for pc (docs/llgo.md); gc's and ours is pc's own.
        t.deepEqual(fn.fileLine(r.funcs[i].pc - 1n), { file: f.file, line: r.funcs[i].line });
      });
    }
    t.true(compared > 50, `${compared} frames compared`);
    t.log(`all ${compared} frames equal to llgo's`);
  });
}

/** A library shaped as older llgo builds them: main.init left to the host (fixtures/llgo/oldinit.c). */
function oldInit(name: string): string {
  return compile({ compiler: tools.gcc!, sources: [path.join(LLGO, 'oldinit.c')], kind: 'shared', name });
}

testWith(['gcc'], "init 'auto' runs main.init when llgo's guard says it has not run; false leaves it to the caller", (t) => {
  const auto = load(oldInit('oldinit-auto'));
  t.is(auto.llgoInit, 'load');
  t.is(auto.call('llgo_inits'), 1n);
  auto.close();
  const manual = load(oldInit('oldinit-manual'), { init: false });
  t.is(manual.llgoInit, null);
  t.is(manual.call('llgo_inits'), 0n);
  manual.call('main.init');
  manual.call('main.init');
  t.is(manual.call('llgo_inits'), 1n, 'the guard makes the second call a no-op');
  manual.close();
});

testWith(['gcc'], 'init: true on a library that is not llgo\'s is LLGI_BAD_ARGUMENT; a bad init value too', (t) => {
  const so = buildLive('gcc', ['chain.c']);
  const e = t.throws(() => load(so, { init: true }))!;
  t.true(isLlgiError(e, 'LLGI_BAD_ARGUMENT'));
  t.regex(e.message, /not an llgo c-shared library/);
  t.true(isLlgiError(t.throws(() => load(so, { init: 'yes' as unknown as boolean }))!, 'LLGI_BAD_ARGUMENT'));
  const m = load(so);
  t.is(m.llgoInit, undefined, "'auto' runs nothing for a C library");
  m.close();
});

testWithLlgo('examples/llgo-shared: the documented example builds with llgo and runs as its comments say', (t) => {
  const dir = path.join(__dirname, '..', 'examples', 'llgo-shared');
  const so = llgoBuild(llgo!, { module: dir, pkg: '.', mode: 'c-shared', name: 'hello' }).path;
  // The example requires the package by name: Node resolves that to this package (its "exports").
  const r = spawnSync(process.execPath, [path.join(dir, 'run.js'), so], { encoding: 'utf8', env: { ...process.env, LLGI_PROBE_OUT: '' } });
  t.is(r.status, 0, r.stderr);
  const where = fs.readFileSync(path.join(dir, 'hello.go'), 'utf8').split('\n').findIndex((l) => l.includes('// @where')) + 1;
  t.regex(r.stdout, /^llgo init ran in: constructor; table: /m);
  t.regex(r.stdout, new RegExp(`^Where: main\\.Where at hello\\.go:${where}$`, 'm'));
  t.regex(r.stdout, /^hello\.go:\d+: \d+ objects, \d+ bytes$/m);
});
