// Mutation tests (fast-check): hostile tables and binaries must be rejected
// with a typed error or answered without reading out of bounds: never a crash,
// never another exception type, never an invalid table from the builder.

import test from 'ava';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { isLlgiError } from '../compiler/errors';
import { buildTable } from '../compiler/table/build';
import { CHECKSUM_START, HEADER_SIZE, H, tableChecksum } from '../compiler/table/format';
import { buildSums } from '../compiler/embed/sums';
import { native, type NativeTable } from '../lib/native';
import { compile } from '../compiler/toolchain/cc';
import { symFixture } from './helpers/fixtures';
import { manyChunkTable } from './helpers/tables';
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
    b.writeUInt32LE(tableChecksum(b, CHECKSUM_START), H.checksum);
  }
  return b;
}

testWith(['gcc'], 'mutated tables: the C reader (ASan, UBSan) rejects them or answers in bounds', (t) => {
  const { table } = buildTable(ElfFile.open(symFixture('gcc')));
  const probe = compile({
    compiler: tools.gcc!, kind: 'exe', name: 'table_probe', replaceFlags: true,
    sources: [path.join(ROOT, 'test', 'c', 'table_probe.c'), path.join(ROOT, 'runtime', 'src', 'table.c')],
    flags: ['-std=c11', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-Wall', '-Wextra', '-Werror', `-I${path.join(ROOT, 'runtime', 'include')}`, `-I${path.join(ROOT, 'bench')}`],
  });
  const maxDepth = new (native().Table)(table).info().maxDepth;
  const mutants = fc.sample(mutation(table.length), { numRuns: 1500, seed: SEED }).map((m) => mutateTable(table, m));
  // An index that matches a mutant records the mutant's own deepest inline chain (a mutated parent can deepen it);
  // one the reader refuses keeps the clean table's.
  const depthOf = (m: Buffer) => {
    try {
      return new (native().Table)(m).info().maxDepth;
    } catch {
      return maxDepth;
    }
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-fuzz-'));
  const write = (name: string, b: Buffer) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, b);
    return f;
  };
  const valid = write('valid.tbl', table);
  const staleSums = write('valid.sums', buildSums(table, maxDepth));
  // Each mutant three ways: whole; at first use with an index that matches it
  // (the structural checks decide); at first use with the clean table's index
  // (a table corrupted after postlink: the chunk checksums decide).
  const args = mutants.flatMap((m, i) => {
    const f = write(`m${i}.tbl`, m);
    return [f, `${f}+${write(`m${i}.sums`, buildSums(m, depthOf(m)))}`, `${f}+${staleSums}`];
  });
  const r = spawnSync(probe, [valid, `${valid}+${staleSums}`, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  t.is(r.status, 0, r.stderr.slice(0, 4000) + r.stdout.slice(-400));
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, args.length + 2);
  t.regex(lines[0], /^accepted /, 'the unmutated table is accepted');
  t.is(lines[1], lines[0], 'at first use too, with the same answers');
  const reasons = [new Map<string, number>(), new Map<string, number>()];
  let staleRefused = 0;
  for (let i = 0; i < mutants.length; i++) {
    const [whole, fresh, stale] = lines.slice(2 + 3 * i, 5 + 3 * i);
    // Whole adoption checks a superset of what first use checks, with the same answers.
    if (whole.startsWith('accepted')) t.is(fresh, whole, `mutant ${i}: first use agrees with whole adoption`);
    // A stale index: refused, or only bytes nothing reads changed (the clean answers).
    if (stale.startsWith('accepted')) t.is(stale, lines[0], `mutant ${i}: a stale index never gives other answers`);
    else staleRefused++;
    for (const [k, l] of [whole, fresh].entries()) {
      const key = l.startsWith('accepted') ? 'accepted' : l;
      reasons[k].set(key, (reasons[k].get(key) ?? 0) + 1);
    }
  }
  for (const [k, label] of ['whole', 'first use'].entries()) {
    t.log(`${label}:\n${[...reasons[k]].sort((a, b) => b[1] - a[1]).map(([w, n]) => `${n}\t${w}`).join('\n')}`);
    // The structural checks, not only the checksums, must have been reached.
    t.true([...reasons[k].keys()].filter((w) => !/checksum mismatch|chunk checksum|accepted/.test(w)).length >= 8, label);
  }
  t.log(`stale index: ${staleRefused} of ${mutants.length} refused, the rest answered as the clean table`);
  t.true(staleRefused > mutants.length / 2);
});

/** All answers of a table for `addrs` (the native frames words), or the error code of the first lookup that throws. */
function allFrames(tb: NativeTable, addrs: BigUint64Array): Uint32Array | string {
  let out = new Uint32Array(1024);
  try {
    tb.bind(addrs, out, 0n);
    let used = tb.frames(addrs.length, true);
    if (used < 0) {
      out = new Uint32Array(-used);
      tb.bind(addrs, out, 0n);
      used = tb.frames(addrs.length, true);
    }
    return out.subarray(0, used);
  } catch (e) {
    return String((e as { code?: string }).code);
  }
}

test('mutated embedded tables at first use: LLGI_TABLE_INVALID (at adoption or at the first lookup that meets the damage, and every lookup after it), or the clean answers', (t) => {
  const table = manyChunkTable();
  t.true(table.length > 6 * 4096, `${table.length} bytes: many chunks`);
  const { Table } = native();
  const good = new Table(table).info();
  const sums = buildSums(table, good.maxDepth);
  const addrs = new BigUint64Array(Array.from({ length: good.textLen + 128 }, (_, i) => good.textStart - 64n + BigInt(i)));
  const clean = allFrames(new Table(table, sums), addrs);
  t.true(clean instanceof Uint32Array);
  // Damage anywhere in the table or its index, checksums left as postlink wrote them.
  const whole = Buffer.concat([table, sums]);
  const arb = fc.record({
    at: fc.array(fc.nat({ max: whole.length - 1 }), { minLength: 1, maxLength: 4 }),
    xor: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 4, maxLength: 4 }),
  });
  const seen = { adoption: 0, lookup: 0, clean: 0 };
  fc.assert(
    fc.property(arb, ({ at, xor }) => {
      const b = Buffer.from(whole);
      at.forEach((a, i) => (b[a] ^= xor[i]));
      let tb;
      try {
        tb = new Table(Buffer.from(b.subarray(0, table.length)), Buffer.from(b.subarray(table.length)));
      } catch (e) {
        seen.adoption++;
        return (e as { code?: string }).code === 'LLGI_TABLE_INVALID';
      }
      const got = allFrames(tb, addrs);
      if (typeof got === 'string') {
        seen.lookup++;
        // Refused for good: the next lookup throws too.
        return got === 'LLGI_TABLE_INVALID' && allFrames(tb, addrs.subarray(64, 65)) === 'LLGI_TABLE_INVALID';
      }
      seen.clean++;
      return Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from((clean as Uint32Array).buffer, 0, (clean as Uint32Array).byteLength));
    }),
    { numRuns: 400, seed: SEED },
  );
  t.log(`${seen.adoption} refused at adoption, ${seen.lookup} at a lookup, ${seen.clean} answered as the clean table`);
  // Damage past the first chunk and the index's header and page sums is found by lookups.
  t.true(seen.adoption > 0 && seen.lookup > seen.adoption);
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
      const r = allFrames(tb, addrs);
      return typeof r !== 'string' && r.length >= addrs.length * 2;
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
