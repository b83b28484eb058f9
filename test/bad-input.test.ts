// Bad input through the public API: each case gives a typed LlgiError whose
// message names the problem, or a degraded answer that is still correct
// (checked against llvm-symbolizer-19 on the equivalent well-formed binary).

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile, STT_FUNC } from '../compiler/elf';
import { LlgiError, type LlgiErrorCode } from '../compiler/errors';
import { Symbolizer, symbolize } from '../lib/index';
import { symFixture } from './helpers/fixtures';
import { llvmSymbolize } from './helpers/oracle';
import { testWith } from './helpers/tools';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-bad-'));
let serial = 0;
function write(bytes: Buffer | string): string {
  const f = path.join(dir, `f${serial++}.so`);
  fs.writeFileSync(f, bytes);
  return f;
}

function expectCode(t: import('ava').ExecutionContext, f: () => unknown, code: LlgiErrorCode, msg?: RegExp) {
  const e = t.throws(f, { instanceOf: LlgiError });
  t.is(e?.code, code, e?.message);
  if (msg) t.regex(e!.message, msg);
}

test('a missing file is LLGI_IO and names the path', (t) => {
  expectCode(t, () => symbolize('/no/such/file.so', [0]), 'LLGI_IO', /\/no\/such\/file\.so/);
});

test('a file that is not ELF is LLGI_NOT_ELF', (t) => {
  expectCode(t, () => symbolize(write('#!/bin/sh\necho hi\n'), [0]), 'LLGI_NOT_ELF');
  expectCode(t, () => symbolize(write(Buffer.alloc(0)), [0]), 'LLGI_NOT_ELF');
});

testWith(['gcc'], 'wrong class, byte order or machine is LLGI_ELF_UNSUPPORTED and says which', (t) => {
  const good = fs.readFileSync(symFixture('gcc'));
  const patched = (at: number, bytes: number[]) => {
    const b = Buffer.from(good);
    bytes.forEach((v, i) => (b[at + i] = v));
    return write(b);
  };
  expectCode(t, () => symbolize(patched(4, [1]), [0]), 'LLGI_ELF_UNSUPPORTED', /32-bit/);
  expectCode(t, () => symbolize(patched(5, [2]), [0]), 'LLGI_ELF_UNSUPPORTED', /big-endian/i);
  expectCode(t, () => symbolize(patched(18, [40, 0]), [0]), 'LLGI_ELF_UNSUPPORTED', /machine/i);
});

testWith(['gcc'], 'a truncated ELF is LLGI_ELF_TRUNCATED wherever it is cut', (t) => {
  const good = fs.readFileSync(symFixture('gcc'));
  const elf = ElfFile.open(symFixture('gcc'));
  const info = elf.section('.debug_info')!;
  for (const cut of [20, 63, 64, 200, info.offset + 10, good.length - 100]) {
    expectCode(t, () => symbolize(write(good.subarray(0, cut)), [0]), 'LLGI_ELF_TRUNCATED');
  }
});

testWith(['gcc', 'llvmSymbolizer'], 'corrupt DWARF degrades to symbol-table answers, as llvm-symbolizer-19 degrades', (t) => {
  const so = symFixture('gcc');
  const elf = ElfFile.open(so);
  const info = elf.section('.debug_info')!;
  const b = Buffer.from(elf.buf);
  b.writeUInt32LE(0xfffffff0, info.offset); // a reserved unit length
  const corrupt = write(b);

  // The copy keeps the intact binary's build-id and size, so the table cache would answer for it with the
  // intact table (docs/table-cache.md): it is read without the cache.
  // Strict mode: a typed error naming the section.
  expectCode(t, () => Symbolizer.open(corrupt, { strict: true, cacheDir: false }), 'LLGI_DWARF_CORRUPT', /\.debug_info/);

  // Default: a warning, names from the symbol table, no lines.
  const sym = Symbolizer.open(corrupt, { cacheDir: false });
  t.true(sym.report!.warnings.some((w) => w.includes('.debug_info')), sym.report!.warnings.join('; '));
  const entries = elf.symbols().filter((s) => s.type === STT_FUNC && s.size > 0).flatMap((s) => [s.value, s.value + 1, s.value + s.size - 1]);
  const ours = sym.symbolize(entries);
  const theirs = llvmSymbolize(corrupt, entries);
  ours.forEach((fr, i) => {
    t.deepEqual(fr.map((f) => [f.function, f.file === '?' ? '' : f.file, f.line]), theirs[i].map((f) => [f.function, f.file, f.line]));
    t.is(fr[0].line, 0);
  });
});

testWith(['gcc'], 'a binary without DWARF answers names from the symbol table and no lines', (t) => {
  const so = symFixture('gcc', ['-g0']);
  t.is(ElfFile.open(so).section('.debug_info'), undefined);
  const f = ElfFile.open(so).symbols().find((s) => s.name === 'sym_recurse')!;
  const [[frame]] = symbolize(so, [f.value + 4]);
  t.is(frame.function, 'sym_recurse');
  t.is(frame.file, '?');
  t.is(frame.line, 0);
});

testWith(['gcc'], 'malformed addresses are LLGI_BAD_ADDRESS', (t) => {
  const sym = Symbolizer.open(symFixture('gcc'));
  for (const a of ['0x', 'zz', '-1', '0x10000000000000000', 1.5, -3, Number.MAX_SAFE_INTEGER + 2] as (string | number)[]) {
    expectCode(t, () => sym.symbolize([a]), 'LLGI_BAD_ADDRESS');
  }
  t.deepEqual(sym.symbolize([0n, (1n << 64n) - 1n]), [[], []], 'valid addresses outside the text have no frames');
});

test('a buffer that is not a table is LLGI_TABLE_INVALID', (t) => {
  expectCode(t, () => Symbolizer.fromTable(Buffer.from('LLGITBL1 but nothing else')), 'LLGI_TABLE_INVALID', /shorter than its header/);
  expectCode(t, () => Symbolizer.fromTable(Buffer.alloc(4096)), 'LLGI_TABLE_INVALID', /magic/);
});
