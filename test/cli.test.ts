// The `llgo-introspect` command line: output formats checked against
// llvm-symbolizer-19 and source markers; bad input gives typed errors and a
// non-zero exit.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { symFixture } from './helpers/fixtures';
import { llvmSymbolize } from './helpers/oracle';
import { markerLine, runCli } from './helpers/cli';
import { testWith } from './helpers/tools';

function entryOf(so: string, name: string): number {
  return ElfFile.open(so).symbols().find((s) => s.name === name)!.value;
}

testWith(['gcc', 'llvmSymbolizer'], 'symbolize prints gc-style function and file:line per frame', (t) => {
  const so = symFixture('gcc');
  const a = entryOf(so, 'sym_many_statements') + 8;
  const [want] = llvmSymbolize(so, [a]);
  const r = runCli(['symbolize', so, `0x${a.toString(16)}`]);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, `${want.map((f) => `${f.function}\n\t${f.file}:${f.line}\n`).join('')}\n`);
});

testWith(['gcc', 'llvmSymbolizer'], 'symbolize --json reports every frame with pc and entry, addresses as arguments', (t) => {
  const so = symFixture('gcc');
  const entry = entryOf(so, 'sym_inline_b');
  const addrs = [entry, entry + 5, entry + 12];
  const want = llvmSymbolize(so, addrs);
  const r = runCli(['symbolize', '--json', so, ...addrs.map((a) => `0x${a.toString(16)}`)]);
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { address: string; module: string; frames: { pc: string; function: string; file: string; line: number; entry: string; inlined: boolean }[] }[];
  t.is(out.length, 3);
  out.forEach((o, i) => {
    t.is(o.address, `0x${addrs[i].toString(16)}`);
    t.is(o.module, so);
    t.deepEqual(o.frames.map((f) => [f.function, f.file, f.line]), want[i].map((f) => [f.function, f.file, f.line]));
    for (const f of o.frames) t.is(f.entry, `0x${entry.toString(16)}`);
    t.is(o.frames[o.frames.length - 1].inlined, false);
  });
});

test('symbolize of a missing file fails with LLGI_IO naming the path', (t) => {
  const r = runCli(['symbolize', '/nonexistent/lib.so', '0x10']);
  t.is(r.status, 1);
  t.is(r.stdout, '', 'the one binary is opened first: nothing is answered');
  t.regex(r.stderr, /\/nonexistent\/lib\.so/);
  t.regex(r.stderr, /LLGI_IO/);
});

test('symbolize of a non-ELF file fails with LLGI_NOT_ELF', (t) => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-cli-')), 'notelf.so');
  fs.writeFileSync(f, 'this is not an ELF file at all\n');
  const r = runCli(['symbolize', f, '0x10']);
  t.is(r.status, 1);
  t.regex(r.stderr, /LLGI_NOT_ELF/);
});

testWith(['gcc'], 'symbolize answers a malformed address "?" with LLGI_BAD_ADDRESS on stderr and exit status 1', (t) => {
  const so = symFixture('gcc');
  for (const bad of ['0xZZ', '12abc', '-5', '0x1234567890abcdef12', '18446744073709551616']) {
    const r = runCli(['symbolize', so, '--', bad]);
    t.is(r.status, 1, bad);
    t.is(r.stdout, '?\n\t?:0\n\n', bad);
    t.regex(r.stderr, /LLGI_BAD_ADDRESS/, bad);
  }
});

test('no command prints usage and exits 2; unknown options too', (t) => {
  const r = runCli([]);
  t.is(r.status, 2);
  t.regex(r.stdout, /usage: llgo-introspect/);
  const u = runCli(['symbolize', '--bogus', 'x']);
  t.is(u.status, 2);
  t.regex(u.stderr, /usage/);
});

testWith(['gcc'], 'demo builds the bundled example and shows its functions with source lines', (t) => {
  const src = path.join(__dirname, '..', 'examples', 'demo.c');
  const text = fs.readFileSync(src, 'utf8');
  const r = runCli(['demo']);
  t.is(r.status, 0, r.stderr);
  for (const fn of ['demo_main', 'apply', 'fib', 'scale']) t.regex(r.stdout, new RegExp(`^${fn}$`, 'm'));
  // The helper inlined into scale() shows up as its own frame, called from scale's line.
  t.regex(r.stdout, new RegExp(`^clamp\\n\\t.*demo\\.c:\\d+\\nscale\\n\\t.*demo\\.c:${markerLine(src, text, 'return clamp(v * 3')}$`, 'm'));
  t.regex(r.stdout, new RegExp(`demo\\.c:${markerLine(src, text, 'return fib(n - 1) + fib(n - 2);')}$`, 'm'));
  // The live stack recorded by llgi_probe() inside scale(), called through apply() from demo_main().
  const live = r.stdout.slice(r.stdout.indexOf('== live'));
  const at = (marker: string) => markerLine(src, text, marker);
  t.regex(live, /returned \d+; llgi_probe\(\) in scale recorded 1 stack/);
  t.regex(live, new RegExp(`^scale\\n\\t.*demo\\.c:${at('llgi_probe();')}\\napply\\n\\t.*demo\\.c:${at('return op(v) + 1;')}\\ndemo_main\\n\\t.*demo\\.c:${at('int total = apply(scale, n);')}\\n`, 'm'));
});
