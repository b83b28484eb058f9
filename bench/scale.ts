// Scale: time and peak memory from 5 MB to 500 MB of DWARF. SQLite built once
// (5 MB file, 3.7 MB of DWARF), then its seventeen static copies linked 1, 4
// and 14 times over (52 MB to 0.73 GB files, 36 to 509 MB of DWARF). Each tool
// symbolizes the same 20,000 random pcs, whole process: our CLI with no table
// cache (so the table is built in the process), our CLI again on 1 pc (the
// table build alone, nearly), and the peers. Peers that parse lazily pay only for
// the compile units the pcs touch; ours builds the whole table.
//
//   npm run bench:scale [-- --max=N]   (N: the largest link count, default 14)

import fs from 'node:fs';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { runPeer, symbolizerPeers } from './peers';
import { randomPcs, sqliteLinked, sqlite5MB } from './subjects';
import { fmt, timedRun } from './measure';

const N = 20000;
const CLI = path.join(__dirname, '..', 'dist', 'lib', 'cli.js');

function dwarfBytes(elf: ElfFile): number {
  return elf.sections.filter((s) => s.name.startsWith('.debug_')).reduce((n, s) => n + s.size, 0);
}

async function main() {
  const max = Number(process.argv.find((a) => a.startsWith('--max='))?.slice(6) ?? 14);
  const subjects = [sqlite5MB(), ...(await Promise.all([1, 4, 14].filter((n) => n <= max).map(sqliteLinked)))];
  // binutils' addr2line reads everything for every address: minutes at these sizes.
  const peers = symbolizerPeers().filter((p) => !p.name.startsWith('binutils'));
  const cols = ['ours: 1 pc (table build)', `ours: ${N} pcs`, ...peers.map((p) => `${p.name}: ${N} pcs`)];
  console.log(`| binary | file | DWARF | ${cols.map((c) => `${c}: s / peak RSS`).join(' | ')} |`);
  console.log(`|---|---:|---:|${cols.map(() => '---:').join('|')}|`);
  for (const so of subjects) {
    const elf = ElfFile.open(so);
    const pcs = randomPcs(elf, N).map((p) => `0x${p.toString(16)}`);
    const dwarf = dwarfBytes(elf);
    const input = pcs.join('\n') + '\n';
    const cell = (r: { ms: number; rssKiB: number } | string) =>
      typeof r === 'string' ? r : `${fmt(r.ms / 1000)} / ${(r.rssKiB / 1024).toFixed(0)} MiB`;
    const ours = (text: string) => {
      try {
        return timedRun(process.execPath, [CLI, 'symbolize', so], text, { LLGI_TABLE_CACHE: 'off' });
      } catch (e) {
        return `failed: ${(e as Error).message.split('\n').find((l) => /heap|memory|Error/i.test(l))?.trim().slice(0, 80) ?? 'see stderr'}`;
      }
    };
    const cells = [cell(ours(`${pcs[0]}\n`)), cell(ours(input))];
    for (const p of peers) cells.push(cell(runPeer(p, so, pcs)));
    console.log(`| ${path.basename(so)} | ${(fs.statSync(so).size / 1e6).toFixed(0)} MB | ${(dwarf / 1e6).toFixed(0)} MB | ${cells.join(' | ')} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
