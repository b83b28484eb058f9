// Our offline symbolizer on gc-built binaries gives gc's own answers
// (docs/symbolization.md, "gc-built binaries"). Two gc scenarios run and
// print what gc's runtime says (CallersFrames, FuncForPC, Caller); every pc
// is then symbolized from the binary alone and compared, frame by frame:
// function, file, line, entry and Frame.PC.
//
// - test/fixtures/llgo/go ./cmd/callers: the shapes scenario (go/scenarios).
// - test/fixtures/gc/inline: runtime.Callers inside an inlined function,
//   an inlined helper in a loop, generics (two shapes, one inlined), closures
//   (one inlined) and a method value. Its printer also prints, per pc, gc's
//   full inline expansion (CallersFrames([pc, 0])), compared exactly with
//   our frames for that pc.

import path from 'node:path';
import { spawnSync } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';
import { funcNameForPrint } from '../compiler/table/goname';
import { findGo, goBuild } from '../compiler/toolchain/gc';
import { Symbolizer, callersFramesOf, type Frame } from '../lib/symbolize';
import { native } from '../lib/native';
import { GO_MODULE, parseProbes, type ProbeReport, type RuntimeFrame } from './helpers/llgo-real';
import { testWith } from './helpers/tools';

const INLINE_MODULE = path.join(__dirname, 'fixtures', 'gc', 'inline');

interface Report extends ProbeReport {
  /** inline scenario only: CallersFrames([pc, 0]) for each pc. */
  expand?: RuntimeFrame[][];
}

function build(module: string, pkg: string, name: string): { bin: string; reports: Report[] } {
  const tc = findGo();
  if (!tc) throw new Error('go is not usable');
  const bin = goBuild(tc, { module, pkg, name });
  const r = spawnSync(bin, [], { encoding: 'utf8', env: { ...process.env, LLGI_PROBE_OUT: '' } });
  if (r.status !== 0) throw new Error(`${bin} exited with ${r.status}: ${r.stderr}`);
  const reports: Report[] = parseProbes(r.stdout);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{"tag":'));
  lines.forEach((l, i) => {
    const j = JSON.parse(l);
    if (j.expand) {
      reports[i].expand = j.expand.map((fs: Record<string, string>[]) =>
        fs.map((f) => ({ ...f, pc: BigInt(f.pc), entry: BigInt(f.entry) })));
    }
  });
  return { bin, reports };
}

const hex = (v: bigint) => `0x${v.toString(16)}`;
const show = (f: { pc: bigint; function: string; file: string; line: number; entry: bigint } | undefined) =>
  f ? `${f.function} ${f.file}:${f.line} entry ${hex(f.entry)} pc ${hex(f.pc)}` : '(none)';

function same(ours: Frame | undefined, theirs: RuntimeFrame | undefined, comparePc = true): boolean {
  return !!ours && !!theirs && ours.function === theirs.function && ours.gcFunction === theirs.function
    && ours.file === theirs.file && ours.line === theirs.line && ours.entry === theirs.entry && (!comparePc || ours.pc === theirs.pc);
}

/**
 * The one case where DWARF cannot give gc's answer (docs/symbolization.md,
 * "gc-built binaries"): when gc expands the frames enclosing an inlined call
 * itself, the enclosing frame's Frame.PC is the pc of the call's inline mark
 * in the outer function (entry + the inline tree's parentPc), which only the
 * pclntab records; our enclosing frames carry the pc looked up. Function,
 * file, line and entry of those frames are still compared exactly, and in
 * CallersFrames over Callers' pcs (which carry the inline marks' pcs
 * themselves) Frame.PC is compared too.
 */
const INLINE_MARK_PC = 'Frame.PC of a frame enclosing an inlined call, expanded by gc: the inline mark\'s pc (pclntab only)';

interface Tally { compared: number; equal: number; misses: string[]; known: Record<string, number> }

function compare(sym: Symbolizer, reports: Report[]): Record<string, Tally> {
  const tally: Record<string, Tally> = {};
  const count = (what: string, ok: boolean, why: () => string) => {
    const t = (tally[what] ??= { compared: 0, equal: 0, misses: [], known: {} });
    t.compared++;
    if (ok) t.equal++;
    else t.misses.push(why());
  };
  for (const r of reports) {
    const perPc = sym.symbolize(r.pcs, { returnAddresses: true });
    // CallersFrames over the whole list.
    const seq = callersFramesOf(perPc);
    const n = Math.max(seq.length, r.frames.length);
    for (let i = 0; i < n; i++) {
      count('CallersFrames', same(seq[i], r.frames[i]), () => `${r.tag} frame ${i}: ours ${show(seq[i])}, gc ${show(r.frames[i])}`);
    }
    // One pc alone, every inlined frame expanded (inline scenario).
    r.expand?.forEach((theirs, i) => {
      const ours = perPc[i];
      for (let j = 0; j < Math.max(ours.length, theirs.length); j++) {
        const enclosing = j > 0 && !!ours[j - 1]?.inlined;
        const ok = same(ours[j], theirs[j], !enclosing) && ours[j].inlined === (j + 1 < ours.length);
        count('expanded pc', ok, () => `${r.tag} pc ${hex(r.pcs[i])} frame ${j}: ours ${show(ours[j])}, gc ${show(theirs[j])}`);
        if (ok && enclosing && ours[j].pc !== theirs[j].pc) {
          const known = tally['expanded pc'].known;
          known[INLINE_MARK_PC] = (known[INLINE_MARK_PC] ?? 0) + 1;
        }
      }
    });
    // FuncForPC(pc): the innermost function at pc as given (no -1), the physical entry, FileLine(pc).
    const atPc = sym.symbolize(r.pcs);
    r.funcs.forEach((fn, i) => {
      const f = atPc[i][0];
      const ok = fn.nil ? !f : !!f && f.function === fn.name && f.gcFunction === fn.name && f.entry === fn.entry && f.file === fn.file && f.line === fn.line;
      count('FuncForPC', ok, () => `${r.tag} FuncForPC(${hex(fn.pc)}): ours ${show(f)}, gc ${fn.nil ? 'nil' : `${fn.name} ${fn.file}:${fn.line} entry ${hex(fn.entry)}`}`);
    });
    // runtime.Caller(1): Frame.PC of the probe's caller, its file and line.
    const [c] = sym.symbolize([r.caller.pc]);
    count('Caller', r.caller.ok && !!c[0] && c[0].file === r.caller.file && c[0].line === r.caller.line,
      () => `${r.tag} Caller(1) pc ${hex(r.caller.pc)}: ours ${show(c[0])}, gc ${r.caller.file}:${r.caller.line}`);
  }
  return tally;
}

function check(t: ExecutionContext, module: string, pkg: string, name: string, minReports: number) {
  const { bin, reports } = build(module, pkg, name);
  t.true(reports.length >= minReports, `${reports.length} probe reports`);
  const sym = Symbolizer.open(bin);
  const tally = compare(sym, reports);
  for (const [what, x] of Object.entries(tally)) {
    t.log(`${what}: ${x.equal}/${x.compared} equal`);
    for (const [k, n] of Object.entries(x.known)) t.log(`  of which ${n} differ in ${k}`);
    for (const m of x.misses) t.log(`  ${m}`);
  }
  t.deepEqual(Object.values(tally).flatMap((x) => x.misses), []);
  return tally;
}

testWith(['go'], 'gc parity: the shapes scenario (cmd/callers) symbolizes as gc\'s runtime answers', (t) => {
  const tally = check(t, GO_MODULE, './cmd/callers', 'callers-gc-parity', 15);
  t.true(tally.CallersFrames.compared >= 80);
});

testWith(['go'], 'gc parity: inlined Callers, inlined helpers in a loop, generics, closures, method values', (t) => {
  const tally = check(t, INLINE_MODULE, '.', 'gcinline', 8);
  t.true(tally['expanded pc'].compared >= 50);
  // The known case occurs here (every probe's `here` is inlined into `probe`), and it is the only one.
  t.true(tally['expanded pc'].known[INLINE_MARK_PC] >= 8);
  t.deepEqual(Object.keys(tally['expanded pc'].known), [INLINE_MARK_PC]);
  t.deepEqual(Object.values(tally).flatMap((x) => Object.keys(x.known)), [INLINE_MARK_PC]);
  // The scenario really has inlined frames and generic names.
  const { reports } = build(INLINE_MODULE, '.', 'gcinline');
  const names = reports.flatMap((r) => r.frames.map((f) => f.function));
  for (const n of ['main.here', 'main.tick', 'main.small[...]', 'main.Pair[...]', 'main.closures.func2', 'main.T.M']) t.true(names.includes(n), n);
});

test('gc names: shapes print as [...], ABI suffixes go, only for symbol names DWARF does not spell so', (t) => {
  const { gcName } = native();
  const shapes: [string, string][] = [
    ['main.F[go.shape.int]', 'main.F[...]'],
    ['p.(*Stack[go.shape.int]).Push', 'p.(*Stack[...]).Push'],
    ['p.Map[go.shape.string,go.shape.float64].func1', 'p.Map[...].func1'],
    ['p.F[map[string][]int,q.T]', 'p.F[...]'],
    ['main.main', 'main.main'],
    ['a[b', 'a[b'],
  ];
  // llgo's names are spelled in TypeScript (compiler/llgo/names.ts), gc's in the C builder: both by gc's rule.
  for (const [name, printed] of shapes) {
    t.is(funcNameForPrint(name), printed, name);
    t.is(gcName(name, null, null), printed, name);
  }
  t.is(gcName('runtime.goexit.abi0', true, null), 'runtime.goexit');
  t.is(gcName('main.f.abiinternal', true, null), 'main.f');
  t.is(gcName('main.abi0x', true, null), 'main.abi0x');
  t.is(gcName('main.T.abi0', true, 'main.T.abi0'), 'main.T.abi0', 'a Go method named abi0 keeps its name');
  t.is(gcName('main.F[go.shape.int].abi0', true, null), 'main.F[...]');
  t.is(gcName('main.g.abi0', false, null), 'main.g.abi0', 'DWARF names are never mangled');
});
