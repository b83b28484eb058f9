// Embedded tables (docs/embedding.md): the link-time reservation, the
// post-link writer (in place, idempotent, atomic, refusing what does not fit)
// and load()'s zero-copy adoption of the table from the loaded image.
// Expected frames come from the fixtures' markers, llvm-symbolizer-19 and the
// same module loaded with a built table, never from the embedded table itself.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findReservation, postlink } from '../compiler/embed/postlink';
import { SUMS_CHUNK, SUMS_MAGIC, X, sumsSize } from '../compiler/embed/sums';
import { ELEM_SIZE, H, SECTIONS, tableChecksum } from '../compiler/table/format';
import { native } from '../lib/native';
import { NOTE_DESC_OFFSET, reserveSource } from '../compiler/embed/reserve';
import { ElfFile, SHF_EXECINSTR } from '../compiler/elf';
import { LlgiError, type LlgiErrorCode } from '../compiler/errors';
import { buildTable } from '../compiler/table/build';
import { compile, defaultCacheDir } from '../compiler/toolchain/cc';
import { callersFrames, funcForPC, load, modules, trace, type LiveFrame, type Module } from '../lib/index';
import { runCli } from './helpers/cli';
import { buildReserved, reservedChain, reservedMany } from './helpers/embed';
import { compilerPath, FIXTURES } from './helpers/fixtures';
import { buildLive, ccTool, chainGroups, checkStack, COMPILERS, dropWrappers, INCLUDE, intFn, liveSource, view } from './helpers/live';
import { llvmSymbolize } from './helpers/oracle';
import { testWith, tools } from './helpers/tools';

const RESERVE = 64 * 1024;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-embed-'));
let serial = 0;
/** A private copy of `file` (tests postlink, strip and corrupt copies, never the cached builds). */
function copy(file: string, name = path.basename(file)): string {
  const dir = path.join(tmp, String(serial++));
  fs.mkdirSync(dir);
  const out = path.join(dir, name);
  fs.copyFileSync(file, out);
  return out;
}

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

function expectError(t: import('ava').ExecutionContext, f: () => unknown, code: LlgiErrorCode, what: string): LlgiError | undefined {
  const e = t.throws(f, { instanceOf: LlgiError }, what);
  t.is(e?.code, code, `${what}: ${e?.message}`);
  return e;
}

/** The table postlink must write: built from the binary as linked (reservation all zero). */
function expectedTable(original: string): Buffer {
  return buildTable(ElfFile.open(original)).table;
}

/** Text addresses (link-time) to compare answers at: every 3rd byte of every executable section. */
function textAddrs(file: string): number[] {
  const out: number[] = [];
  for (const s of ElfFile.open(file).sections) if (s.flags & SHF_EXECINSTR) for (let a = s.addr; a < s.addr + s.size; a += 3) out.push(a);
  return out;
}

/** Index of the function at `addr` in `table` (the C reader, whole adoption). */
function findFunc(table: Buffer, addr: bigint): number {
  return new (native().Table)(Buffer.from(table)).findFunc(addr);
}

/**
 * A copy of the postlinked `so` whose embedded table has the first line of
 * the function at link-time `addr` changed by one (a row past the first
 * chunk, so only first-use validation can meet it).
 */
function damageFirstRow(t: import('ava').ExecutionContext, so: string, res: ReturnType<typeof postlink>, addr: bigint): string {
  const d = fs.readFileSync(so);
  const table = d.subarray(res.reservation.offset, res.reservation.offset + res.tableBytes);
  const sec = (s: (typeof SECTIONS)[number]) => table.readUInt32LE(H.sections + 8 * SECTIONS.indexOf(s));
  const fi = findFunc(table, addr);
  t.true(fi > 0);
  const rowStart = table.readUInt32LE(sec('funcs') + fi * ELEM_SIZE.funcs + 16);
  const at = sec('rows') + rowStart * ELEM_SIZE.rows + 8;
  t.true(at >= SUMS_CHUNK, 'past the first chunk (checked at load)');
  const bad = copy(so, 'bad.so');
  d[res.reservation.offset + at] ^= 1;
  fs.writeFileSync(bad, d);
  return bad;
}

/** funcForPC and callersFrames of `m` at link-time addresses, with runtime addresses made relative. */
function answers(m: Module, addrs: number[]) {
  const rel = (f: LiveFrame) => ({ ...view(f), pc: f.pc - m.base, entry: f.entry - m.base, module: f.module === m });
  return addrs.map((a) => {
    const pc = BigInt(a) + m.base;
    const f = funcForPC(pc);
    return {
      func: f && { name: f.name, entry: f.entry - m.base, file: f.file, line: f.line },
      frames: callersFrames([pc]).map(rel),
    };
  });
}

/**
 * The chain trace (markers) and each frame against llvm-symbolizer-19 at
 * pc-1. For a stripped module, `unstripped` is the file it was stripped from
 * (same addresses): the oracle and the entries come from it.
 */
function checkChain(t: import('ava').ExecutionContext, m: Module, label: string, unstripped?: string): void {
  const r = trace(() => intFn(m, 'chain_a')(1));
  t.is(r.value, 105, `${label}: chain_a(1)`);
  t.is(r.stacks.length, 1, `${label}: one probe`);
  const frames = callersFrames(r.stacks[0]);
  if (!unstripped) checkStack(t, frames, r.stacks[0], chainGroups(m), label);
  else {
    const groups = chainGroups(m);
    t.deepEqual(frames.map(view), groups.flatMap((g) => g.frames), `${label}: logical frames`);
    t.deepEqual(frames.map((f) => f.entry), groups.map((g) => m.symbol(g.physical)), `${label}: entries`);
    t.deepEqual(frames.map((f) => f.pc), r.stacks[0].map((pc) => pc - 1n), `${label}: pcs`);
  }
  if (tools.llvmSymbolizer) {
    const oracle = llvmSymbolize(unstripped ?? m.path, r.stacks[0].map((pc) => pc - 1n - m.base)).flatMap(dropWrappers);
    t.deepEqual(frames.map((f) => ({ function: f.function, file: f.file, line: f.line })), oracle, `${label}: llvm-symbolizer-19 agrees`);
  }
}

test('reserveSource: one 8-aligned allocated note, name LLGI.table, type 1, desc of the reserved size at offset 24', (t) => {
  const s = reserveSource(1000);
  t.regex(s, /\.section \.note\.llgi,"a",@note/);
  t.regex(s, /\.long 11\b/);
  t.regex(s, /\.long 1000\b/); // already a multiple of 8
  t.regex(s, /\.zero 1000\b/);
  t.regex(reserveSource(1001), /\.zero 1008\b/);
  t.is(NOTE_DESC_OFFSET, 24);
  t.throws(() => reserveSource(0), { instanceOf: LlgiError });
  t.throws(() => reserveSource(1.5), { instanceOf: LlgiError });
});

for (const cc of COMPILERS) {
  testWith([ccTool(cc)], `${cc}: postlink writes exactly the built table into the reservation, zero after it, nothing else; a second run is byte-identical`, (t) => {
    const original = reservedChain(cc, RESERVE);
    const so = copy(original);
    fs.chmodSync(so, 0o751);
    const before = fs.readFileSync(so);
    const r = findReservation(ElfFile.open(so));
    t.is(r.size, RESERVE);
    t.is(r.vaddr % 8, 0, 'the descriptor is 8-byte aligned');
    t.true(before.subarray(r.offset, r.offset + r.size).every((b) => b === 0), 'reserved as zeros');

    const res = postlink(so);
    const after = fs.readFileSync(so);
    const table = expectedTable(original);
    t.is(res.tableBytes, table.length);
    t.is(res.reservedBytes, RESERVE);
    t.is(res.output, so);
    t.is(after.length, before.length, 'the file does not grow');
    t.true(after.subarray(r.offset, r.offset + table.length).equals(table), 'the descriptor starts with the table');
    // Then the checksum index at the next 8-byte boundary, its fields derived here, not from postlink.
    const xAt = r.offset + Math.ceil(table.length / 8) * 8;
    const x = after.subarray(xAt, xAt + sumsSize(table.length));
    t.is(res.sumsBytes, x.length);
    t.is(x.toString('latin1', X.magic, X.magic + 8), SUMS_MAGIC);
    t.is(x.readUInt32LE(X.chunk), 4096);
    t.is(x.readUInt32LE(X.nchunks), Math.ceil(table.length / SUMS_CHUNK));
    t.is(x.readUInt32LE(X.tableSize), table.length);
    t.is(x.readUInt32LE(X.headerSum), tableChecksum(table, 0, 96));
    t.is(x.readUInt32LE(X.maxDepth), new (native().Table)(table).info().maxDepth, 'the deepest inline chain, as whole adoption measures it');
    t.true(after.subarray(r.offset + table.length, xAt).every((b) => b === 0), 'zeros between them');
    t.true(after.subarray(xAt + x.length, r.offset + r.size).every((b) => b === 0), 'zeros after the index');
    t.true(after.subarray(0, r.offset).equals(before.subarray(0, r.offset)), 'bytes before the descriptor unchanged');
    t.true(after.subarray(r.offset + r.size).equals(before.subarray(r.offset + r.size)), 'bytes after the descriptor unchanged');
    t.is(fs.statSync(so).mode & 0o7777, 0o751, 'file mode kept');
    t.deepEqual(fs.readdirSync(path.dirname(so)), [path.basename(so)], 'no temporary file left');

    postlink(so);
    t.true(fs.readFileSync(so).equals(after), 'second run: byte-identical');
    // readelf sees one well-formed note of the reserved size.
    if (tools.readelf) t.regex(run(tools.readelf, ['-nW', so]), new RegExp(`LLGI\\.table\\s+0x0*${RESERVE.toString(16)}\\b`));
  });

  testWith([ccTool(cc)], `${cc}: load() adopts the embedded table (tableSource 'embedded'); every answer equals the same module with a built table`, (t) => {
    const so = copy(reservedChain(cc, RESERVE, 'adopt'));
    const plain = copy(so, 'plain.so'); // same bytes, reservation left empty
    postlink(so);
    const me = load(so);
    const mb = load(plain, { cacheDir: path.join(tmp, 'no-cache') });
    t.is(me.tableSource, 'embedded');
    t.is(me.tableValidation, 'first-use');
    t.is(mb.tableSource, 'built', 'an empty reservation is no table: built silently');
    t.is(mb.tableValidation, 'load');
    checkChain(t, me, 'embedded');
    const addrs = textAddrs(so);
    t.true(addrs.length > 100);
    t.deepEqual(answers(me, addrs), answers(mb, addrs), 'funcForPC and callersFrames at every 3rd text byte');
    t.is(funcForPC(me.symbol('chain_b')!)?.name, 'chain_b');

    // close(): the table goes with the image, but pcs captured before still answer.
    const r = trace(() => intFn(me, 'chain_a')(1));
    const want = callersFrames(r.stacks[0]).map(view);
    me.close();
    mb.close();
    t.deepEqual(callersFrames(r.stacks[0]).map(view), want, 'after close, from the copied table');
  });

  testWith([ccTool(cc)], `${cc}: the table note is found after another note in an 8-aligned PT_NOTE (8-byte note padding)`, (t) => {
    // A note before ours whose 8-byte padding differs from 4-byte padding: namesz 5
    // puts its desc at 24 (20 with 4-byte padding), descsz 4 the next note at 32 (24).
    const text = reserveSource(RESERVE).replace('\t.p2align 3\n', '\t.p2align 3\n\t.long 5\n\t.long 4\n\t.long 7\n\t.asciz "ABCD"\n\t.p2align 3\n\t.long 0x01020304\n\t.p2align 3\n');
    t.not(text, reserveSource(RESERVE));
    const s = path.join(defaultCacheDir(), 'embed', 'llgi-reserve-after-note.s');
    fs.mkdirSync(path.dirname(s), { recursive: true });
    fs.writeFileSync(`${s}.${process.pid}`, text);
    fs.renameSync(`${s}.${process.pid}`, s);
    const built = compile({ compiler: compilerPath(cc), sources: [liveSource('chain.c'), s], flags: [`-I${INCLUDE}`, '-DLIVE_VARIANT="afternote"'], kind: 'shared', name: `embed-afternote-${cc}` });
    const so = copy(built);
    const seg = ElfFile.open(so).segments.find((p) => p.type === 4 && p.align === 8);
    const r = postlink(so).reservation;
    t.truthy(seg, 'an 8-aligned PT_NOTE');
    t.is(r.offset, (seg?.offset ?? 0) + 32 + 24, 'desc after the first note (32 bytes) and our note header (24)');
    const m = load(so);
    t.is(m.tableSource, 'embedded');
    checkChain(t, m, 'after another note');
  });

  testWith([ccTool(cc)], `${cc}: load() of an embedded module parses neither sections nor DWARF: a section header table past the end of the file does not matter`, (t) => {
    const so = copy(reservedChain(cc, RESERVE, 'noparse'));
    postlink(so);
    // e_shoff past the end: the full ELF reader (and so the table builder) refuses the file; dlopen does not care.
    const broken = (f: string) => {
      const b = fs.readFileSync(f);
      b.writeBigUInt64LE(BigInt(b.length + 4096), 40);
      fs.writeFileSync(f, b);
      return f;
    };
    const plain = broken(copy(reservedChain(cc, RESERVE, 'noparse'), 'plain.so'));
    broken(so);
    expectError(t, () => ElfFile.open(so), 'LLGI_ELF_TRUNCATED', 'the ELF reader refuses it');
    const before = modules().map((m) => m.path);
    expectError(t, () => load(plain, { cacheDir: path.join(tmp, 'no-cache') }), 'LLGI_ELF_TRUNCATED', 'without an embedded table the file is parsed');
    t.deepEqual(modules().map((m) => m.path), before, 'nothing registered');
    const m = load(so);
    t.is(m.tableSource, 'embedded');
    t.is(funcForPC(m.symbol('chain_c')!)?.name, 'chain_c');
    m.close();
  });

  testWith([ccTool(cc), 'strip'], `${cc}: strip after postlink keeps the embedded table; postlink after strip embeds the stripped binary's table`, (t) => {
    const original = reservedChain(cc, RESERVE, 'strip');
    const a = copy(original, 'a.so');
    postlink(a);
    run(tools.strip!, [a]);
    t.is(ElfFile.open(a).section('.symtab'), undefined, 'stripped');
    const ma = load(a);
    t.is(ma.tableSource, 'embedded');
    checkChain(t, ma, 'strip after postlink', original);
    // The table was built before strip: static functions keep their names.
    t.true(ElfFile.open(a).dynamicSymbols().every((s) => s.name !== 'fp_leaf'), 'fp_leaf is not exported');
    const r = trace(() => intFn(ma, 'fp_entry')(1));
    t.deepEqual(callersFrames(r.stacks[0]).map((f) => f.function), ['fp_leaf', 'fp_mid', 'fp_entry']);

    const b = copy(original, 'b.so');
    run(tools.strip!, [b]);
    const plain = copy(b, 'plain.so');
    const res = postlink(b);
    t.true(fs.readFileSync(b).subarray(res.reservation.offset, res.reservation.offset + res.tableBytes).equals(expectedTable(plain)));
    const mb = load(b);
    const mp = load(plain, { cacheDir: path.join(tmp, 'no-cache') });
    t.is(mb.tableSource, 'embedded');
    t.is(mp.tableSource, 'built');
    const addrs = textAddrs(original);
    t.deepEqual(answers(mb, addrs), answers(mp, addrs), 'postlink after strip: same answers as a table built from the stripped file');
  });

  testWith([ccTool(cc)], `${cc}: postlink refuses a reservation too small (needed vs reserved bytes) and a binary without one; the file stays byte-identical`, (t) => {
    const small = copy(reservedChain(cc, 64));
    const before = fs.readFileSync(small);
    const need = expectedTable(small).length;
    const e = expectError(t, () => postlink(small), 'LLGI_EMBED_TOO_SMALL', 'tiny reservation');
    t.regex(e?.message ?? '', new RegExp(`needs ${need} bytes.*holds 64\\b`));
    t.true(fs.readFileSync(small).equals(before), 'unchanged');
    t.deepEqual(fs.readdirSync(path.dirname(small)), [path.basename(small)], 'no temporary file left');

    const none = copy(buildLive(cc, ['chain.c']));
    const noneBefore = fs.readFileSync(none);
    expectError(t, () => postlink(none), 'LLGI_EMBED_MISSING', 'no reservation');
    t.true(fs.readFileSync(none).equals(noneBefore), 'unchanged');
    expectError(t, () => postlink(path.join(tmp, 'no-such.so')), 'LLGI_IO', 'missing file');
  });

  testWith([ccTool(cc)], `${cc}: a reservation with room for the table but not its checksum index: postlink writes the table alone and warns; load() validates it whole`, (t) => {
    // The table's size does not depend on the reservation's (same functions, rows and strings).
    const need = expectedTable(reservedChain(cc, 64)).length;
    const so = copy(reservedChain(cc, need));
    t.is(expectedTable(so).length, need);
    const res = postlink(so);
    t.is(res.tableBytes, need);
    t.is(res.sumsBytes, 0);
    t.true(res.report.warnings.some((w) => /no room for the checksum index/.test(w)), res.report.warnings.join('\n'));
    const m = load(so);
    t.is(m.tableSource, 'embedded');
    t.is(m.tableValidation, 'load', 'no index: validated whole at load');
    checkChain(t, m, 'no index');
    m.close();
  });

  testWith([ccTool(cc)], `${cc}: an executable with a reservation runs and prints the same after postlink`, (t) => {
    const exe = copy(buildReserved(cc, [path.join(FIXTURES, 'embed', 'hello.c')], { bytes: RESERVE, kind: 'exe' }), 'hello');
    const want = 'fib(20)=6765 square(7)=49\n';
    t.is(run(exe, []), want);
    const res = postlink(exe);
    t.true(res.functions >= 3);
    t.is(run(exe, []), want, 'runs after postlink');
    t.true(fs.statSync(exe).mode & 0o100 ? true : false, 'still executable');
    postlink(exe);
    t.is(run(exe, []), want, 'and after a second postlink');
  });

  testWith([ccTool(cc)], `${cc}: a corrupted embedded table makes load() throw LLGI_TABLE_INVALID, registers nothing, and the process is fine`, (t) => {
    const so = copy(reservedChain(cc, RESERVE, 'corrupt'));
    const res = postlink(so);
    const before = modules().map((m) => m.path);
    const bytes = fs.readFileSync(so);
    // One byte flipped in the middle of the table (covered by its checksum), validated at load.
    const bad = copy(so, 'flipped.so');
    const at = res.reservation.offset + (res.tableBytes >> 1);
    const b1 = Buffer.from(bytes);
    b1[at] ^= 0x40;
    fs.writeFileSync(bad, b1);
    const e = expectError(t, () => load(bad, { validate: 'load' }), 'LLGI_TABLE_INVALID', 'flipped byte');
    t.regex(e?.message ?? '', /embedded/);
    t.deepEqual(modules().map((m) => m.path), before, 'nothing registered');
    // A header claiming more than the note holds.
    const big = copy(so, 'toobig.so');
    const b2 = Buffer.from(bytes);
    b2.writeUInt32LE(RESERVE + 8, res.reservation.offset + 12);
    fs.writeFileSync(big, b2);
    expectError(t, () => load(big), 'LLGI_TABLE_INVALID', 'total size past the note');
    t.deepEqual(modules().map((m) => m.path), before, 'nothing registered');
    // The process is fine: the good file loads and traces.
    const m = load(so);
    t.is(m.tableSource, 'embedded');
    checkChain(t, m, 'after errors');
  });

  testWith([ccTool(cc)], `${cc}: validation at first use: damage past the first chunk loads, is refused (LLGI_TABLE_INVALID) by the first lookup that meets it and by every lookup after it; validate 'load' refuses it at load`, (t) => {
    const so = copy(reservedMany(cc, 200, RESERVE));
    const res = postlink(so);
    t.true(res.tableBytes > 3 * SUMS_CHUNK, `${res.tableBytes} bytes: several chunks`);
    t.true(res.sumsBytes > 0);
    const plain = copy(reservedMany(cc, 200, RESERVE), 'plain.so');
    const mb = load(plain, { cacheDir: path.join(tmp, 'no-cache') });
    const entries = Array.from({ length: 200 }, (_, i) => mb.symbol(`f_${i}`)! - mb.base);
    // Clean: first use and whole validation give the built table's answers, at every entry and every 3rd byte.
    const addrs = [...entries.map(Number), ...textAddrs(plain)];
    const want = answers(mb, addrs);
    for (const validate of ['first-use', 'load'] as const) {
      const m = load(copy(so), { validate });
      t.is(m.tableValidation, validate);
      t.deepEqual(answers(m, addrs), want, `validate '${validate}': same answers as the built table`);
      m.close();
    }
    // The first line of f_199 changed by one: without checksums a silent wrong answer.
    const before = modules().map((m) => m.path);
    t.throws(() => load(so, { validate: 'lazy' as never }), { code: 'LLGI_BAD_ARGUMENT', message: /'first-use' or 'load'/ });
    t.deepEqual(modules().map((m) => m.path), before, 'a bad option loads nothing');
    const bad = damageFirstRow(t, so, res, entries[199]);
    expectError(t, () => load(bad, { validate: 'load' }), 'LLGI_TABLE_INVALID', "validate 'load'");
    t.deepEqual(modules().map((m) => m.path), before, 'nothing registered');
    const m = load(bad);
    t.is(m.tableValidation, 'first-use', 'loads: the damage is not read at load');
    const e = expectError(t, () => funcForPC(entries[199] + m.base), 'LLGI_TABLE_INVALID', 'the first lookup in the damaged bucket');
    t.regex(e?.message ?? '', /chunk checksum/);
    expectError(t, () => funcForPC(entries[0] + m.base), 'LLGI_TABLE_INVALID', 'refused for good: any later lookup');
    expectError(t, () => callersFrames([entries[0] + m.base + 1n]), 'LLGI_TABLE_INVALID', 'callersFrames too');
    m.close();
    // A chunk sum damaged in the index: its page of sums fails at first use.
    const badSum = copy(so, 'badsum.so');
    const b2 = fs.readFileSync(so);
    const xAt = res.reservation.offset + Math.ceil(res.tableBytes / 8) * 8;
    b2[xAt + res.sumsBytes - 2] ^= 1; // the last chunk's sum (one page: the page sum covers it)
    fs.writeFileSync(badSum, b2);
    const ms = load(badSum);
    const e2 = expectError(t, () => callersFrames(entries.map((x) => x + ms.base)), 'LLGI_TABLE_INVALID', 'a lookup needing a chunk of that page');
    t.regex(e2?.message ?? '', /checksum index page fails its page sum/);
    ms.close();
    mb.close();
    // The process is fine: the good file loads and answers.
    const ok = load(copy(so));
    t.deepEqual(answers(ok, addrs), want);
    ok.close();
  });

  testWith([ccTool(cc)], `${cc}: a table refused at first use refuses the pcs funcForPC cached before, too`, (t) => {
    const so = copy(reservedMany(cc, 1000, 4 * RESERVE));
    const res = postlink(so);
    const entry = (name: string) => BigInt(ElfFile.open(so).symbols().find((x) => x.name === name)!.value);
    // The damage in the middle of the rows: far from f_0's rows and from the records and strings its bucket checks.
    const [first, damaged] = [entry('f_0'), entry('f_500')];
    t.true(damaged - first >= 4096n, 'f_0 and f_500 are in different buckets');
    const m = load(damageFirstRow(t, so, res, damaged));
    const f = funcForPC(first + m.base);
    t.is(f?.name, 'f_0', 'a bucket without damage answers');
    t.is(funcForPC(first + m.base), f, 'and its answer is cached');
    expectError(t, () => funcForPC(damaged + m.base), 'LLGI_TABLE_INVALID', 'the lookup in the damaged bucket');
    expectError(t, () => funcForPC(first + m.base), 'LLGI_TABLE_INVALID', 'refused for good: the cached pc too');
    m.close();
  });

  testWith([ccTool(cc)], `${cc}: a damaged checksum index or header is refused at load (LLGI_TABLE_INVALID), also under validation at first use`, (t) => {
    const so = copy(reservedChain(cc, RESERVE, 'index'));
    const res = postlink(so);
    const d = fs.readFileSync(so);
    const xAt = res.reservation.offset + Math.ceil(res.tableBytes / 8) * 8;
    const cases: [string, number, RegExp][] = [
      ['index magic', xAt + 3, /neither zero nor a checksum index/],
      ['index max depth', xAt + X.maxDepth, /checksum index/],
      ['a page sum', xAt + 32, /checksum index checksum mismatch/],
      ['text_start in the header', res.reservation.offset + H.textStart, /table header fails its checksum in the index/],
    ];
    for (const [what, at, re] of cases) {
      const bad = copy(so, 'bad.so');
      const b = Buffer.from(d);
      b[at] ^= 0x10;
      fs.writeFileSync(bad, b);
      const e = expectError(t, () => load(bad), 'LLGI_TABLE_INVALID', what);
      t.regex(e?.message ?? '', re, what);
    }
  });

  testWith([ccTool(cc)], `${cc}: CLI postlink -o writes the embedded copy and leaves the input; errors carry their code`, (t) => {
    const so = copy(reservedChain(cc, RESERVE));
    const before = fs.readFileSync(so);
    const out = path.join(path.dirname(so), 'out.so');
    const r = runCli(['postlink', so, '-o', out]);
    t.is(r.status, 0, r.stderr);
    const n = expectedTable(so).length;
    t.regex(r.stdout, new RegExp(`embedded ${n} \\+ ${sumsSize(n)}-byte checksum index in ${RESERVE} reserved bytes`));
    t.true(fs.readFileSync(so).equals(before), 'input unchanged');
    postlink(so);
    t.true(fs.readFileSync(out).equals(fs.readFileSync(so)), '-o output equals an in-place postlink');

    const none = copy(buildLive(cc, ['chain.c']));
    const e = runCli(['postlink', none]);
    t.is(e.status, 1);
    t.regex(e.stderr, /\[LLGI_EMBED_MISSING\]/);
    t.is(runCli(['postlink']).status, 2, 'usage error');
  });
}

test('postlink of a non-ELF file is LLGI_NOT_ELF', (t) => {
  const f = path.join(tmp, 'text.so');
  fs.writeFileSync(f, 'not an elf\n');
  expectError(t, () => postlink(f), 'LLGI_NOT_ELF', 'text file');
});
