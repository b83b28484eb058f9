// Symbolize 20,000 pcs of the 5 MB and the 52 MB SQLite subjects: our CLI cold
// (no table cache, nothing embedded: the table is built in the process) and warm
// (the table cache filled), against llvm-symbolizer-19, gimli's addr2line,
// blazecli and binutils' addr2line, whole process to whole process, in rounds
// that interleave every tool; peak RSS of each; then the JS API warm, per pc;
// and our agreement with llvm-symbolizer-19 on every pc.
//
//   npm run bench:symbolize [-- --small]     (--small: the 5 MB subject only)
//
// Needs GNU time (/usr/bin/time) for peak memory; installs the Rust peers with cargo.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { which } from '../compiler/toolchain/cc';
import { Symbolizer } from '../lib/symbolize';
import { runPeer, symbolizerPeers, type Peer } from './peers';
import { randomPcs, sqlite50MB, sqlite5MB } from './subjects';
import { bestOf, bestOfCollected, fmt, timedRun } from './measure';

const N = 20000;
const ROUNDS = 3;
const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'lib', 'cli.js');

interface Row {
  what: string;
  ms: number;
  rssKiB?: number;
}

function tools(so: string, cache: string): { name: string; run: (input: string, pcs: string[]) => { ms: number; rssKiB: number } }[] {
  const ours = (name: string, env: NodeJS.ProcessEnv) => ({
    name, run: (input: string) => timedRun(process.execPath, [CLI, 'symbolize', so], input, env),
  });
  const peer = (p: Peer) => ({
    name: `${p.name} (process)`,
    run: (_input: string, pcs: string[]) => runPeer(p, so, pcs),
  });
  return [
    ours('llgo-introspect CLI, cold (no table cache: the table is built)', { LLGI_TABLE_CACHE: 'off' }),
    ours('llgo-introspect CLI, warm (table cache)', { LLGI_TABLE_CACHE: cache }),
    ...symbolizerPeers().map(peer),
  ];
}

function subject(so: string, label: string): void {
  const elf = ElfFile.open(so);
  const pcs = randomPcs(elf, N);
  const hex = pcs.map((p) => `0x${p.toString(16)}`);
  const input = hex.join('\n') + '\n';
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-bench-cache-'));
  // Fill the cache once; the warm rows then read it.
  timedRun(process.execPath, [CLI, 'symbolize', so], '0x0\n', { LLGI_TABLE_CACHE: cache });

  const ts = tools(so, cache);
  const best = new Map<string, { ms: number; rssKiB: number }>();
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round, so no tool always runs first.
    for (let k = 0; k < ts.length; k++) {
      const t = ts[(k + round) % ts.length];
      const r = t.run(input, hex);
      const b = best.get(t.name);
      if (!b || r.ms < b.ms) best.set(t.name, { ms: r.ms, rssKiB: Math.min(r.rssKiB, b?.rssKiB ?? Infinity) });
      else b.rssKiB = Math.min(b.rssKiB, r.rssKiB);
    }
  }
  const rows: Row[] = ts.map((t) => ({ what: t.name, ...best.get(t.name)! }));

  // In process: open without and with the cache, then lookups on the adopted table.
  let sym!: Symbolizer;
  rows.push({ what: 'API: Symbolizer.open, table built (no cache)', ms: bestOf(1, () => (sym = Symbolizer.open(so, { cacheDir: false }))) });
  rows.push({ what: 'API: Symbolizer.open, table cache hit', ms: bestOf(3, () => Symbolizer.open(so, { cacheDir: cache })) });
  sym.symbolize(pcs);
  const warm = bestOfCollected(5, () => sym.symbolize(pcs));
  rows.push({ what: `API: symbolize ${N.toLocaleString('en')} pcs, table adopted (frame objects included)`, ms: warm });

  // Agreement with llvm-symbolizer-19 on exactly these pcs, every frame.
  let agree = 'n/a';
  const llvm = which('llvm-symbolizer-19');
  if (llvm) {
    const { llvmSymbolizeJson } = require('./oracle') as typeof import('./oracle');
    const theirs = llvmSymbolizeJson(llvm, so, pcs);
    const same = sym.symbolize(pcs).filter((fr, i) => fr.length === theirs[i].length && fr.every((f, j) =>
      f.function === theirs[i][j].function && (f.file === '?' ? '' : f.file) === theirs[i][j].file && f.line === theirs[i][j].line)).length;
    agree = `${same}/${N}`;
  }
  fs.rmSync(cache, { recursive: true, force: true });

  const llvmRow = rows.find((r) => r.what.startsWith('llvm-symbolizer-19'));
  const fastest = rows.filter((r) => r.rssKiB !== undefined && !r.what.startsWith('llgo-introspect')).reduce((a, b) => (b.ms < a.ms ? b : a), { what: '', ms: Infinity });
  const frames = sym.symbolize(pcs).reduce((n, f) => n + f.length, 0);
  console.log(`\n### ${label}: ${path.basename(so)} (${(fs.statSync(so).size / 1e6).toFixed(1)} MB, ${sym.report!.functions} functions, table ${(sym.table.length / 1e6).toFixed(2)} MB)\n`);
  console.log(`pcs: ${N} uniformly random inside functions (seed 1), ${frames} frames with inlining; agreement with llvm-symbolizer-19: ${agree}. Best of ${ROUNDS} rounds; peak RSS is the lowest seen.\n`);
  console.log('| what | ms (best) | per pc | vs llvm-symbolizer-19 | vs fastest peer | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const vs = (x?: Row) => (x && Number.isFinite(x.ms) ? `${(r.ms / x.ms).toFixed(2)}x` : 'n/a');
    const rss = r.rssKiB === undefined ? '' : `${(r.rssKiB / 1024).toFixed(0)} MiB`;
    console.log(`| ${r.what} | ${fmt(r.ms)} | ${fmt((r.ms * 1e3) / N)} us | ${vs(llvmRow)} | ${vs(fastest)} | ${rss} |`);
  }
  console.log(`\nfastest peer: ${fastest.what}`);
}

async function main() {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npx tsc -p tsconfig.json first`);
  subject(sqlite5MB(), '5 MB');
  if (!process.argv.includes('--small')) subject(await sqlite50MB(), '52 MB');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
