// llgo's funcinfo tables read from disk and merged into the LLGI table
// (docs/llgo.md), on llgo-format fixtures built by compiler/llgo/fixture.ts
// with clang-19 + lld-19 (real llgo cannot be installed here: docs/llgo.md).
// Expected names come from docs/llgo-format.md §8, lines from the marks of
// test/fixtures/llgo/*.c, label addresses from llvm-nm-19.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { postlink } from '../compiler/embed/postlink';
import { buildLlgoFixture } from '../compiler/llgo/fixture';
import { LinkImage } from '../compiler/llgo/image';
import { readLlgoTables } from '../compiler/llgo/read';
import { callersFrames, funcForPC, load, modules, trace } from '../lib/index';
import { Symbolizer } from '../lib/symbolize';
import { APP_C, EXE_MAIN_C, NAMES, anchors, appExe, appShared, line, nm } from './helpers/llgo';
import { runCli } from './helpers/cli';
import { reserveFile } from './helpers/embed';
import { INCLUDE, buildLive } from './helpers/live';
import { testWith, tools, type Tool } from './helpers/tools';

const NEEDS: Tool[] = ['clang', 'lld', 'llvmNm'];

function symbolOf(cname: string): string {
  return appShared().marks.symbols.get(cname)!;
}

/** A function's llgo line: its LLGO_ENTRY line (§1.2: the first statement of the body). */
function entryLine(src: string, cname: string): number {
  const i = fs.readFileSync(src, 'utf8').split('\n').findIndex((l) => l.includes(`LLGO_ENTRY(${cname})`));
  return i + 1;
}

for (const kind of ['shared', 'exe'] as const) {
  testWith(NEEDS, `${kind}: every statement anchor and every function entry answers llgo's name, file and line`, (t) => {
    const fx = kind === 'shared' ? appShared() : appExe();
    const sources = kind === 'shared' ? [APP_C] : [APP_C, EXE_MAIN_C];
    const sym = Symbolizer.open(fx.path);
    t.like(sym.report!.llgo, { prebuilt: kind === 'exe' });
    t.deepEqual(sym.report!.warnings, []);
    const list = anchors(fx.path, sources, (c) => fx.marks.symbols.get(c)!);
    t.true(list.length >= 9);
    for (const a of list) {
      if (kind === 'exe' && a.cname === 'go_alloc') continue; // dead in the executable: --gc-sections dropped it
      t.true(a.addrs.length >= 1, `label of LLGO_LINE(${a.cname}, ${a.seq})`);
      for (const addr of a.addrs) {
        const [f] = sym.symbolize([addr]);
        t.is(f.length, 1);
        t.like(f[0], { function: NAMES[a.cname].name, gcFunction: NAMES[a.cname].gc, file: a.file, line: a.line, functionSource: 'llgo', lineSource: 'llgo' },
          `LLGO_LINE(${a.cname}, ${a.seq})`);
      }
    }
    const syms = nm(fx.path);
    for (const [cname, want] of Object.entries(NAMES)) {
      const addr = syms.get(fx.marks.symbols.get(cname) ?? '');
      if (addr === undefined) {
        t.true(cname === 'go_main' || (kind === 'exe' && cname === 'go_alloc'), `${cname} missing`);
        continue;
      }
      const src = cname === 'go_main' ? EXE_MAIN_C : APP_C;
      const [f] = sym.symbolize([addr]);
      t.like(f[0], { function: want.name, gcFunction: want.gc, file: src, line: entryLine(src, cname), functionSource: 'llgo' }, cname);
    }
    // A C function between Go functions keeps its symbol-table name (no DWARF: no line).
    const [c] = sym.symbolize([syms.get('c_between')!]);
    t.like(c[0], { function: 'c_between', gcFunction: 'c_between', file: '?', line: 0, functionSource: 'symtab', lineSource: 'none' });
  });
}

testWith(NEEDS, 'exe: the process tail is llgo\'s (C main is runtime.goexit), and the executable runs after the LLGOFTB1 rewrite', (t) => {
  const fx = appExe();
  const sym = Symbolizer.open(fx.path);
  const syms = nm(fx.path);
  t.like(sym.symbolize([syms.get('main')!])[0][0], { function: 'runtime.goexit', file: '?', line: 0, functionSource: 'llgo' });
  t.like(sym.symbolize([syms.get('runtime.main')!])[0][0], { function: 'runtime.main', file: '?', line: 0, functionSource: 'llgo' });
  const r = spawnSync(fx.path, { encoding: 'utf8' });
  t.is(r.status, 0);
  t.regex(r.stdout, /^llgo fixture: \d+\n$/);
  const raw = spawnSync(appExe(false).path, { encoding: 'utf8' });
  t.is(raw.stdout, r.stdout);
});

testWith(NEEDS, 'exe: LLGOFTB1 adoption and the raw entry sites give the same answer at every text address', (t) => {
  const pre = Symbolizer.open(appExe(true).path);
  const raw = Symbolizer.open(appExe(false).path);
  t.true(pre.report!.llgo!.prebuilt);
  t.false(raw.report!.llgo!.prebuilt);
  const elf = ElfFile.open(appExe(false).path);
  const text = elf.section('.text')!;
  const addrs = Array.from({ length: text.size }, (_, i) => text.addr + i);
  const a = pre.symbolize(addrs);
  const b = raw.symbolize(addrs);
  t.deepEqual(a, b);
  // And the tables themselves: the prebuilt rows are the raw anchors' owners (true entries).
  const tp = readLlgoTables(ElfFile.open(appExe(true).path))!;
  const tr = readLlgoTables(elf)!;
  const syms = nm(appExe(false).path);
  const byFunc = new Map(tp.entries.map((e) => [tp.funcs[e.func].symbol, e.pc]));
  for (const e of tr.entries) {
    const s = tr.funcs[e.func].symbol;
    t.is(byFunc.get(s), syms.get(s), s);
    t.true(e.pc >= syms.get(s)!, `${s}: the anchor is at or after the symbol`);
  }
});

testWith([...NEEDS, 'llvmSymbolizer'], 'with DWARF: llgo\'s functions answer llgo\'s lines and no inlined frames, as llgo\'s runtime does; C functions keep DWARF\'s', (t) => {
  const fx = appShared({ dwarf: true });
  const sym = Symbolizer.open(fx.path);
  const syms = nm(fx.path);
  // quiet has no anchors: every pc answers its record line, whatever DWARF
  // says (llgo's runtime reads no DWARF: test/llgo-real.test.ts, exe-dwarf).
  const quiet = syms.get(symbolOf('quiet'))!;
  for (let a = quiet; a < quiet + 32; a++) {
    t.like(sym.symbolize([a])[0], [{ function: 'main.quiet', functionSource: 'llgo', lineSource: 'llgo', file: APP_C, line: line(APP_C, '@quiet:entry') }]);
  }
  // An anchored function answers the anchor's line even where DWARF would differ.
  for (const a of anchors(fx.path, [APP_C], symbolOf)) {
    for (const addr of a.addrs) t.like(sym.symbolize([addr])[0], [{ line: a.line, lineSource: 'llgo' }]);
  }
  // The C function gets DWARF's lines.
  t.like(sym.symbolize([syms.get('c_between')!])[0][0], { function: 'c_between', functionSource: 'symtab', lineSource: 'dwarf', file: APP_C });
});

/** A distinct copy of a fixture (its own inode: dlopen loads it as another module). */
function copyOf(src: string, name: string): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-llgo-')), `${name}.so`);
  fs.copyFileSync(src, out);
  return out;
}

const freshCache = () => fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-llgo-cache-'));

testWith(NEEDS, 'live: a loaded llgo-format module symbolizes its stacks with llgo names and anchor lines', (t) => {
  // No DWARF, nothing cached or embedded: the table is built from the module's memory.
  const m = load(copyOf(appShared().path, 'live'), { cacheDir: freshCache() });
  t.is(m.tableSource, 'llgo-memory');
  const r = trace(() => m.call('llgo_run', 1));
  t.is(r.stacks.length, 2);
  const view = (pcs: bigint[]) => callersFrames(pcs).map((f) => ({ function: f.function, gc: f.gcFunction, line: f.line }));
  const tail = [
    { function: NAMES.closure2.name, gc: NAMES.closure2.gc, line: line(APP_C, '@closure2->M') },
    { function: NAMES.closure1.name, gc: NAMES.closure1.gc, line: line(APP_C, '@closure1->closure2') },
    // No anchors and no DWARF: llgo's record line.
    { function: 'main.quiet', gc: 'main.quiet', line: line(APP_C, '@quiet:entry') },
    { function: NAMES.generic_map.name, gc: NAMES.generic_map.gc, line: line(APP_C, '@generic->quiet') },
    { function: NAMES.user_init.name, gc: NAMES.user_init.gc, line: line(APP_C, '@init->generic') },
    { function: NAMES.bound_m.name, gc: NAMES.bound_m.gc, line: line(APP_C, '@bound->init') },
    { function: 'main.work', gc: 'main.work', line: line(APP_C, '@work->bound') },
    { function: 'llgo_run', gc: 'llgo_run', line: 0 },
  ];
  t.deepEqual(view(r.stacks[0]), [{ function: NAMES.method_m.name, gc: NAMES.method_m.gc, line: line(APP_C, '@M:probe') }, ...tail]);
  t.deepEqual(view(r.stacks[1]), [
    { function: 'c_between', gc: 'c_between', line: 0 },
    { function: NAMES.method_m.name, gc: NAMES.method_m.gc, line: line(APP_C, '@M->c_between') },
    ...tail,
  ]);
});

testWith(NEEDS, 'live: the in-memory table and the file-built table answer alike at every text address', (t) => {
  const src = appShared().path;
  const mem = load(copyOf(src, 'mem'), { table: 'llgo-memory' });
  const file = load(copyOf(src, 'file'), { table: 'file', cacheDir: freshCache() });
  t.is(mem.tableSource, 'llgo-memory');
  t.is(file.tableSource, 'built');
  const elf = ElfFile.open(src);
  const text = elf.section('.text')!;
  // The memory table knows the dynamic symbols; the file's .symtab adds crt's local functions.
  const dynamic = new Set(elf.dynamicSymbols().map((s) => s.name));
  let compared = 0;
  for (let off = text.addr; off < text.addr + text.size; off++) {
    const a = funcForPC(mem.base + BigInt(off));
    const b = funcForPC(file.base + BigInt(off));
    if (!b || (!dynamic.has(elf.symbols().find((s) => s.value === Number(b.entry - file.base))?.name ?? '') && !b.name.startsWith('main.') && !b.name.startsWith('example.com/'))) continue;
    t.truthy(a, `0x${off.toString(16)}`);
    t.deepEqual([a!.name, a!.gcName, a!.file, a!.line, a!.entry - mem.base], [b.name, b.gcName, b.file, b.line, b.entry - file.base], `0x${off.toString(16)}`);
    compared++;
  }
  t.true(compared > 300);
  const r1 = trace(() => mem.call('llgo_run', 1));
  const r2 = trace(() => file.call('llgo_run', 1));
  const strip = (pcs: bigint[], m: typeof mem) => callersFrames(pcs).map((f) => [f.function, f.gcFunction, f.file, f.line, f.entry - m.base, f.functionSource, f.lineSource]);
  t.deepEqual(strip(r1.stacks[0], mem), strip(r2.stacks[0], file));
  t.deepEqual(strip(r1.stacks[1], mem), strip(r2.stacks[1], file));
  t.throws(() => load(src, { table: 'memory' as never }), { code: 'LLGI_BAD_ARGUMENT', message: /'auto', 'file' or 'llgo-memory'/ });
  // A module without llgo tables has no in-memory table to build.
  t.throws(() => load(copyOf(buildLive('clang', ['chain.c']), 'plain'), { table: 'llgo-memory' }), { code: 'LLGI_BAD_ARGUMENT' });
});

testWith(NEEDS, 'postlink on an llgo-format module: load() adopts the embedded table, which answers as the in-memory one', (t) => {
  const fx = buildLlgoFixture({ sources: [APP_C, reserveFile(65536)], kind: 'shared', flags: [`-I${INCLUDE}`], compiler: tools.clang!, name: 'llgo-app-reserved' });
  const emb = copyOf(fx.path, 'emb');
  postlink(emb);
  const e = load(emb, { cacheDir: freshCache() });
  const mem = load(copyOf(fx.path, 'mem'), { table: 'llgo-memory' });
  t.is(e.tableSource, 'embedded');
  t.is(mem.tableSource, 'llgo-memory');
  const view = (pcs: bigint[], m: typeof e) => callersFrames(pcs).map((f) => [f.function, f.gcFunction, f.file, f.line, f.entry - m.base, f.functionSource, f.lineSource]);
  const a = trace(() => e.call('llgo_run', 1)).stacks;
  const b = trace(() => mem.call('llgo_run', 1)).stacks;
  t.is(a.length, 2);
  t.deepEqual(a.map((s) => view(s, e)), b.map((s) => view(s, mem)));
  t.like(callersFrames(a[0])[1], { function: 'main.work$1.func2', gcFunction: 'main.work.func1.2', line: line(APP_C, '@closure2->M'), functionSource: 'llgo' });
});

// ---- corrupted llgo tables: refused with LLGI_LLGO_INVALID, never half-read ----

function corrupt(src: string, name: string, edit: (buf: Buffer, elf: ElfFile, at: (global: string) => number) => void): string {
  const elf = ElfFile.open(src);
  const img = new LinkImage(elf);
  const at = (global: string) => {
    const s = elf.symbols().find((x) => x.name === global)!;
    return img.fileOffset(Number(img.word(s.value, global)))!;
  };
  const buf = Buffer.from(elf.buf);
  edit(buf, elf, at);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-llgo-')), `${name}.so`);
  fs.writeFileSync(out, buf);
  return out;
}

const CORRUPTIONS: [string, RegExp, (buf: Buffer, elf: ElfFile, at: (g: string) => number) => void][] = [
  ['string ID past the string count', /string ID/, (b, _e, at) => b.writeUInt32LE(0xffff, at('__llgo_funcinfo_table') + 4)],
  ['string offset outside every segment', /string/, (b, _e, at) => b.writeUInt32LE(0x7fffffff, at('__llgo_funcinfo_string_offsets') + 8)],
  ['symbol index out of order', /not sorted/, (b, _e, at) => {
    const o = at('__llgo_funcinfo_symbol_index');
    const row = Buffer.from(b.subarray(o, o + 16));
    b.copy(b, o, o + 16, o + 32);
    row.copy(b, o + 16);
  }],
  ['symbol index row pointing at another record', /does not hash/, (b, _e, at) => {
    const o = at('__llgo_funcinfo_symbol_index');
    b.writeUInt32LE(b.readUInt32LE(o + 8) === 1 ? 2 : 1, o + 8);
  }],
  ['pcline record naming record 0', /names record 0/, (b, _e, at) => b.writeUInt32LE(0, at('__llgo_pcline_table') + 8)],
];

for (const [what, message, edit] of CORRUPTIONS) {
  testWith(NEEDS, `corrupt llgo table (${what}): refused with LLGI_LLGO_INVALID; the symbol table answers instead`, (t) => {
    const bad = corrupt(appShared().path, what.replace(/\W+/g, '-'), edit);
    t.throws(() => readLlgoTables(ElfFile.open(bad)), { code: 'LLGI_LLGO_INVALID', message });
    // Same build-id and size as the intact library: read without the table cache (docs/table-cache.md).
    t.throws(() => Symbolizer.open(bad, { strict: true, cacheDir: false }), { code: 'LLGI_LLGO_INVALID' });
    const sym = Symbolizer.open(bad, { cacheDir: false });
    t.is(sym.report!.llgo, undefined);
    t.regex(sym.report!.warnings.join('\n'), message);
    const addr = nm(bad).get('main.work$1')!;
    t.like(sym.symbolize([addr])[0][0], { function: 'main.work$1', functionSource: 'symtab' });
    // In memory (no DWARF, nothing cached): load() refuses the module; nothing stays registered.
    const before = modules().length;
    t.throws(() => load(bad, { cacheDir: freshCache() }), { code: 'LLGI_LLGO_INVALID' });
    t.is(modules().length, before);
  });
}

testWith(NEEDS, 'corrupt LLGOFTB1 (a bucket that disagrees with its rows): refused', (t) => {
  const src = appExe().path;
  const elf = ElfFile.open(src);
  const sec = elf.section('llgo_funcinfo_entry')!;
  const buf = Buffer.from(elf.buf);
  const count = buf.readUInt32LE(sec.offset + 24);
  const bucket = sec.offset + 32 + 8 * count;
  buf.writeUInt16LE(buf.readUInt16LE(bucket + 4 + 30) + 1, bucket + 4 + 30);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-llgo-')), 'ftb-bucket');
  fs.writeFileSync(out, buf);
  t.throws(() => readLlgoTables(ElfFile.open(out)), { code: 'LLGI_LLGO_INVALID', message: /bucket 0 disagrees/ });
});

testWith(NEEDS, 'CLI: symbolize prints llgo names, gc names with --gc-names, and sources in --json', (t) => {
  const fx = appShared();
  const addr = `0x${nm(fx.path).get('main.work$1$2')!.toString(16)}`;
  const plain = runCli(['symbolize', fx.path, addr]);
  t.is(plain.status, 0, plain.stderr);
  t.is(plain.stdout, `main.work$1.func2\n\t${APP_C}:${line(APP_C, '@closure2:entry')}\n\n`);
  const gc = runCli(['symbolize', '--gc-names', fx.path, addr]);
  t.is(gc.stdout, `main.work.func1.2\n\t${APP_C}:${line(APP_C, '@closure2:entry')}\n\n`);
  const json = JSON.parse(runCli(['symbolize', '--json', fx.path, addr]).stdout);
  t.like(json[0].frames[0], { function: 'main.work$1.func2', gcFunction: 'main.work.func1.2', functionSource: 'llgo', lineSource: 'llgo' });
});
