// Mutation tests (fast-check) of llgo's tables in an llgo-format shared
// object: mutated records, strings, string offsets, hash, symbol index,
// pcline records, counts and site IDs must be refused with LLGI_LLGO_INVALID
// or read into a table the C reader accepts, by the TypeScript reader (from
// the file) and by the C builder (from the loaded image, in a child process:
// a crash fails the test). Only llgo's data is mutated, so every mutant still
// loads.

import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { isLlgiError } from '../compiler/errors';
import { LLGOMET1 } from '../compiler/llgo/encode';
import { LinkImage } from '../compiler/llgo/image';
import { readLlgoTables } from '../compiler/llgo/read';
import { buildTable } from '../compiler/table/build';
import { native } from '../lib/native';
import { appShared } from './helpers/llgo';
import { testWith } from './helpers/tools';

const ROOT = path.join(__dirname, '..');
const SEED = 20261128;

/** File ranges of llgo's data in `so`: the arrays behind the ABI globals, the count words, the site IDs. */
function llgoRegions(so: string): { name: string; lo: number; hi: number }[] {
  const elf = ElfFile.open(so);
  const img = new LinkImage(elf);
  const sym = (n: string) => elf.symbols().find((s) => s.name === n)!.value;
  const off = (addr: number) => img.fileOffset(addr)!;
  const word = (n: string) => Number(img.word(sym(n), n));
  const count = word('__llgo_funcinfo_count');
  const nstr = word('__llgo_funcinfo_string_count');
  const array = (name: string, ptr: string, len: number) => ({ name, lo: off(word(ptr)), hi: off(word(ptr)) + len });
  const out = [
    array('records', '__llgo_funcinfo_table', count * 28),
    array('string offsets', '__llgo_funcinfo_string_offsets', nstr * 4),
    array('string pool', '__llgo_funcinfo_strings', 64),
    array('hash', '__llgo_funcinfo_hash', (word('__llgo_funcinfo_hash_mask') + 1) * 2),
    array('symbol index', '__llgo_funcinfo_symbol_index', word('__llgo_funcinfo_symbol_index_count') * 16),
    array('pcline records', '__llgo_pcline_table', word('__llgo_pcline_count') * 24),
  ];
  for (const n of ['__llgo_funcinfo_count', '__llgo_funcinfo_string_count', '__llgo_funcinfo_symbol_index_count', '__llgo_pcline_count']) {
    out.push({ name: n, lo: off(sym(n)), hi: off(sym(n)) + 8 });
  }
  // The ID half of every site row (the pc half is rewritten by relocations at load).
  for (const s of ['llgo_funcinfo_entry', 'llgo_pcline']) {
    const sec = elf.section(s)!;
    for (let o = 8; o < sec.size; o += 16) out.push({ name: `${s} id`, lo: sec.offset + o, hi: sec.offset + o + 8 });
  }
  return out;
}

testWith(['clang', 'lld'], 'mutated llgo tables: LLGI_LLGO_INVALID or a valid table, from the file and from memory, never a crash', (t) => {
  const so = appShared().path;
  const buf = fs.readFileSync(so);
  const regions = llgoRegions(so);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-llgo-fuzz-'));
  const interesting = fc.constantFrom(0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff);
  const arb = fc.record({
    region: fc.nat({ max: regions.length - 1 }),
    at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
    word: fc.boolean(),
    value: fc.oneof(interesting, fc.nat({ max: 0xffffffff })),
  });
  // The meta row's magic: the file reader can still find the symbol index by
  // its .symtab name when this breaks; the loaded image has no such name.
  const entry = ElfFile.open(so).section('llgo_funcinfo_entry')!;
  let metaId = -1;
  for (let o = 8; o < entry.size; o += 16) if (buf.readBigUInt64LE(entry.offset + o) === LLGOMET1) metaId = entry.offset + o;
  t.true(metaId > 0);
  const metaMutants = new Set<number>();
  const mutants = fc.sample(arb, { numRuns: 300, seed: SEED }).map(({ region, at, word, value }, i) => {
    const b = Buffer.from(buf);
    const r = regions[region];
    const o = r.lo + Math.floor(at * (r.hi - r.lo));
    if (o >= metaId && o < metaId + 8) metaMutants.add(i);
    if (word && o + 4 <= r.hi) b.writeUInt32LE(value >>> 0, o);
    else b[o] = value & 0xff;
    const file = path.join(dir, `m${i}.so`);
    fs.writeFileSync(file, b);
    return file;
  });

  // From the file: a typed refusal, or llgo's tables merged into a table the C reader adopts.
  let read = 0;
  let refused = 0;
  const fromFile: string[] = [];
  for (const m of mutants) {
    try {
      // null: no llgo table at all (a count mutated to 0), which load() with 'llgo-memory' refuses as LLGI_BAD_ARGUMENT.
      fromFile.push(readLlgoTables(ElfFile.open(m)) ? 'ok' : 'LLGI_BAD_ARGUMENT');
      read++;
    } catch (e) {
      if (!isLlgiError(e, 'LLGI_LLGO_INVALID')) throw e;
      refused++;
      fromFile.push('LLGI_LLGO_INVALID');
    }
    new (native().Table)(buildTable(ElfFile.open(m)).table);
  }
  t.log(`file: ${read} read, ${refused} refused`);
  t.true(read > 0 && refused > 0);

  // From memory, in a child: each mutant loaded with the in-memory builder.
  const script = `
    const { load } = require(${JSON.stringify(path.join(ROOT, 'lib', 'live.ts'))});
    const out = [];
    for (const f of process.argv.slice(1)) {
      try { const m = load(f, { table: 'llgo-memory', interpose: false }); out.push('ok'); m.close(); }
      catch (e) { out.push(e.code || ('other ' + e.message)); }
    }
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, ...mutants], { cwd: ROOT, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const outcomes = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
  t.is(outcomes.length, mutants.length);
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  t.log(`memory: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`);
  t.deepEqual([...counts.keys()].filter((k) => !['ok', 'LLGI_LLGO_INVALID', 'LLGI_BAD_ARGUMENT'].includes(k)), []);
  t.true((counts.get('ok') ?? 0) > 0 && (counts.get('LLGI_LLGO_INVALID') ?? 0) > 0);
  // The two readers check the same rules (docs/llgo.md, "Validation"): they refuse the same
  // mutants, but for a broken meta record, which only the file's .symtab can make up for.
  t.deepEqual(outcomes.map((o, i) => (metaMutants.has(i) ? 'meta' : o)), fromFile.map((o, i) => (metaMutants.has(i) ? 'meta' : o)));
  for (const i of metaMutants) t.deepEqual([outcomes[i], fromFile[i]], ['LLGI_LLGO_INVALID', 'ok']);
  fs.rmSync(dir, { recursive: true, force: true });
});
