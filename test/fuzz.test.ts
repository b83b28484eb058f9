// Mutation tests (fast-check): hostile tables and binaries must be rejected
// with a typed error or answered without reading out of bounds: never a crash,
// never another exception type, never an invalid table from the builder.

import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { isLlgiError } from '../compiler/errors';
import { buildTable } from '../compiler/table/build';
import { HEADER_SIZE, H, tableChecksum } from '../compiler/table/format';
import { native } from '../lib/native';
import { compile } from '../compiler/toolchain/cc';
import { symFixture } from './helpers/fixtures';
import { testWith, tools } from './helpers/tools';

const ROOT = path.join(__dirname, '..');
const SEED = 20261128;

type Mutation =
  | { kind: 'bytes'; at: number[]; values: number[]; fixChecksum: boolean }
  | { kind: 'word'; at: number; value: number }
  | { kind: 'truncate'; length: number };

const interesting = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff),
  fc.nat({ max: 0xffffffff }),
);

function mutation(size: number): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({
      kind: fc.constant('bytes' as const),
      at: fc.array(fc.nat({ max: size - 1 }), { minLength: 1, maxLength: 8 }),
      values: fc.array(fc.nat({ max: 255 }), { minLength: 8, maxLength: 8 }),
      fixChecksum: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('word' as const), at: fc.nat({ max: (size >> 2) - 1 }), value: interesting }),
    fc.record({ kind: fc.constant('truncate' as const), length: fc.nat({ max: size - 1 }) }),
  );
}

/** Applies m to a copy of a valid table; header words and structure mutations keep a valid checksum. */
function mutateTable(table: Buffer, m: Mutation): Buffer {
  if (m.kind === 'truncate') return Buffer.from(table.subarray(0, m.length));
  const b = Buffer.from(table);
  let fix = true;
  if (m.kind === 'bytes') {
    m.at.forEach((a, i) => (b[a] = m.values[i]));
    fix = m.fixChecksum;
  } else {
    b.writeUInt32LE(m.value >>> 0, m.at * 4);
  }
  if (fix && b.length >= HEADER_SIZE && !(m.kind === 'word' && m.at * 4 === H.checksum)) {
    b.writeUInt32LE(tableChecksum(b, HEADER_SIZE), H.checksum);
  }
  return b;
}

testWith(['gcc'], 'mutated tables: the C reader (ASan, UBSan) rejects them or answers in bounds', (t) => {
  const { table } = buildTable(ElfFile.open(symFixture('gcc')));
  const probe = compile({
    compiler: tools.gcc!, kind: 'exe', name: 'table_probe', replaceFlags: true,
    sources: [path.join(ROOT, 'test', 'c', 'table_probe.c'), path.join(ROOT, 'runtime', 'src', 'table.c')],
    flags: ['-std=c11', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-Wall', '-Wextra', '-Werror', `-I${path.join(ROOT, 'runtime', 'include')}`],
  });
  const mutants = fc.sample(mutation(table.length), { numRuns: 1500, seed: SEED }).map((m) => mutateTable(table, m));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-fuzz-'));
  const files = mutants.map((m, i) => {
    const f = path.join(dir, `m${i}.tbl`);
    fs.writeFileSync(f, m);
    return f;
  });
  fs.writeFileSync(path.join(dir, 'valid.tbl'), table);
  const r = spawnSync(probe, [path.join(dir, 'valid.tbl'), ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
  t.is(r.status, 0, r.stderr.slice(0, 4000));
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, files.length + 1);
  t.regex(lines[0], /^accepted /, 'the unmutated table is accepted');
  const reasons = new Map<string, number>();
  for (const l of lines.slice(1)) {
    const key = l.startsWith('accepted') ? 'accepted' : l;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  t.log([...reasons].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`).join('\n'));
  // The structural checks, not only the checksum, must have been reached.
  t.true([...reasons.keys()].filter((k) => k !== 'rejected checksum mismatch' && k !== 'accepted').length >= 8);
});

testWith(['gcc'], 'mutated tables in-process: LLGI_TABLE_INVALID or lookups that stay sane', (t) => {
  const { table } = buildTable(ElfFile.open(symFixture('gcc')));
  const { Table } = native();
  const good = new Table(table).info();
  const addrs = new BigUint64Array(Array.from({ length: good.textLen + 128 }, (_, i) => good.textStart - 64n + BigInt(i)));
  fc.assert(
    fc.property(mutation(table.length), (m) => {
      const b = mutateTable(table, m);
      let tb;
      try {
        tb = new Table(Buffer.from(b));
      } catch (e) {
        return (e as { code?: string }).code === 'LLGI_TABLE_INVALID';
      }
      let out = new Uint32Array(1024);
      let used = tb.frames(addrs, addrs.length, true, out);
      if (used < 0) {
        out = new Uint32Array(-used);
        used = tb.frames(addrs, addrs.length, true, out);
      }
      return used >= addrs.length * 2;
    }),
    { numRuns: 400, seed: SEED },
  );
  t.pass();
});

/** Sections of the fixture worth corrupting, with their file ranges. */
function targets(elf: ElfFile): { lo: number; hi: number }[] {
  const names = ['.debug_info', '.debug_abbrev', '.debug_line', '.debug_str', '.debug_line_str', '.debug_rnglists', '.debug_aranges', '.symtab', '.strtab', '.dynsym', '.dynstr'];
  const out = [{ lo: 0, hi: 64 }];
  const shoff = Number(elf.buf.readBigUInt64LE(0x28));
  out.push({ lo: shoff, hi: Math.min(elf.buf.length, shoff + elf.sections.length * 64) });
  for (const n of names) {
    const s = elf.section(n);
    if (s && s.size) out.push({ lo: s.offset, hi: s.offset + s.size });
  }
  return out;
}

for (const variant of [{ label: 'DWARF 5', flags: [] as string[] }, { label: 'DWARF 4', flags: ['-gdwarf-4'] }]) {
  testWith(['gcc'], `mutated ELF and ${variant.label}: typed errors or a table the C reader accepts`, (t) => {
    const so = symFixture('gcc', variant.flags);
    const buf = fs.readFileSync(so);
    const regions = targets(ElfFile.open(so));
    const { Table } = native();
    const arb = fc.record({
      region: fc.nat({ max: regions.length - 1 }),
      at: fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 6 }),
      values: fc.array(fc.nat({ max: 255 }), { minLength: 6, maxLength: 6 }),
    });
    let built = 0;
    let rejected = 0;
    fc.assert(
      fc.property(arb, ({ region, at, values }) => {
        const b = Buffer.from(buf);
        const r = regions[region];
        at.forEach((x, i) => (b[r.lo + Math.floor(x * (r.hi - r.lo))] = values[i]));
        let table: Buffer;
        try {
          table = buildTable(new ElfFile(b, 'mutant.so')).table;
        } catch (e) {
          if (!isLlgiError(e)) throw e;
          rejected++;
          return true;
        }
        new Table(table); // the builder must never write a table the reader refuses
        built++;
        return true;
      }),
      { numRuns: 400, seed: SEED },
    );
    t.log(`${built} built, ${rejected} rejected with a typed error`);
    t.true(built > 0 && rejected > 0);
  });
}
