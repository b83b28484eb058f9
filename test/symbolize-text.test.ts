// Symbolizer.symbolizeText, the C-made text answers the CLI prints: at every
// text byte they are symbolize()'s frames in gc's layout (formatFrames, "?" for
// none) ended by an empty line, wrappers of gc binaries elided alike, also as
// return addresses; and the CLI's stdin answers are exactly these bytes.

import type { ExecutionContext } from 'ava';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { FUNC_WRAPPER, ELEM_SIZE, H, SECTIONS } from '../compiler/table/format';
import { findGo, goBuild } from '../compiler/toolchain/gc';
import { Symbolizer, formatFrames } from '../lib/symbolize';
import { runCli } from './helpers/cli';
import { symFixture } from './helpers/fixtures';
import { testWith } from './helpers/tools';

/** Every `step`-th byte of the executable sections, and one address past them. */
function textBytes(bin: string, step: number): number[] {
  const out: number[] = [];
  for (const s of ElfFile.open(bin).executableRanges()) for (let a = s.start; a < s.end; a += step) out.push(a);
  return out;
}

function sameAsFrames(t: ExecutionContext, sym: Symbolizer, addrs: number[], returnAddresses: boolean): void {
  const want = sym.symbolize(addrs, { returnAddresses }).map((fr) => `${fr.length ? formatFrames(fr) : '?\n\t?:0\n'}\n`).join('');
  t.is(sym.symbolizeText(addrs, { returnAddresses }).toString('utf8'), want);
}

for (const c of ['gcc', 'clang'] as const) {
  testWith([c], `${c}: the text answers at every text byte are symbolize()'s frames in gc's layout, also as return addresses`, (t) => {
    const bin = symFixture(c);
    const sym = Symbolizer.open(bin, { cacheDir: false });
    const addrs = [...textBytes(bin, 1), 0, 0xffffffff];
    t.true(addrs.length > 1000);
    sameAsFrames(t, sym, addrs, false);
    sameAsFrames(t, sym, addrs, true);
    const cli = runCli(['symbolize', '--obj', bin], addrs.map((a) => `0x${a.toString(16)}`).join('\n') + '\n');
    t.is(cli.status, 0, cli.stderr);
    t.is(cli.stdout, sym.symbolizeText(addrs).toString('utf8'), 'the CLI prints exactly these bytes');
  });
}

testWith(['go'], 'a gc binary: the text answers elide gc\'s wrappers as symbolize() does, at every 3rd text byte', (t) => {
  const bin = goBuild(findGo()!, { module: path.join(__dirname, 'fixtures', 'gc', 'inline'), pkg: '.', name: 'inline' });
  const sym = Symbolizer.open(bin, { cacheDir: false });
  const funcs = sym.table.readUInt32LE(H.sections + 8 * SECTIONS.indexOf('funcs'));
  let wrappers = 0;
  for (let i = 0; i < sym.nativeTable.info().nfunc; i++) if (sym.table.readUInt32LE(funcs + i * ELEM_SIZE.funcs + 32) & FUNC_WRAPPER) wrappers++;
  t.true(wrappers > 0, 'the binary has wrappers to elide');
  const addrs = textBytes(bin, 3);
  sameAsFrames(t, sym, addrs, false);
  sameAsFrames(t, sym, addrs, true);
});

testWith(['gcc'], 'no addresses: an empty Buffer; a malformed one: LLGI_BAD_ADDRESS', (t) => {
  const sym = Symbolizer.open(symFixture('gcc'), { cacheDir: false });
  t.is(sym.symbolizeText([]).length, 0);
  t.throws(() => sym.symbolizeText(['0xnope']), { code: 'LLGI_BAD_ADDRESS' });
});

testWith(['gcc'], 'bare 0x lines are answered from their bytes (symbolizeTextLines) exactly as symbolizeText answers their values; any other line: null', (t) => {
  const bin = symFixture('gcc');
  const sym = Symbolizer.open(bin, { cacheDir: false });
  const addrs = [...textBytes(bin, 7), 0, 0xffffffff];
  // Mixed spellings of bare addresses: both prefixes, both cases, leading zeros, 16 digits, "\r\n" endings, an unended last line.
  const spelled = addrs.map((a, i) => {
    const hex = a.toString(16);
    return [`0x${hex}`, `0X${hex.toUpperCase()}`, `0x${hex.padStart(16, '0')}`, `0x00${hex}`][i % 4] + (i % 5 === 0 ? '\r\n' : '\n');
  });
  const lines = Buffer.from(spelled.join('').replace(/\n$/, ''));
  for (const returnAddresses of [false, true]) {
    t.is(sym.symbolizeTextLines(lines, { returnAddresses })!.toString('utf8'), sym.symbolizeText(addrs, { returnAddresses }).toString('utf8'));
  }
  t.is(sym.symbolizeTextLines(Buffer.alloc(0))!.length, 0);
  for (const bad of ['0x\n', '0x12345678901234567\n', '0x12 \n', ' 0x12\n', '0x1g\n', '18\n', '\n', `${bin} 0x10\n`, 'CODE 0x10\n']) {
    t.is(sym.symbolizeTextLines(Buffer.from(`0x10\n${bad}0x20\n`)), null, JSON.stringify(bad));
  }
  // The command answers a batch with any other line through the general path: the same bytes, the bad line "?" with its error.
  const input = `0x${addrs[1].toString(16)}\n0xzz\n0x${addrs[2].toString(16)}\n`;
  const cli = runCli(['symbolize', '--obj', bin], input);
  t.is(cli.status, 1);
  t.is(cli.stdout, `${sym.symbolizeText([addrs[1]]).toString('utf8')}?\n\t?:0\n\n${sym.symbolizeText([addrs[2]]).toString('utf8')}`);
  t.regex(cli.stderr, /line 2: .*LLGI_BAD_ADDRESS/);
});
