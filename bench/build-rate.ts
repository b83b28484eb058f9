// Table build rate: ELF read + DWARF parse + LLGI table write, for a ~5 MB and
// a ~50 MB -g shared object (SQLite, one copy and seventeen).
//
//   npm run bench:build

import fs from 'node:fs';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { buildTable, type BuildReport } from '../compiler/table/build';
import { sqlite50MB, sqlite5MB } from './subjects';
import { bestOf, fmt } from './measure';

async function main() {
  const subjects = [sqlite5MB(), await sqlite50MB()];
  console.log('| binary | size | functions | line rows | inline nodes | table | build (best) | rate |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const so of subjects) {
    const size = fs.statSync(so).size;
    let report!: BuildReport;
    let table!: Buffer;
    const ms = bestOf(size > 20e6 ? 2 : 3, () => ({ table, report } = buildTable(ElfFile.open(so))));
    console.log(`| ${path.basename(so)} | ${(size / 1e6).toFixed(1)} MB | ${report.functions} | ${report.lineRows} | ${report.inlineNodes} | ` +
      `${(table.length / 1e6).toFixed(1)} MB | ${fmt(ms)} ms | ${(size / 1e6 / (ms / 1000)).toFixed(1)} MB/s |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
