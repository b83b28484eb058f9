// parseLineTable against llvm-dwarfdump-19 --debug-line (every row of every
// sequence, every file name) and llvm-symbolizer-19 (resolved paths), on the
// compiled fixtures and on hand-assembled line programs that exercise what
// compilers never emit (VLIW op_index, DWARF64 + odd forms, define_file...);
// the C reader's address intervals (llgi_dline_intervals) against what
// llvm-symbolizer-19 answers at their edges and, on a hand-assembled table
// with rows out of order and overlapping sequences, at every address.

import test, { ExecutionContext } from 'ava';
import * as fc from 'fast-check';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ElfFile } from '../compiler/elf';
import { parseLineTable, resolveFileName, LineTable } from '../compiler/dwarf/line';
import type { DwarfSections } from '../compiler/dwarf/reader';
import { isLlgiError } from '../compiler/errors';
import { native } from '../lib/native';
import { buildFixtures, Fixture, removeFixtures, reportSkipped, requireTools, run } from './fixtures/elfline/build';

test.after.always(() => removeFixtures());

const DWARFDUMP = 'llvm-dwarfdump-19';
const SYMBOLIZER = 'llvm-symbolizer-19';

// ---- llvm-dwarfdump oracle -------------------------------------------------

interface DumpRow {
  address: bigint;
  line: number;
  column: number;
  file: number;
  isStmt: boolean;
  endSequence: boolean;
}

interface DumpTable {
  offset: number;
  version: number;
  includeDirs: Map<number, string>;
  files: Map<number, { name: string; dirIndex: number }>;
  rows: DumpRow[];
}

function dumpLineTables(file: string): DumpTable[] {
  const tables: DumpTable[] = [];
  let cur: DumpTable | undefined;
  let fileIndex = -1;
  for (const line of run(DWARFDUMP, ['--debug-line', file]).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^debug_line\[0x([0-9a-f]+)\]/.exec(line))) {
      cur = { offset: parseInt(m[1], 16), version: 0, includeDirs: new Map(), files: new Map(), rows: [] };
      tables.push(cur);
    } else if (!cur) {
      continue;
    } else if ((m = /^\s+version: (\d+)$/.exec(line))) {
      cur.version = Number(m[1]);
    } else if ((m = /^include_directories\[\s*(\d+)\] = "(.*)"$/.exec(line))) {
      cur.includeDirs.set(Number(m[1]), m[2]);
    } else if ((m = /^file_names\[\s*(\d+)\]:$/.exec(line))) {
      fileIndex = Number(m[1]);
      cur.files.set(fileIndex, { name: '', dirIndex: 0 });
    } else if ((m = /^\s+name: "(.*)"$/.exec(line))) {
      cur.files.get(fileIndex)!.name = m[1];
    } else if ((m = /^\s+dir_index: (\d+)$/.exec(line))) {
      cur.files.get(fileIndex)!.dirIndex = Number(m[1]);
    } else if ((m = /^0x([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s*(.*)$/.exec(line))) {
      const flags = m[5].split(/\s+/);
      cur.rows.push({
        address: BigInt('0x' + m[1]),
        line: Number(m[2]),
        column: Number(m[3]),
        file: Number(m[4]),
        isStmt: flags.includes('is_stmt'),
        endSequence: flags.includes('end_sequence'),
      });
    }
  }
  return tables;
}

/** dwarfdump rows grouped into sequences, keeping those LLVM's Sequence::isValid accepts. */
function dumpSequences(rows: DumpRow[]) {
  const seqs: { lowPc: number; highPc: number; rows: object[] }[] = [];
  let pending: DumpRow[] = [];
  for (const r of rows) {
    if (!r.endSequence) {
      pending.push(r);
      continue;
    }
    if (pending.length > 0 && pending[0].address < r.address) {
      seqs.push({
        lowPc: Number(pending[0].address),
        highPc: Number(r.address),
        rows: pending.map((p) => ({ address: Number(p.address), file: p.file, line: p.line, column: p.column, isStmt: p.isStmt })),
      });
    }
    pending = [];
  }
  return seqs;
}

/** The brief's path rule applied to dwarfdump's tables (the oracle for `files`). */
function composeFile(dump: DumpTable, index: number, compDir: string): string | undefined {
  const f = dump.files.get(index);
  if (!f) return undefined;
  if (f.name.startsWith('/')) return f.name;
  const dir = (dump.version >= 5 || f.dirIndex > 0 ? dump.includeDirs.get(f.dirIndex) : undefined) ?? '';
  const pieces = [(dump.version < 5 || f.dirIndex !== 0) && !dir.startsWith('/') ? compDir : '', dir, f.name];
  return pieces.filter((p) => p !== '').reduce((acc, p) => (acc === '' || acc.endsWith('/') ? acc + p : acc + '/' + p), '');
}

function compareWithDump(t: ExecutionContext, label: string, dump: DumpTable, ours: LineTable, compDir: string): void {
  t.is(ours.version, dump.version, `${label} version`);
  t.deepEqual(ours.sequences, dumpSequences(dump.rows), `${label} sequences`);
  // dwarfdump lists only the header's files, not those added by DW_LNE_define_file.
  const count = (dump.version >= 5 ? 0 : 1) + dump.files.size;
  t.true(ours.files.length >= count, `${label} file count`);
  for (let i = 0; i < count; i++) t.is(ours.files[i], composeFile(dump, i, compDir), `${label} file ${i}`);
}

/** DW_AT_stmt_list -> DW_AT_comp_dir for every compile unit, from dwarfdump --debug-info. */
function compDirs(file: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const block of run(DWARFDUMP, ['--debug-info', file]).split(/DW_TAG_compile_unit/).slice(1)) {
    const attrs = block.split('\n\n')[0];
    const stmt = /DW_AT_stmt_list\s+\((0x[0-9a-f]+)\)/.exec(attrs);
    const dir = /DW_AT_comp_dir\s+\("(.*)"\)/.exec(attrs);
    if (stmt) out.set(Number(stmt[1]), dir ? dir[1] : '');
  }
  return out;
}

/**
 * The file the LLVM tools should read for a fixture: LLVM 19 no longer reads
 * legacy .zdebug_* sections, so those get an objcopy-decompressed twin.
 */
function oracleFile(fx: Fixture): string {
  if (!fx.name.endsWith('-gz-gnu')) return fx.path;
  const plain = `${fx.path}.plain`;
  if (!fs.existsSync(plain)) run('objcopy', ['--decompress-debug-sections', fx.path, plain]);
  return plain;
}

function withFixtures(t: ExecutionContext, tools: string[]): Fixture[] {
  if (!requireTools(t, tools)) return [];
  const set = buildFixtures();
  reportSkipped(t, set);
  return set.fixtures;
}

// ---- compiled fixtures -----------------------------------------------------

test('every line table of every fixture matches llvm-dwarfdump', (t) => {
  const versions = new Set<string>();
  for (const fx of withFixtures(t, [DWARFDUMP, 'objcopy'])) {
    const dwarf = ElfFile.open(fx.path).dwarfSections();
    const dirs = compDirs(oracleFile(fx));
    const dumps = dumpLineTables(oracleFile(fx));
    t.is(dumps.length, 2, `${fx.name}: one line table per CU`);
    for (const dump of dumps) {
      const compDir = dirs.get(dump.offset);
      t.truthy(compDir, `${fx.name}: CU for line table 0x${dump.offset.toString(16)}`);
      const ours = parseLineTable(dwarf, dump.offset, compDir!);
      t.true(ours.sequences.length > 0 && ours.files.some((f) => f?.endsWith('/inc/util.h')), fx.name);
      compareWithDump(t, `${fx.name}@0x${dump.offset.toString(16)}`, dump, ours, compDir!);
      versions.add(`${ours.version}${dwarf.line!.readUInt32LE(dump.offset) === 0xffffffff ? '/64' : ''}`);
    }
  }
  if (versions.size > 0) t.deepEqual([...versions].sort(), ['2', '3', '4', '5', '5/64'], 'all line table versions covered');
});

test('resolved file names and lines agree with llvm-symbolizer', (t) => {
  for (const fx of withFixtures(t, [DWARFDUMP, SYMBOLIZER, 'objcopy'])) {
    const dwarf = ElfFile.open(fx.path).dwarfSections();
    const expect = new Map<number, string>();
    for (const [offset, compDir] of compDirs(oracleFile(fx))) {
      const table = parseLineTable(dwarf, offset, compDir);
      for (const seq of table.sequences) {
        seq.rows.forEach((row, i) => {
          // The symbolizer reports the last row at an address.
          const next = seq.rows[i + 1];
          if (row.line === 0 || (next && next.address === row.address)) return;
          expect.set(row.address, `${table.files[row.file]}:${row.line}:${row.column}`);
        });
      }
    }
    t.true(expect.size > 10, fx.name);
    const queries = [...expect];
    const blocks = run(SYMBOLIZER, [`--obj=${oracleFile(fx)}`, ...queries.map(([a]) => '0x' + a.toString(16))]).trimEnd().split('\n\n');
    t.is(blocks.length, queries.length, fx.name);
    queries.forEach(([a, want], i) => t.is(blocks[i].split('\n')[1], want, `${fx.name} 0x${a.toString(16)}`));
  }
});

// ---- hand-assembled line programs ------------------------------------------

class Bytes {
  readonly out: number[] = [];
  u8(...v: number[]): this {
    this.out.push(...v.map((x) => x & 0xff));
    return this;
  }
  u16(v: number): this {
    return this.u8(v, v >> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  u64(v: bigint): this {
    return this.u32(Number(v & 0xffffffffn)).u32(Number(v >> 32n));
  }
  uleb(v: number): this {
    do {
      const b = v % 128;
      v = Math.floor(v / 128);
      this.u8(v > 0 ? b | 0x80 : b);
    } while (v > 0);
    return this;
  }
  sleb(v: number): this {
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.u8(done ? b : b | 0x80);
      if (done) return this;
    }
  }
  str(s: string): this {
    return this.u8(...Buffer.from(s + '\0'));
  }
  raw(b: Bytes): this {
    this.out.push(...b.out);
    return this;
  }
}

const b = () => new Bytes();

interface OpcodeParams {
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
}

/** A line-number program, written opcode by opcode. */
class Program extends Bytes {
  constructor(readonly params: OpcodeParams) {
    super();
  }
  /** The special opcode for (line delta, operation advance); checks it is encodable. */
  special(lineDelta: number, opAdvance: number): this {
    const { lineBase, lineRange, opcodeBase } = this.params;
    const op = lineDelta - lineBase + lineRange * opAdvance + opcodeBase;
    if (lineDelta < lineBase || lineDelta >= lineBase + lineRange || op > 255) throw new Error(`no special opcode for ${lineDelta}/${opAdvance}`);
    return this.u8(op);
  }
  copy(): this { return this.u8(1); }
  advancePc(n: number): this { return this.u8(2).uleb(n); }
  advanceLine(n: number): this { return this.u8(3).sleb(n); }
  setFile(n: number): this { return this.u8(4).uleb(n); }
  setColumn(n: number): this { return this.u8(5).uleb(n); }
  negateStmt(): this { return this.u8(6); }
  setBasicBlock(): this { return this.u8(7); }
  constAddPc(): this { return this.u8(8); }
  fixedAdvancePc(n: number): this { return this.u8(9).u16(n); }
  setPrologueEnd(): this { return this.u8(10); }
  setEpilogueBegin(): this { return this.u8(11); }
  setIsa(n: number): this { return this.u8(12).uleb(n); }
  ext(sub: number, payload: Bytes): this { return this.u8(0).uleb(payload.out.length + 1).u8(sub).raw(payload); }
  endSequence(): this { return this.ext(1, b()); }
  setAddress(a: bigint): this { return this.ext(2, b().u64(a)); }
  defineFile(name: string, dir: number): this { return this.ext(3, b().str(name).uleb(dir).uleb(0).uleb(0)); }
  setDiscriminator(n: number): this { return this.ext(4, b().uleb(n)); }
}

const STD_LENGTHS = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];
const DEFAULT_PARAMS: OpcodeParams = { lineBase: -5, lineRange: 14, opcodeBase: 13 };

interface UnitSpec {
  version: number;
  dwarf64?: boolean;
  minInst?: number;
  maxOps?: number;
  defaultIsStmt?: boolean;
  stdLengths?: number[];
  /** include directories + file names, already encoded for the version. */
  tables: Bytes;
  program: Program;
}

function lineUnit(s: UnitSpec): Bytes {
  const { lineBase, lineRange, opcodeBase } = s.program.params;
  const fields = b().u8(s.minInst ?? 1);
  if (s.version >= 4) fields.u8(s.maxOps ?? 1);
  fields.u8(s.defaultIsStmt === false ? 0 : 1).u8(lineBase).u8(lineRange).u8(opcodeBase);
  fields.u8(...(s.stdLengths ?? STD_LENGTHS).slice(0, opcodeBase - 1)).raw(s.tables);
  const body = b().u16(s.version);
  if (s.version >= 5) body.u8(8, 0);
  if (s.dwarf64) body.u64(BigInt(fields.out.length));
  else body.u32(fields.out.length);
  body.raw(fields).raw(s.program);
  return s.dwarf64 ? b().u32(0xffffffff).u64(BigInt(body.out.length)).raw(body) : b().u32(body.out.length).raw(body);
}

/** v2-4 include_directories + file_names. */
function v4Tables(dirs: string[], files: [string, number][]): Bytes {
  const t = b();
  for (const d of dirs) t.str(d);
  t.u8(0);
  for (const [name, dir] of files) t.str(name).uleb(dir).uleb(0).uleb(0);
  return t.u8(0);
}

// DWARF constants used by the v5 tables below.
const LNCT = { path: 1, directory_index: 2, size: 4, MD5: 5, vendor: 0x2001 };
const FORM = { string: 0x08, line_strp: 0x1f, strp: 0x0e, udata: 0x0f, data1: 0x0b, data2: 0x05, data4: 0x06, data16: 0x1e, block: 0x09, strx1: 0x25 };

interface Synthetic {
  line: Buffer;
  lineStr: Buffer;
  str: Buffer;
  /** Start offset and comp dir of each unit in `line`. */
  units: { offset: number; compDir: string }[];
}

function synthetic(): Synthetic {
  const lineStr = b().u8(0).str('/ls/comp').str('ls-inc');
  const str = b().u8(0, 0).str('from-strp.c').str('header.h');
  const units: { unit: Bytes; compDir: string }[] = [];

  // v4: min_inst 4, opcode_base 10 (so 10..12 are special opcodes), default
  // is_stmt false, define_file, discriminator, unknown extended opcode, a
  // line that goes below zero and a column/file past 16 bits (LLVM wraps),
  // empty / zero-length / tombstoned / unterminated sequences.
  const p0 = new Program({ lineBase: -3, lineRange: 12, opcodeBase: 10 });
  p0.setAddress(0x1000n).special(4, 2).advanceLine(-1).setFile(2).setColumn(7).negateStmt().copy()
    .constAddPc().u8(10).setDiscriminator(3).ext(0x80, b().u8(1, 2, 3)).defineFile('def.c', 2)
    .setFile(8).fixedAdvancePc(0x20).copy().advancePc(3).advanceLine(-40).special(0, 1).advanceLine(100).u8(255)
    .setColumn(70000).setFile(0x10003).copy().special(1, 1).endSequence();
  p0.setAddress(0x5000n).endSequence();
  p0.setAddress(0x6000n).copy().endSequence();
  // Bytes 10..12 are special opcodes here, not prologue_end/epilogue_begin/set_isa.
  p0.setAddress(0x2000n).advanceLine(5).copy().setBasicBlock().setColumn(0).negateStmt().u8(10, 11, 12).special(2, 2).endSequence();
  p0.setAddress(0xffffffffffffffffn).copy().advancePc(4).endSequence();
  p0.setAddress(0x3000n).copy().advancePc(1);
  units.push({
    compDir: '/cd/',
    unit: lineUnit({
      version: 4, minInst: 4, defaultIsStmt: false, program: p0,
      tables: v4Tables(['inc', '/abs/dir/', 'rel/', '../up'], [['a.c', 0], ['b.h', 1], ['c.h', 2], ['d.h', 3], ['/abs/e.c', 1], ['f.c', 9], ['g.h', 4]]),
    }),
  });

  // v5, DWARF64, VLIW (max_ops 4, min_inst 2), opcode_base 14 with an
  // unknown standard opcode 13 taking two operands; file entries carry MD5,
  // size and a vendor block.
  // line_range 11 makes const_add_pc's (255 - opcode_base) / line_range floor matter.
  const p1 = new Program({ lineBase: -3, lineRange: 11, opcodeBase: 14 });
  p1.setAddress(0x400000n).setFile(0).setPrologueEnd().setIsa(3).copy().special(2, 3).setEpilogueBegin().setBasicBlock().u8(13).uleb(300).uleb(1).setFile(1).special(0, 7)
    .constAddPc().special(1, 1).setFile(2).advancePc(7).copy().fixedAdvancePc(3).copy().setFile(3).advancePc(5).special(-3, 2)
    .advancePc(1).endSequence();
  units.push({
    compDir: '/cu/comp',
    unit: lineUnit({
      version: 5, dwarf64: true, maxOps: 4, minInst: 2, stdLengths: [...STD_LENGTHS, 2], program: p1,
      tables: b()
        .u8(1).uleb(LNCT.path).uleb(FORM.string).uleb(3).str('/comp/dir').str('inc').str('/usr/include')
        .u8(5).uleb(LNCT.path).uleb(FORM.string).uleb(LNCT.directory_index).uleb(FORM.udata)
        .uleb(LNCT.MD5).uleb(FORM.data16).uleb(LNCT.size).uleb(FORM.data4).uleb(LNCT.vendor).uleb(FORM.block)
        .uleb(4)
        .str('main.c').uleb(0).u8(...Array(16).fill(0xab)).u32(1234).uleb(3).u8(1, 2, 3)
        .str('util.h').uleb(1).u8(...Array(16).fill(0xcd)).u32(99).uleb(0)
        .str('stdio.h').uleb(2).u8(...Array(16).fill(0)).u32(0).uleb(1).u8(9)
        .str('../up.c').uleb(1).u8(...Array(16).fill(1)).u32(5).uleb(0),
    }),
  });

  // v5 with strings in .debug_line_str / .debug_str and DW_FORM_data2 dir indexes.
  const p2 = new Program(DEFAULT_PARAMS);
  p2.setAddress(0x7000n).copy().setFile(1).special(3, 4).setFile(0).advancePc(3).endSequence();
  units.push({
    compDir: '/cu/dir',
    unit: lineUnit({
      version: 5, program: p2,
      tables: b()
        .u8(1).uleb(LNCT.path).uleb(FORM.line_strp).uleb(2).u32(1).u32(10)
        .u8(2).uleb(LNCT.path).uleb(FORM.strp).uleb(LNCT.directory_index).uleb(FORM.data2)
        .uleb(2).u32(2).u16(0).u32(14).u16(1),
    }),
  });

  // v2 and v3 headers (no max_ops); v2 with min_inst 2.
  const p3 = new Program(DEFAULT_PARAMS);
  p3.setAddress(0x8000n).copy().special(4, 3).setFile(3).constAddPc().copy().advancePc(1).endSequence();
  units.push({
    compDir: 'relative/comp',
    unit: lineUnit({ version: 2, minInst: 2, program: p3, tables: v4Tables(['/abs'], [['x.c', 0], ['y.h', 1], ['./z.c', 0]]) }),
  });
  const p4 = new Program(DEFAULT_PARAMS);
  p4.setAddress(0x9000n).copy().setFile(2).special(8, 2).advancePc(4).endSequence();
  units.push({
    compDir: '',
    unit: lineUnit({ version: 3, program: p4, tables: v4Tables(['sub'], [['p.c', 0], ['q.h', 1]]) }),
  });

  const line = b();
  const placed = units.map((u) => {
    const offset = line.out.length;
    line.raw(u.unit);
    return { offset, compDir: u.compDir };
  });
  return { line: Buffer.from(line.out), lineStr: Buffer.from(lineStr.out), str: Buffer.from(str.out), units: placed };
}

/** Assembles raw debug sections (name -> bytes) into an ELF object the LLVM tools can read. */
function assemble(dir: string, name: string, sections: Record<string, Buffer>): string {
  // The string sections need the flags the assembler insists on for those names.
  const flags = (section: string) => (section.endsWith('str') ? '"MS",@progbits,1' : '"",@progbits');
  const src = path.join(dir, `${name}.s`);
  fs.writeFileSync(src, Object.entries(sections).map(([n, data]) => `.section ${n},${flags(n)}\n.byte ${[...data].join(',')}\n`).join(''));
  const obj = path.join(dir, `${name}.o`);
  run('clang-19', ['-c', '--target=x86_64-linux-gnu', src, '-o', obj]);
  return obj;
}

test('hand-assembled line programs match llvm-dwarfdump', (t) => {
  if (!requireTools(t, ['clang-19', DWARFDUMP])) return;
  const syn = synthetic();
  const obj = assemble(buildFixtures().dir, 'synthetic', { '.debug_line': syn.line, '.debug_line_str': syn.lineStr, '.debug_str': syn.str });
  const dwarf = ElfFile.open(obj).dwarfSections();
  t.true(dwarf.line!.equals(syn.line));
  const dumps = dumpLineTables(obj);
  t.deepEqual(dumps.map((d) => d.offset), syn.units.map((u) => u.offset));
  for (const [i, u] of syn.units.entries()) {
    const ours = parseLineTable(dwarf, u.offset, u.compDir);
    t.true(ours.sequences.length > 0, `unit ${i}`);
    compareWithDump(t, `synthetic unit ${i}`, dumps[i], ours, u.compDir);
  }

  // Spot checks of what the comparison covered.
  const v4 = parseLineTable(dwarf, syn.units[0].offset, '/cd/');
  t.is(v4.sequences.length, 2, 'empty, zero-length, tombstoned and unterminated sequences dropped');
  t.deepEqual(v4.files, [undefined, '/cd/a.c', '/cd/inc/b.h', '/abs/dir/c.h', '/cd/rel/d.h', '/abs/e.c', '/cd/f.c', '/cd/../up/g.h', '/abs/dir/def.c']);
  t.false(v4.sequences[0].rows[0].isStmt, 'default_is_stmt false');
  const vliw = parseLineTable(dwarf, syn.units[1].offset, '/cu/comp');
  t.deepEqual(vliw.files, ['/comp/dir/main.c', '/cu/comp/inc/util.h', '/usr/include/stdio.h', '/cu/comp/inc/../up.c'], 'v5: relative dirs other than 0 get the CU comp dir, not dir 0');
  t.deepEqual(parseLineTable(dwarf, syn.units[2].offset, '/cu/dir').files, ['/ls/comp/from-strp.c', '/cu/dir/ls-inc/header.h']);
  t.deepEqual(parseLineTable(dwarf, syn.units[3].offset, 'relative/comp').files, [undefined, 'relative/comp/x.c', '/abs/y.h', 'relative/comp/./z.c']);
  t.deepEqual(parseLineTable(dwarf, syn.units[4].offset, '').files, [undefined, 'p.c', 'sub/q.h']);
});

test('strx-named entries are accepted and resolve to undefined', (t) => {
  const tables = b()
    .u8(1).uleb(LNCT.path).uleb(FORM.string).uleb(1).str('/d')
    .u8(2).uleb(LNCT.path).uleb(FORM.strx1).uleb(LNCT.directory_index).uleb(FORM.data1)
    .uleb(2).u8(0, 0).u8(5, 0);
  const unit = lineUnit({ version: 5, tables, program: new Program(DEFAULT_PARAMS).setAddress(0x10n).copy().advancePc(1).endSequence() });
  const lt = parseLineTable({ line: Buffer.from(unit.out) }, 0, '/c');
  t.deepEqual(lt.files, [undefined, undefined]);
  t.deepEqual(lt.sequences, [{ lowPc: 0x10, highPc: 0x11, rows: [{ address: 0x10, file: 1, line: 1, column: 0, isStmt: true }] }]);
});

test('resolveFileName follows llvm::sys::path::append', (t) => {
  const r = (version: number, dirs: string[], name: string, dirIndex: number, compDir: string) => resolveFileName(version, dirs, { name, dirIndex }, compDir);
  t.is(r(5, ['rel0', 'inc'], 'x.c', 0, '/cd'), 'rel0/x.c', 'v5 dir 0 is the comp dir: no prefix even when relative');
  t.is(r(5, ['/c', 'inc'], 'x.c', 1, '/cd'), '/cd/inc/x.c');
  t.is(r(5, ['/c'], 'x.c', 7, '/cd'), '/cd/x.c', 'v5 out-of-range dir index');
  t.is(r(4, ['inc'], 'x.c', 0, '/cd'), '/cd/x.c', 'v4 dir 0 = comp dir');
  t.is(r(4, ['inc'], 'x.c', 1, ''), 'inc/x.c', 'no comp dir');
  t.is(r(4, ['/i/'], 'x.c', 1, '/cd'), '/i/x.c');
  t.is(r(4, ['inc/'], '/x.c', 1, '/cd'), '/x.c', 'absolute name wins');
  t.is(r(4, ['inc//'], 'x.c', 1, '/cd//'), '/cd//inc//x.c', 'no normalisation');
  t.is(r(4, ['..'], './x.c', 1, 'cd'), 'cd/.././x.c');
  t.is(resolveFileName(4, [], { name: undefined, dirIndex: 0 }, '/cd'), undefined);
});

// ---- address intervals (llgi_dline_intervals) ------------------------------

/** The C reader's intervals of one table, each with the file:line it answers (?? :0 for no file). */
function intervals(dwarf: DwarfSections, offset: number, compDir: string): { lo: number; hi: number; at: string }[] {
  const files = parseLineTable(dwarf, offset, compDir).files;
  const iv = native().dwarfLineIntervals(dwarf, offset, compDir);
  const out = [];
  for (let i = 0; i < iv.length; i += 4) out.push({ lo: iv[i], hi: iv[i + 1], at: iv[i + 2] === 0xffffffff ? '??:0' : `${files[iv[i + 2]]}:${iv[i + 3]}` });
  return out;
}

/** llvm-symbolizer's innermost frame at each address as file:line (the line table's answer; ??:0 for none). */
function symbolizerLines(obj: string, addrs: number[]): string[] {
  const r = spawnSync(SYMBOLIZER, [`--obj=${obj}`], { input: addrs.map((a) => `0x${a.toString(16)}\n`).join(''), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${SYMBOLIZER} failed: ${r.stderr}`);
  return r.stdout.trimEnd().split('\n\n').map((block) => block.split('\n')[1].replace(/:\d+$/, ''));
}

/** Whether ivs are sorted, non-empty, disjoint and differ from an adjacent neighbour. */
function wellFormed(ivs: { lo: number; hi: number; at: string }[]): boolean {
  return ivs.every((iv, i) => iv.lo < iv.hi && (i === 0 || ivs[i - 1].hi < iv.lo || (ivs[i - 1].hi === iv.lo && ivs[i - 1].at !== iv.at)));
}

test('line intervals answer what llvm-symbolizer answers on the fixtures', (t) => {
  for (const fx of withFixtures(t, [DWARFDUMP, SYMBOLIZER, 'objcopy'])) {
    const dwarf = ElfFile.open(fx.path).dwarfSections();
    const addrs: number[] = [];
    const want: string[] = [];
    for (const [offset, compDir] of compDirs(oracleFile(fx))) {
      const ivs = intervals(dwarf, offset, compDir);
      t.true(ivs.length > 10 && wellFormed(ivs), `${fx.name}@0x${offset.toString(16)}`);
      // Each interval's first and last byte, and the byte after it where a gap follows.
      ivs.forEach((iv, i) => {
        addrs.push(iv.lo, iv.hi - 1);
        want.push(iv.at, iv.at);
        if (i + 1 < ivs.length && ivs[i + 1].lo > iv.hi) {
          addrs.push(iv.hi);
          want.push('??:0');
        }
      });
    }
    const got = symbolizerLines(oracleFile(fx), addrs);
    t.is(got.length, addrs.length, fx.name);
    const wrong = addrs.filter((a, i) => got[i] !== want[i]).map((a) => `0x${a.toString(16)}: ${got[addrs.indexOf(a)]} != ${want[addrs.indexOf(a)]}`);
    t.deepEqual(wrong, [], fx.name);
  }
});

test('line intervals follow LLVM on rows out of order, overlapping sequences and bad file indexes', (t) => {
  if (!requireTools(t, ['clang-19', SYMBOLIZER])) return;
  const p = new Program(DEFAULT_PARAMS);
  let line = 1;
  const row = (addr: number, to: number) => {
    p.setAddress(BigInt(addr)).advanceLine(to - line).copy();
    line = to;
  };
  const end = (addr: number) => {
    p.setAddress(BigInt(addr)).endSequence();
    line = 1;
  };
  // Rows out of address order: LLVM bisects them as if sorted.
  [[0x1000, 1], [0x1040, 2], [0x1020, 3], [0x1080, 4], [0x1010, 5], [0x10c0, 6], [0x1060, 7], [0x1060, 8], [0x10a0, 9]].forEach(([a, l]) => row(a, l));
  end(0x1100);
  // Overlapping sequences: the first to end answers below its end, or nothing where it starts later.
  row(0x1100, 20);
  row(0x1140, 21);
  end(0x1180);
  p.setFile(2);
  row(0x1120, 30);
  row(0x1130, 31);
  row(0x1130, 32);
  end(0x1160);
  row(0x1150, 40); // ends with the one before: never asked
  end(0x1160);
  // A file index naming no file, a line 0, a zero-length sequence, rows sharing an address.
  p.setFile(9);
  row(0x1180, 50);
  p.setFile(1);
  row(0x1190, 0);
  p.setFile(2);
  row(0x11a0, 51);
  end(0x11c0);
  row(0x11d0, 55);
  end(0x11d0);
  row(0x11e0, 60);
  row(0x11e0, 61);
  row(0x11e8, 62);
  end(0x11f0);
  const lineSec = Buffer.from(lineUnit({ version: 4, program: p, tables: v4Tables(['inc'], [['a.c', 0], ['b.h', 1]]) }).out);

  // One compile unit over [0x1000, 0x1200) so llvm-symbolizer asks this table.
  const DW = { compile_unit: 0x11, stmt_list: 0x10, comp_dir: 0x1b, low_pc: 0x11, high_pc: 0x12, sec_offset: 0x17, string: 0x08, addr: 0x01, data8: 0x07 };
  const abbrev = b().uleb(1).uleb(DW.compile_unit).u8(0)
    .uleb(DW.stmt_list).uleb(DW.sec_offset).uleb(DW.comp_dir).uleb(DW.string).uleb(DW.low_pc).uleb(DW.addr).uleb(DW.high_pc).uleb(DW.data8)
    .u8(0, 0, 0);
  const body = b().u16(4).u32(0).u8(8).uleb(1).u32(0).str('/iv').u64(0x1000n).u64(0x200n);
  const info = b().u32(body.out.length).raw(body);
  const obj = assemble(buildFixtures().dir, 'intervals', { '.debug_line': lineSec, '.debug_abbrev': Buffer.from(abbrev.out), '.debug_info': Buffer.from(info.out) });

  const dwarf = ElfFile.open(obj).dwarfSections();
  const ivs = intervals(dwarf, 0, '/iv');
  t.true(wellFormed(ivs));
  const addrs = Array.from({ length: 0x220 }, (_, i) => 0xff0 + i);
  const got = symbolizerLines(obj, addrs);
  const answer = (a: number) => ivs.find((iv) => iv.lo <= a && a < iv.hi)?.at ?? '??:0';
  const wrong = addrs.filter((a, i) => got[i] !== answer(a)).map((a) => `0x${a.toString(16)}: llvm ${got[addrs.indexOf(a)]}, ours ${answer(a)}`);
  t.deepEqual(wrong, []);
  // The oracle saw each case: out-of-order rows answering, a hidden start, a bad index, line 0.
  t.true(got.includes('/iv/a.c:5') && got.includes('/iv/a.c:0') && got.includes('/iv/inc/b.h:32'));
  t.is(got[0x1110 - 0xff0], '??:0', 'below the first-ending sequence: no answer');
  t.is(got[0x1185 - 0xff0], '??:0', 'file index 9 names no file');
});

// ---- damaged input ----------------------------------------------------------

function realLine(t: ExecutionContext): DwarfSections | undefined {
  const fx = withFixtures(t, []).find((f) => f.name === 'gcc');
  return fx && ElfFile.open(fx.path).dwarfSections();
}

function expectCorrupt(t: ExecutionContext, fn: () => unknown, re: RegExp, label: string): void {
  const e = t.throws(fn, undefined, label);
  t.true(isLlgiError(e, 'LLGI_DWARF_CORRUPT'), `${label}: ${String(e)}`);
  t.regex(e?.message ?? '', re, label);
}

test('truncated or missing .debug_line gives LLGI_DWARF_CORRUPT', (t) => {
  const d = realLine(t);
  if (!d) return;
  const unitLen = d.line!.readUInt32LE(0) + 4;
  for (const cut of [0, 2, 4, 9, 20, 40, unitLen - 1]) {
    expectCorrupt(t, () => parseLineTable({ ...d, line: d.line!.subarray(0, cut) }, 0, '/x'), /\.debug_line: /, `cut at ${cut}`);
  }
  expectCorrupt(t, () => parseLineTable({ ...d, line: undefined }, 0, '/x'), /section missing/, 'missing');
  expectCorrupt(t, () => parseLineTable(d, d.line!.length + 5, '/x'), /truncated/, 'offset past end');
  const v9 = Buffer.from(d.line!);
  v9.writeUInt16LE(9, 4);
  expectCorrupt(t, () => parseLineTable({ ...d, line: v9 }, 0, '/x'), /unsupported line table version 9/, 'version');
  expectCorrupt(t, () => parseLineTable({ ...d, lineStr: undefined }, 0, '/x'), /\.debug_line_str: string offset/, 'no .debug_line_str');
});

test('a program stops at its unit end', (t) => {
  const d = realLine(t);
  if (!d) return;
  const full = parseLineTable(d, 0, '/x');
  const unitLen = d.line!.readUInt32LE(0);
  const headerEnd = 4 + 2 + 2 + 4 + d.line!.readUInt32LE(8);
  // Shrinking unit_length keeps the next unit's bytes after it: whatever is
  // parsed must be a prefix of the full table's complete sequences.
  let parsed = 0;
  for (let len = headerEnd - 4; len <= unitLen; len++) {
    const buf = Buffer.from(d.line!);
    buf.writeUInt32LE(len, 0);
    try {
      const part = parseLineTable({ ...d, line: buf }, 0, '/x');
      t.deepEqual(part.sequences, full.sequences.slice(0, part.sequences.length), `unit_length ${len}`);
      if (len < unitLen) t.true(part.sequences.length < full.sequences.length, `unit_length ${len}: the last end_sequence was cut`);
      parsed++;
    } catch (e) {
      t.true(isLlgiError(e, 'LLGI_DWARF_CORRUPT'), `unit_length ${len}: ${String(e)}`);
    }
  }
  t.true(parsed > (unitLen - headerEnd) / 2, `most cuts fall between opcodes (${parsed} parsed)`);
});

test('random damage to .debug_line only ever throws LLGI_DWARF_CORRUPT', (t) => {
  const d = realLine(t);
  if (!d) return;
  const line = d.line!;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(line.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
      const buf = Buffer.from(line);
      for (const [at, v] of edits) buf[at] = v;
      for (const offset of [0, line.readUInt32LE(0) + 4]) {
        try {
          parseLineTable({ ...d, line: buf }, offset, '/x');
        } catch (e) {
          if (!isLlgiError(e, 'LLGI_DWARF_CORRUPT')) throw e;
        }
      }
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('line intervals of damaged tables stay sorted and disjoint', (t) => {
  const d = realLine(t);
  if (!d) return;
  const line = d.line!;
  let checked = 0;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(line.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
      const buf = Buffer.from(line);
      for (const [at, v] of edits) buf[at] = v;
      let iv: Float64Array;
      try {
        iv = native().dwarfLineIntervals({ ...d, line: buf }, 0, '/x');
      } catch (e) {
        if ((e as { code?: string }).code !== 'LLGI_DWARF_CORRUPT') throw e;
        return;
      }
      checked++;
      for (let i = 0; i < iv.length; i += 4) {
        if (!(iv[i] < iv[i + 1]) || (i > 0 && iv[i - 3] > iv[i])) throw new Error(`interval ${i / 4} [${iv[i]}, ${iv[i + 1]}) after one ending at ${iv[i - 3]}`);
      }
    }),
    { numRuns: 1000 },
  );
  t.true(checked > 100, `${checked} damaged tables still read`);
});
