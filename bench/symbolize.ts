// Symbolize 20,000 pcs of a ~5 MB -g shared object (SQLite): ours vs
// llvm-symbolizer-19 and addr2line in the same run, cold (process start and
// table build included) and warm (table adopted, JS API), plus our agreement
// with llvm-symbolizer-19 on the same pcs.
//
//   npm run bench:symbolize

import fs from 'node:fs';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { which } from '../compiler/toolchain/cc';
import { Symbolizer } from '../lib/symbolize';
import { randomPcs, sqlite5MB } from './subjects';
import { bestOf, fmt, processMs } from './measure';

const N = 20000;
const ROOT = path.join(__dirname, '..');


function main() {
  const so = sqlite5MB();
  const elf = ElfFile.open(so);
  const pcs = randomPcs(elf, N);
  const input = pcs.map((p) => `0x${p.toString(16)}`).join('\n') + '\n';
  const size = fs.statSync(so).size;
  const rows: [string, number, string][] = [];

  const llvm = which('llvm-symbolizer-19');
  const a2l = which('addr2line');
  const cli = fs.existsSync(path.join(ROOT, 'dist', 'lib', 'cli.js'))
    ? [path.join(ROOT, 'dist', 'lib', 'cli.js')]
    : ['--import', 'tsx', path.join(ROOT, 'lib', 'cli.ts')];

  const ours = processMs(3, process.execPath, [...cli, 'symbolize', so], input);
  rows.push(['llgo-introspect CLI (process, table build included)', ours.ms, '']);
  let llvmMs = NaN;
  if (llvm) {
    const r = processMs(3, llvm, [`--obj=${so}`], input);
    llvmMs = r.ms;
    rows.push(['llvm-symbolizer-19 (process)', r.ms, '']);
  }
  if (a2l) rows.push(['addr2line -f -i (process)', processMs(1, a2l, ['-f', '-i', '-e', so], input).ms, '']);

  let sym!: Symbolizer;
  const openMs = bestOf(1, () => (sym = Symbolizer.open(so)));
  rows.push(['llgo-introspect API: ELF read + table build + adopt (first in process, no lookups)', openMs, '']);
  const warm = bestOf(5, () => sym.symbolize(pcs));
  rows.push(['llgo-introspect API: 20,000 pcs, warm (table adopted)', warm, '']);

  // Agreement with llvm-symbolizer-19 on exactly these pcs.
  let agree = 'n/a';
  if (llvm) {
    const { llvmSymbolizeJson } = require('./oracle') as typeof import('./oracle');
    const theirs = llvmSymbolizeJson(llvm, so, pcs);
    const mine = sym.symbolize(pcs);
    const same = mine.filter((fr, i) => fr.length === theirs[i].length && fr.every((f, j) =>
      f.function === theirs[i][j].function && (f.file === '?' ? '' : f.file) === theirs[i][j].file && f.line === theirs[i][j].line)).length;
    agree = `${same}/${N}`;
  }

  const frames = sym.symbolize(pcs).reduce((n, f) => n + f.length, 0);
  console.log(`subject: ${path.basename(so)} (${(size / 1e6).toFixed(1)} MB, ${sym.report!.functions} functions, table ${(sym.table.length / 1e6).toFixed(2)} MB)`);
  console.log(`pcs: ${N} uniformly random inside functions (seed 1), ${frames} frames with inlining; agreement with llvm-symbolizer-19: ${agree}\n`);
  console.log('| what | ms (best) | per pc | time vs llvm-symbolizer-19 |');
  console.log('|---|---:|---:|---:|');
  for (const [what, ms] of rows) {
    const ratio = Number.isNaN(llvmMs) ? 'n/a' : `${(ms / llvmMs).toFixed(2)}x`;
    console.log(`| ${what} | ${fmt(ms)} | ${fmt((ms * 1e6) / N / 1000)} us | ${ratio} |`);
  }
}

main();
