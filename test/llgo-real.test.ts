// Real llgo executables in every build mode: what llgo's own runtime printed
// for each probe (CallersFrames, FuncForPC, Caller) is the oracle, and our
// offline symbolize and the CLI must answer the same function, file, line and
// entry for every pc (docs/llgo.md, "Build modes"). The scenario module is
// test/fixtures/llgo/go; llgo's deviations from itself and from gc that the
// tests meet are named where they are allowed for, with their reason.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { ElfFile } from '../compiler/elf';
import { isLlgiError } from '../compiler/errors';
import { Symbolizer, type Frame } from '../lib/symbolize';
import { runCli } from './helpers/cli';
import { differs, runProbes, scenario, testWithLlgo, type ProbeReport } from './helpers/llgo-real';
import { tools } from './helpers/tools';

const CALLERS = './cmd/callers';
/** llgo's goroutine trampolines carry no funcinfo record (see below). */
const TRAMPOLINE = /\._llgo_routine\$\d+$/;

/** llvm-symbolizer-19's function name for a link-time address (the symbol-table oracle). */
function llvmFunctions(bin: string, pcs: bigint[]): string[] {
  const r = spawnSync(tools.llvmSymbolizer!, ['--obj', bin, '--functions=linkage', '--no-inlines', ...pcs.map((p) => `0x${p.toString(16)}`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split('\n\n').map((b) => b.split('\n')[0]);
}

/**
 * Every CallersFrames frame of every probe, ours beside llgo's. A frame llgo
 * names from the record before a function that has none (its goroutine
 * trampolines `_llgo_routine$N`: llgo's findfunc has no row for them and
 * answers the previous row) is checked against llvm-symbolizer instead.
 */
function checkFrames(t: ExecutionContext, bin: string, reports: ProbeReport[], answer: (pcs: bigint[]) => Frame[][], anchorEntries: boolean): void {
  let compared = 0;
  const trampolines: { pc: bigint; ours: string; llgo: string }[] = [];
  for (const r of reports) {
    const ours = answer(r.pcs);
    t.is(r.frames.length, r.pcs.length, `${r.tag}: llgo's CallersFrames gives one frame per pc`);
    r.frames.forEach((theirs, i) => {
      const mine = ours[i];
      t.is(mine.length, 1, `${r.tag} frame ${i}: llgo shows no inlined frames, neither do we for llgo's functions`);
      const f = mine[mine.length - 1];
      if (f.functionSource !== 'llgo' && TRAMPOLINE.test(f.function)) {
        trampolines.push({ pc: r.pcs[i], ours: f.function, llgo: theirs.function });
        return;
      }
      compared++;
      t.is(differs(f, theirs, anchorEntries), null, `${r.tag} frame ${i} (pc 0x${r.pcs[i].toString(16)})`);
    });
  }
  t.true(compared > 80, `${compared} frames compared`);
  t.log(`${compared} of ${compared + trampolines.length} frames equal to llgo's`);
  // One goroutine shape: exactly its trampoline frame, named as the symbol table names it.
  t.is(trampolines.length, 1);
  const oracle = llvmFunctions(bin, trampolines.map((x) => x.pc - 1n));
  trampolines.forEach((x, i) => {
    t.is(x.ours, oracle[i]);
    t.not(x.llgo, x.ours, 'llgo names the function before the trampoline');
  });
}

/** runtime.Caller(1) in the probe: llgo's pc is already the call's (return address - 1). */
function checkCaller(t: ExecutionContext, sym: Symbolizer, reports: ProbeReport[]): void {
  const got = sym.symbolize(reports.map((r) => r.caller.pc));
  reports.forEach((r, i) => {
    const f = got[i][got[i].length - 1];
    t.true(r.caller.ok);
    t.deepEqual({ file: f.file, line: f.line }, { file: r.caller.file, line: r.caller.line }, `${r.tag}: Caller(1)`);
  });
}

/**
 * FuncForPC(pc) of each return address: the same function and entry. Its
 * FileLine(pc) in llgo is the line CallersFrames found for the same pc,
 * which llgo caches in a Func object that FuncForPC returns; gc answers for
 * pc itself, and so do we, so the comparison is at pc-1 (docs/llgo.md).
 */
function checkFuncForPC(t: ExecutionContext, sym: Symbolizer, reports: ProbeReport[], anchorEntries: boolean): void {
  for (const r of reports) {
    const at = sym.symbolize(r.funcs.map((f) => f.pc));
    const call = sym.symbolize(r.funcs.map((f) => f.pc), { returnAddresses: true });
    r.funcs.forEach((fn, i) => {
      const f = at[i][at[i].length - 1];
      if (TRAMPOLINE.test(f.function)) return;
      const c = call[i][call[i].length - 1];
      t.is(differs({ ...f, file: c.file, line: c.line }, { function: fn.name, file: fn.file, line: fn.line, entry: fn.entry }, anchorEntries), null, `${r.tag}: FuncForPC(0x${fn.pc.toString(16)})`);
    });
  }
}

const MODES = [
  { mode: 'exe', source: 'LLGOFTB1', anchors: false },
  { mode: 'exe-O0', source: 'LLGOFTB1', anchors: false },
  { mode: 'exe-dwarf', source: 'LLGOFTB1', anchors: false },
  { mode: 'exe-nopost', source: 'entry-sites', anchors: true },
  { mode: 'exe-external', source: 'LLGOPCL1', anchors: false },
] as const;

for (const { mode, source, anchors } of MODES) {
  testWithLlgo(`${mode}: offline symbolize answers every frame, FuncForPC and Caller as llgo's own runtime`, (t) => {
    const b = scenario(CALLERS, mode);
    const reports = runProbes(b.path);
    t.is(reports.length, 22, 'one report per probe, init included');
    const sym = Symbolizer.open(b.path, { strict: true });
    t.is(sym.report?.llgo?.source, source);
    checkFrames(t, b.path, reports, (pcs) => sym.symbolize(pcs, { returnAddresses: true }), anchors);
    checkFuncForPC(t, sym, reports, anchors);
    checkCaller(t, sym, reports);
  });
}

testWithLlgo('exe: the CLI answers every frame as llgo\'s runtime (symbolize -r --json)', (t) => {
  const b = scenario(CALLERS, 'exe');
  const reports = runProbes(b.path);
  const pcs = reports.flatMap((r) => r.pcs);
  const r = runCli(['symbolize', '-r', '--json', b.path], pcs.map((p) => `0x${p.toString(16)}`).join('\n'));
  t.is(r.status, 0, r.stderr);
  // Addresses from stdin: one JSON object per line.
  const out = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { frames: { function: string; file: string; line: number; entry: string; functionSource: string }[] });
  const frames = out.map((o) => o.frames.map((f) => ({ ...f, entry: BigInt(f.entry), pc: 0n, inlined: false, gcFunction: '', lineSource: 'llgo' }) as unknown as Frame));
  let k = 0;
  checkFrames(t, b.path, reports, (p) => frames.slice(k, (k += p.length)), false);
});

testWithLlgo('exe: the process tail is llgo\'s runtime.main and runtime.goexit, without file and line', (t) => {
  const b = scenario(CALLERS, 'exe');
  const [first] = runProbes(b.path);
  const sym = Symbolizer.open(b.path);
  const tail = sym.symbolize(first.pcs.slice(-2), { returnAddresses: true }).map((f) => f[0]);
  t.deepEqual(tail.map((f) => [f.function, f.file, f.line]), [['runtime.main', '?', 0], ['runtime.goexit', '?', 0]]);
  t.deepEqual(first.frames.slice(-2).map((f) => [f.function, f.file, f.line]), [['runtime.main', '', 0], ['runtime.goexit', '', 0]]);
  // runtime.goexit is llgo's record for C main: gc's name, the symbol table's main.
  t.is(llvmFunctions(b.path, [first.pcs[first.pcs.length - 1] - 1n])[0], 'main');
});

testWithLlgo('exe: the LLGOFTB1 entry section llgo cut to the table\'s length is read (not taken for raw sites)', (t) => {
  const b = scenario(CALLERS, 'exe');
  const elf = ElfFile.open(b.path);
  const sec = elf.section('llgo_funcinfo_entry')!;
  const blob = elf.sectionData(sec);
  t.is(blob.toString('latin1', 0, 8), 'LLGOFTB1');
  // sh_size is the blob: 32 + 8 rows + 36 buckets (docs/llgo-format.md §4.5), rarely a multiple of 16.
  t.is(sec.size, 32 + 8 * blob.readUInt32LE(24) + 36 * blob.readUInt32LE(28));
  t.is(Symbolizer.open(b.path, { strict: true }).report?.llgo?.source, 'LLGOFTB1');
});

testWithLlgo('exe-external: the sidecar is found beside the binary, by an explicit path, and refused when it is another build\'s or damaged', (t) => {
  const b = scenario(CALLERS, 'exe-external');
  t.truthy(b.sidecar && fs.existsSync(b.sidecar));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-sidecar-'));
  try {
    const bin = path.join(dir, 'callers');
    fs.copyFileSync(b.path, bin);
    // Missing: a warning and symbol-table answers, or a typed error with strict.
    const bare = Symbolizer.open(bin);
    t.is(bare.report?.llgo, undefined);
    t.regex(bare.report!.warnings.join('\n'), /callers\.pclntab is not there/);
    t.true(isLlgiError(t.throws(() => Symbolizer.open(bin, { strict: true }))!, 'LLGI_LLGO_SIDECAR_MISSING'));
    // Elsewhere, by path; and through the CLI flag.
    const moved = path.join(dir, 'tables.pclntab');
    fs.copyFileSync(b.sidecar!, moved);
    const sym = Symbolizer.open(bin, { strict: true, llgoSidecar: moved });
    t.is(sym.report?.llgo?.source, 'LLGOPCL1');
    const reports = runProbes(b.path);
    checkFrames(t, b.path, reports, (pcs) => sym.symbolize(pcs, { returnAddresses: true }), false);
    const pc = reports[1].pcs[1];
    const cli = runCli(['symbolize', '-r', '--pclntab', moved, bin, `0x${pc.toString(16)}`]);
    t.is(cli.status, 0, cli.stderr);
    // One answer, ended by an empty line as llvm-symbolizer ends its answers.
    t.is(cli.stdout, `${reports[1].frames[1].function}\n\t${reports[1].frames[1].file}:${reports[1].frames[1].line}\n\n`);
    // Damaged: one flipped payload byte fails the checksum.
    const bytes = fs.readFileSync(b.sidecar!);
    bytes[bytes.length - 3] ^= 0x40;
    const damaged = path.join(dir, 'damaged.pclntab');
    fs.writeFileSync(damaged, bytes);
    const e = t.throws(() => Symbolizer.open(bin, { strict: true, llgoSidecar: damaged }))!;
    t.true(isLlgiError(e, 'LLGI_LLGO_INVALID'));
    t.regex(e.message, /payload checksum/);
    // Another build's sidecar: its identity is not the image's.
    const other = Buffer.from(fs.readFileSync(b.sidecar!));
    other[64] ^= 1; // identity byte; the checksum does not cover the header
    const foreign = path.join(dir, 'foreign.pclntab');
    fs.writeFileSync(foreign, other);
    const f = t.throws(() => Symbolizer.open(bin, { strict: true, llgoSidecar: foreign }))!;
    t.true(isLlgiError(f, 'LLGI_LLGO_INVALID'));
    t.regex(f.message, /belongs to another build/);
    // Not a sidecar at all, and one that cannot be read.
    t.regex(t.throws(() => Symbolizer.open(bin, { strict: true, llgoSidecar: b.path }))!.message, /no LLGOPCL1 magic/);
    t.true(isLlgiError(t.throws(() => Symbolizer.open(bin, { strict: true, llgoSidecar: path.join(dir, 'nope') }))!, 'LLGI_IO'));
    t.true(isLlgiError(t.throws(() => Symbolizer.open(bin, { llgoSidecar: 42 as unknown as string }))!, 'LLGI_BAD_ARGUMENT'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

testWithLlgo('exe-none: -pclntab=none answers what the symbol table allows, and says so', (t) => {
  const b = scenario(CALLERS, 'exe-none');
  const reports = runProbes(b.path);
  const sym = Symbolizer.open(b.path, { strict: true });
  const text = ElfFile.open(b.path).executableRanges();
  t.is(sym.report?.llgo?.source, 'none');
  t.is(sym.report?.llgo?.functions, 0);
  for (const r of reports) {
    // llgo's runtime has nothing to name a frame with: it prints the pc.
    for (const f of r.frames) t.deepEqual([f.function, f.file, f.line, f.entry], [`pc=0x${f.pc.toString(16)}`, '', 0, 0n]);
    // Without a table to bound it, llgo's walk of a goroutine runs on into
    // libc: pcs outside the binary's text, which we leave unanswered.
    const inText = r.pcs.filter((p) => text.some((s) => p - 1n >= BigInt(s.start) && p - 1n < BigInt(s.end)));
    for (const p of r.pcs.filter((x) => !inText.includes(x))) t.deepEqual(sym.symbolize([p], { returnAddresses: true }), [[]]);
    const ours = sym.symbolize(inText, { returnAddresses: true }).map((fs_) => fs_[fs_.length - 1]);
    t.deepEqual(ours.map((f) => f.function), llvmFunctions(b.path, inText.map((p) => p - 1n)), r.tag);
    for (const f of ours) t.deepEqual([f.file, f.line, f.functionSource, f.lineSource], ['?', 0, 'symtab', 'none']);
  }
});
