// `llgo-introspect` as a Unix tool: quiet on a closed pipe, symbolize taking
// llvm-symbolizer-19's input (--obj/-e, `<module> <address>` lines, CODE,
// FILE:, quoted paths) and answering line by line as a coprocess, in text or
// JSON Lines, with answers checked against llvm-symbolizer-19; bad lines
// answered "?" with a typed error; a progress line only on a terminal.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { CLI, Coprocess, intoClosedPipe, runCli } from './helpers/cli';
import { bigTableFixture, symFixture } from './helpers/fixtures';
import { llvmSymbolizeLines, type OracleFrame } from './helpers/oracle';
import { testWith } from './helpers/tools';

const hex = (a: number | bigint) => `0x${a.toString(16)}`;

function symbolAt(so: string, name: string): number {
  return ElfFile.open(so).symbols().find((s) => s.name === name)!.value;
}

/** Our text answer for llvm-symbolizer's frames: gc's layout, "?" for none, an empty line at the end. */
function textOf(frames: OracleFrame[]): string {
  return `${frames.length ? frames.map((f) => `${f.function}\n\t${f.file}:${f.line}\n`).join('') : '?\n\t?:0\n'}\n`;
}

/** Addresses inside the fixture's functions, inlined calls among them. */
function fixtureAddrs(so: string): number[] {
  return [symbolAt(so, 'sym_inline_b'), symbolAt(so, 'sym_many_statements') + 8, symbolAt(so, 'sym_work_deep') + 4];
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-cli-'));
}

// ---- a closed pipe ----

testWith(['gcc'], 'every command writing stdout ends quietly with status 0 when its reader is gone (EPIPE)', async (t) => {
  const so = symFixture('gcc');
  const addr = hex(symbolAt(so, 'sym_inline_b'));
  const runs: [string[], string?][] = [
    [['--help']],
    [['help']],
    [['symbolize', so, addr]],
    [['symbolize', '--json', so, addr]],
    [['symbolize', '--obj', so], `${addr}\n${addr}\n`],
    [['symbolize', '--json'], `${so} ${addr}\n`],
    [['crash', '-'], `${so}+${addr}\n`],
    [['reserve', '4096']],
    [['demo']],
  ];
  for (const [args, input] of runs) {
    const r = await intoClosedPipe(args, input);
    t.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    t.is(r.stderr, '', args.join(' '));
  }
});

testWith(['gcc'], 'a shell pipe into a reader that has exited (| true): status 0, nothing on stderr', (t) => {
  const so = symFixture('gcc');
  for (const args of [['demo'], ['symbolize', so, hex(symbolAt(so, 'sym_inline_b'))]]) {
    const r = spawnSync('bash', ['-c', '"$@" | true; exit "${PIPESTATUS[0]}"', 'bash', ...CLI, ...args], { encoding: 'utf8' });
    t.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    t.is(r.stderr, '', args.join(' '));
  }
});

// ---- llvm-symbolizer's input ----

testWith(['gcc', 'llvmSymbolizer'], 'symbolize --obj FILE, --obj=FILE, -e FILE and --exe FILE name the binary, for arguments and stdin', (t) => {
  const so = symFixture('gcc');
  const addrs = fixtureAddrs(so).map(hex);
  const want = llvmSymbolizeLines(addrs, [`--obj=${so}`]).map(textOf).join('');
  for (const obj of [['--obj', so], [`--obj=${so}`], ['-e', so], ['--exe', so], [so]]) {
    const args = runCli(['symbolize', ...obj, ...addrs]);
    t.is(args.status, 0, args.stderr);
    t.is(args.stdout, want, obj.join(' '));
    const stdin = runCli(['symbolize', ...obj], addrs.join('\n'));
    t.is(stdin.status, 0, stdin.stderr);
    t.is(stdin.stdout, want, `${obj.join(' ')}, stdin`);
  }
  const twice = runCli(['symbolize', '--obj', so, '--exe', so, addrs[0]]);
  t.is(twice.status, 2);
});

testWith(['gcc', 'clang', 'llvmSymbolizer'], 'symbolize reads llvm-symbolizer\'s stdin forms: <module> <address>, CODE, FILE:, quoted paths, decimal, trailing words', (t) => {
  const gcc = symFixture('gcc');
  const clang = symFixture('clang');
  // A module whose path holds a space: only a quoted name reaches it.
  const spaced = path.join(tmpDir(), 'with space.so');
  fs.copyFileSync(clang, spaced);
  const [a, b, c] = fixtureAddrs(gcc);
  const [d] = fixtureAddrs(clang);
  const lines = [
    `${gcc} ${hex(a)}`,
    `${clang} ${hex(d)}`,
    `"${spaced}" ${hex(d)}`,
    `'${spaced}' ${hex(d)}`,
    `CODE ${gcc} ${hex(b)}`,
    `FILE:${gcc} ${hex(c)}`,
    `CODE FILE:"${spaced}" ${hex(d)}`,
    `   ${gcc}    ${b}`,
    `${gcc} 0X${c.toString(16).toUpperCase()} and the rest of the line`,
    `"${gcc}"${hex(a)}`,
  ];
  const want = llvmSymbolizeLines(lines);
  t.true(want.every((f) => f.length > 0), 'llvm-symbolizer answers every line');
  const r = runCli(['symbolize'], lines.join('\n'));
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, want.map(textOf).join(''));
  // With --obj, a line is [CODE] <address> [words...].
  const objLines = [`CODE ${hex(a)}`, `  ${hex(b)} trailing`, `${c}`];
  const o = runCli(['symbolize', '--obj', gcc], objLines.join('\n'));
  t.is(o.status, 0, o.stderr);
  t.is(o.stdout, llvmSymbolizeLines(objLines, [`--obj=${gcc}`]).map(textOf).join(''));
});

// ---- streaming: a coprocess ----

testWith(['gcc', 'clang', 'llvmSymbolizer'], 'symbolize answers each stdin line before the next is written (a coprocess), two modules, tables kept for the run', async (t) => {
  const gcc = symFixture('gcc');
  // A copy removed after its first answer: later answers come from the table already open.
  const copy = path.join(tmpDir(), 'clang-copy.so');
  fs.copyFileSync(symFixture('clang'), copy);
  const lines = [...fixtureAddrs(gcc).map((a) => `${gcc} ${hex(a)}`), ...fixtureAddrs(copy).map((a) => `${copy} ${hex(a)}`)];
  const want = llvmSymbolizeLines(lines).map(textOf);
  const co = new Coprocess(['symbolize'], '\n\n');
  t.teardown(() => co.child.kill());
  t.is(await co.ask(lines[0]), want[0]);
  t.is(await co.ask(lines[3]), want[3]);
  fs.rmSync(copy);
  for (const i of [1, 4, 2, 5]) t.is(await co.ask(lines[i]), want[i], lines[i]);
  const end = await co.close();
  t.is(end.status, 0, end.stderr);
  t.is(end.rest, '');
  t.is(end.stderr, '');
});

testWith(['gcc', 'llvmSymbolizer'], 'symbolize --json on stdin: one compact JSON object per line, each written as its line is read', async (t) => {
  const so = symFixture('gcc');
  const addrs = fixtureAddrs(so);
  const want = llvmSymbolizeLines(addrs.map(hex), [`--obj=${so}`]);
  const co = new Coprocess(['symbolize', '--json', '-e', so], '\n');
  t.teardown(() => co.child.kill());
  for (const [i, a] of addrs.entries()) {
    const line = await co.ask(hex(a));
    t.false(line.slice(0, -1).includes('\n'), 'one line');
    const o = JSON.parse(line) as { address: string; module: string; frames: { function: string; file: string; line: number; entry: string; inlined: boolean }[] };
    t.is(o.address, hex(a));
    t.is(o.module, so);
    t.deepEqual(o.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })), want[i]);
    t.deepEqual(o.frames.map((f) => f.inlined), want[i].map((_, j) => j < want[i].length - 1));
  }
  const bad = JSON.parse(await co.ask('zz'));
  t.like(bad, { address: 'zz', module: so, frames: [], error: { code: 'LLGI_BAD_ADDRESS' } });
  const end = await co.close();
  t.is(end.status, 1, 'a bad line makes the exit status 1');
  t.regex(end.stderr, /^llgo-introspect: line 4: malformed address "zz".*\[LLGI_BAD_ADDRESS\]\n$/);
});

// ---- bad lines ----

testWith(['gcc', 'llvmSymbolizer'], 'bad lines are answered "?" where llvm-symbolizer answers "??", each with a typed error on stderr, and the run goes on', (t) => {
  const so = symFixture('gcc');
  const [a, b] = fixtureAddrs(so);
  const lines = [
    `${so} ${hex(a)}`,
    `${so} zz`, // not a number
    `${so} ${hex(a)}junk`, // not a number either
    '/nonexistent/lib.so 0x10', // no such module
    `${so}`, // no address
    '', // blank: "?" and no complaint, as llvm-symbolizer
    `"${so} ${hex(a)}`, // unterminated quote
    `${so} ${hex(b)}`,
  ];
  const want = llvmSymbolizeLines(lines);
  t.deepEqual(want.map((f) => f.length > 0), [true, false, false, false, false, false, false, true], 'llvm-symbolizer answers the good lines only');
  const r = runCli(['symbolize'], lines.join('\n'));
  t.is(r.status, 1);
  t.is(r.stdout, want.map(textOf).join(''));
  const errors = r.stderr.trimEnd().split('\n');
  t.deepEqual(errors.map((e) => /^llgo-introspect: line (\d+): .* \[(\w+)\]$/.exec(e)?.slice(1)), [
    ['2', 'LLGI_BAD_ADDRESS'], ['3', 'LLGI_BAD_ADDRESS'], ['4', 'LLGI_IO'], ['5', 'LLGI_BAD_ADDRESS'], ['7', 'LLGI_BAD_ARGUMENT'],
  ]);
  t.regex(errors[2], /\/nonexistent\/lib\.so/);
});

testWith(['gcc', 'llvmSymbolizer'], 'what llvm-symbolizer answers but we do not (octal, DATA, BUILDID:) is refused with a typed error, not answered differently', (t) => {
  const so = symFixture('gcc');
  const a = symbolAt(so, 'sym_inline_b');
  const lines = [`${so} 0${a.toString(8)}`, `DATA ${so} ${hex(a)}`, `BUILDID:abcd ${hex(a)}`, `${so} 0o${a.toString(8)}`];
  // llvm-symbolizer reads the leading-zero address as octal: the same function.
  t.is(llvmSymbolizeLines([lines[0]])[0].at(-1)?.function, 'sym_inline_b');
  const r = runCli(['symbolize', '--json'], lines.join('\n'));
  t.is(r.status, 1);
  const out = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { frames: unknown[]; error: { code: string } });
  t.deepEqual(out.map((o) => [o.frames.length, o.error.code]), [[0, 'LLGI_BAD_ADDRESS'], [0, 'LLGI_BAD_ARGUMENT'], [0, 'LLGI_BAD_ARGUMENT'], [0, 'LLGI_BAD_ADDRESS']]);
  t.is(r.stderr.trimEnd().split('\n').length, 4);
});

// ---- progress ----


testWith(['go', 'script'], 'a table building on a terminal shows a progress line on stderr, erased before the answer; none off a terminal', (t) => {
  const bin = bigTableFixture();
  const args = ['symbolize', bin, hex(symbolAt(bin, 'main.main'))];
  // No cache: the table is built, not read from a cache; the line shows from the first step, since a build
  // this size takes less than the 200 ms a terminal waits for.
  const env = { ...process.env, LLGI_TABLE_CACHE: 'off', LLGI_PROGRESS_DELAY_MS: '0' };
  const plain = runCli(args, undefined, env);
  t.is(plain.status, 0, plain.stderr);
  t.is(plain.stderr, '', 'no progress when stderr is not a terminal');
  t.regex(plain.stdout, /^main\.main\n\t.*bigtable\/main\.go:\d+\n\n$/);
  const quoted = [...CLI, ...args].map((w) => `'${w}'`).join(' ');
  const tty = spawnSync('script', ['-qfec', quoted, '/dev/null'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.is(tty.status, 0, tty.stderr);
  const screen = tty.stdout.replace(/\r\n/g, '\n');
  const progress = [...screen.matchAll(/\rllgo-introspect: building the table of bigtable: (\d+)%\x1b\[K/g)].map((m) => Number(m[1]));
  t.true(progress.length > 0, JSON.stringify(screen.slice(0, 200)));
  t.deepEqual(progress, [...progress].sort((x, y) => x - y), 'the percentage only grows');
  const erased = screen.lastIndexOf('\r\x1b[K');
  t.true(erased > screen.lastIndexOf('%'), 'the line is erased after its last update');
  t.is(screen.slice(erased + '\r\x1b[K'.length), plain.stdout, 'then the answer, as off a terminal');
});
