// compiler/dwarf/info.ts against llvm-dwarfdump-19 and llvm-symbolizer-19.
//
// Fixtures (test/fixtures/dwarfinfo: two C units, plus a C++ unit for linkage
// names) are built by gcc/g++ and clang-19/clang++-19 with the project's
// fixture flags in DWARF 2/4/5, 64-bit DWARF, split DWARF and zlib-compressed
// sections. For every subprogram and inlined subroutine the DIE offset, name,
// ranges, call site and declaration must equal llvm-dwarfdump's; inline chains
// must equal llvm-symbolizer's frame by frame. Hand-made sections pin the forms
// and corner cases compilers here do not emit, and corrupt input must end in
// LLGI_DWARF_CORRUPT (or an undefined name), never another throw.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { readAranges, readCompileUnits, type CompileUnit, type Range, type Subroutine } from '../compiler/dwarf/info';
import type { DwarfSections } from '../compiler/dwarf/reader';
import { isLlgiError } from '../compiler/errors';
import { compile, which } from '../compiler/toolchain/cc';

const REQUIRE_ALL = process.env.LLGI_REQUIRE_ALL === '1';
const SRC = path.join(__dirname, 'fixtures', 'dwarfinfo');
const C_SOURCES = [path.join(SRC, 'a.c'), path.join(SRC, 'b.c')];
const CXX_SOURCES = [path.join(SRC, 'names.cpp')];

const TOOLS = ['gcc', 'clang-19', 'g++', 'clang++-19', 'llvm-dwarfdump-19', 'llvm-symbolizer-19', 'objcopy'];
const missingTools = TOOLS.filter((t) => !which(t));

/** Runs the body only when every tool is installed; otherwise skips with a log, or fails under LLGI_REQUIRE_ALL=1. */
function withTools(t: ExecutionContext, body: () => void): void {
  if (missingTools.length) {
    if (REQUIRE_ALL) t.fail(`missing tools: ${missingTools.join(', ')} (LLGI_REQUIRE_ALL=1)`);
    else {
      t.log(`SKIPPED: missing tools: ${missingTools.join(', ')}`);
      t.pass();
    }
    return;
  }
  body();
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dwarf-info-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

function sectionsOf(file: string): DwarfSections {
  return ElfFile.open(file).dwarfSections();
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------
// Fixture variants.

interface Variant {
  name: string;
  compiler: string;
  sources: string[];
  flags: string[];
  /** Split DWARF: only skeleton units are in the object, so there is no inline tree to symbolize. */
  split?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'gcc -gdwarf-2', compiler: 'gcc', sources: C_SOURCES, flags: ['-gdwarf-2'] },
  { name: 'gcc -gdwarf-4', compiler: 'gcc', sources: C_SOURCES, flags: ['-gdwarf-4'] },
  { name: 'gcc -gdwarf-5', compiler: 'gcc', sources: C_SOURCES, flags: ['-gdwarf-5'] },
  { name: 'gcc -gdwarf-5 -gdwarf64', compiler: 'gcc', sources: C_SOURCES, flags: ['-gdwarf-5', '-gdwarf64'] },
  { name: 'gcc -gdwarf-4 -gsplit-dwarf', compiler: 'gcc', sources: C_SOURCES, flags: ['-gdwarf-4', '-gsplit-dwarf'], split: true },
  { name: 'gcc -gdwarf-5 -gz=zlib', compiler: 'gcc', sources: C_SOURCES, flags: ['-gdwarf-5', '-gz=zlib'] },
  { name: 'clang-19 -gdwarf-4', compiler: 'clang-19', sources: C_SOURCES, flags: ['-gdwarf-4'] },
  { name: 'clang-19 -gdwarf-5', compiler: 'clang-19', sources: C_SOURCES, flags: ['-gdwarf-5'] },
  { name: 'clang-19 -gdwarf-5 -gdwarf64', compiler: 'clang-19', sources: C_SOURCES, flags: ['-gdwarf-5', '-gdwarf64'] },
  { name: 'clang-19 -gdwarf-5 -gsplit-dwarf', compiler: 'clang-19', sources: C_SOURCES, flags: ['-gdwarf-5', '-gsplit-dwarf'], split: true },
  { name: 'clang-19 -gdwarf-5 -gz=zlib', compiler: 'clang-19', sources: C_SOURCES, flags: ['-gdwarf-5', '-gz=zlib'] },
  { name: 'g++ -gdwarf-5', compiler: 'g++', sources: CXX_SOURCES, flags: ['-gdwarf-5'] },
  { name: 'g++ -gdwarf-4', compiler: 'g++', sources: CXX_SOURCES, flags: ['-gdwarf-4'] },
  { name: 'clang++-19 -gdwarf-5', compiler: 'clang++-19', sources: CXX_SOURCES, flags: ['-gdwarf-5'] },
  { name: 'clang++-19 -gdwarf-4', compiler: 'clang++-19', sources: CXX_SOURCES, flags: ['-gdwarf-4'] },
];

function build(v: Variant): string {
  return compile({ compiler: which(v.compiler)!, sources: v.sources, flags: v.flags, kind: 'shared', name: `dwarfinfo-${v.name.replace(/[^\w]+/g, '_')}` });
}

// ---------------------------------------------------------------------------
// The oracle: llvm-dwarfdump-19 --debug-info, read from a copy without
// .debug_line so that decl_file/call_file print as raw indexes.

interface DumpDie {
  offset: number;
  depth: number;
  tag: string;
  attrs: Map<string, string>;
}

interface DumpUnit {
  offset: number;
  dwarf64: boolean;
  version: number;
  unitType: string;
  addrSize: number;
  dies: DumpDie[];
}

function dwarfdump(file: string): DumpUnit[] {
  const bare = path.join(tmp, `${path.basename(file)}.noline`);
  run('objcopy', ['--remove-section=.debug_line', file, bare]);
  const units: DumpUnit[] = [];
  let die: DumpDie | undefined;
  let attr: string | undefined;
  for (const line of run('llvm-dwarfdump-19', ['--debug-info', bare]).split('\n')) {
    let m = /^0x([0-9a-f]+): \w+ Unit: length = 0x[0-9a-f]+, format = (DWARF32|DWARF64), version = 0x([0-9a-f]+)(?:, unit_type = (DW_UT_\w+))?, abbr_offset = 0x[0-9a-f]+, addr_size = 0x([0-9a-f]+)/.exec(line);
    if (m) {
      units.push({ offset: parseInt(m[1], 16), dwarf64: m[2] === 'DWARF64', version: parseInt(m[3], 16), unitType: m[4] ?? 'DW_UT_compile', addrSize: parseInt(m[5], 16), dies: [] });
      die = attr = undefined;
      continue;
    }
    m = /^0x([0-9a-f]+):( +)(DW_TAG_\w+|NULL)/.exec(line);
    if (m) {
      die = { offset: parseInt(m[1], 16), depth: (m[2].length - 1) / 2, tag: m[3], attrs: new Map() };
      attr = undefined;
      if (m[3] !== 'NULL') units[units.length - 1].dies.push(die);
      continue;
    }
    m = /^ +(DW_AT_\w+)\t\((.*)$/.exec(line);
    if (m && die) {
      attr = m[1];
      die.attrs.set(attr, m[2]);
    } else if (attr && die && line.trim()) {
      die.attrs.set(attr, `${die.attrs.get(attr)}\n${line.trim()}`); // continuation of a range or location list
    }
  }
  return units;
}

const hex = (s: string) => parseInt(s, 16);
/** The leading 0x... of an attribute value such as `0x00001120)` or `0x000004a4 "sq")`. */
const hexVal = (v: string) => hex(/^0x([0-9a-f]+)/.exec(v)![1]);
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v.replace(/\)$/, '')));
const quoted = (v: string | undefined) => (v === undefined ? undefined : /"(.*)"\)$/.exec(v)?.[1]);

function dumpRanges(d: DumpDie): Range[] {
  // The same filter as ours: no empty ranges, no tombstones (they print as 0xffffffffffffffff).
  const keep = (lo: number, hi: number) => hi > lo && lo < Number.MAX_SAFE_INTEGER;
  const low = d.attrs.get('DW_AT_low_pc');
  const high = d.attrs.get('DW_AT_high_pc');
  if (low && high) {
    const lo = hexVal(low);
    const hi = hexVal(high);
    return keep(lo, hi) ? [[lo, hi]] : [];
  }
  const list = d.attrs.get('DW_AT_ranges');
  if (!list) return [];
  const out: Range[] = [];
  for (const m of list.matchAll(/\[0x([0-9a-f]+), 0x([0-9a-f]+)\)/g)) if (keep(hex(m[1]), hex(m[2]))) out.push([hex(m[1]), hex(m[2])]);
  return out;
}

/** The name llvm-symbolizer would print: own linkage name, else the referenced DIE's (dwarfdump quotes its linkage-or-plain name), else own name. */
function dumpName(d: DumpDie): string | undefined {
  return quoted(d.attrs.get('DW_AT_linkage_name')) ?? quoted(d.attrs.get('DW_AT_MIPS_linkage_name'))
    ?? quoted(d.attrs.get('DW_AT_specification')) ?? quoted(d.attrs.get('DW_AT_abstract_origin'))
    ?? quoted(d.attrs.get('DW_AT_name'));
}

/** What the test compares of one subroutine; the same projection is applied to ours. */
interface Shape {
  dieOffset: number;
  tag: string;
  name: string | undefined;
  ranges: Range[];
  callFile: number | undefined;
  callLine: number | undefined;
  callColumn: number | undefined;
  children: Shape[];
}

function shapeOf(s: Subroutine): Shape {
  return {
    dieOffset: s.dieOffset, tag: s.tag, name: s.name, ranges: s.ranges,
    callFile: s.callFile, callLine: s.callLine, callColumn: s.callColumn, children: s.children.map(shapeOf),
  };
}

/** The subroutine tree of one dumped unit: nearest subroutine ancestors, through any other DIE. */
function dumpTree(u: DumpUnit): Shape[] {
  const top: Shape[] = [];
  const stack: { depth: number; into: Shape[] }[] = [];
  for (const d of u.dies) {
    while (stack.length && stack[stack.length - 1].depth >= d.depth) stack.pop();
    const into = stack.length ? stack[stack.length - 1].into : top;
    if (d.tag === 'DW_TAG_subprogram' || d.tag === 'DW_TAG_inlined_subroutine') {
      const inlined = d.tag === 'DW_TAG_inlined_subroutine';
      const s: Shape = {
        dieOffset: d.offset, tag: inlined ? 'inlined' : 'subprogram', name: dumpName(d), ranges: dumpRanges(d),
        callFile: inlined ? num(d.attrs.get('DW_AT_call_file')) : undefined,
        callLine: inlined ? num(d.attrs.get('DW_AT_call_line')) : undefined,
        callColumn: inlined ? num(d.attrs.get('DW_AT_call_column')) : undefined,
        children: [],
      };
      into.push(s);
      stack.push({ depth: d.depth, into: s.children });
    } else if (d.depth > 0) {
      stack.push({ depth: d.depth, into });
    }
  }
  return top;
}

/** decl_file/decl_line as llvm finds them: on the DIE, else through specification, then abstract_origin. */
function dumpDecl(byOffset: Map<number, DumpDie>, d: DumpDie, attr: string, seen = new Set<number>()): number | undefined {
  if (seen.has(d.offset)) return undefined;
  seen.add(d.offset);
  const own = num(d.attrs.get(attr));
  if (own !== undefined) return own;
  for (const ref of ['DW_AT_specification', 'DW_AT_abstract_origin']) {
    const v = d.attrs.get(ref);
    const target = v && byOffset.get(hexVal(v));
    const found = target ? dumpDecl(byOffset, target, attr, seen) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

const UNIT_TYPES: Record<string, number> = { DW_UT_compile: 1, DW_UT_partial: 3, DW_UT_skeleton: 4 };

function flatten(list: Subroutine[], out: Subroutine[] = []): Subroutine[] {
  for (const s of list) {
    out.push(s);
    flatten(s.children, out);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Fixture tests, one per variant.

for (const v of VARIANTS) {
  test(`${v.name}: units and subroutine trees equal llvm-dwarfdump-19`, (t) => withTools(t, () => {
    const file = build(v);
    const cus = readCompileUnits(sectionsOf(file));
    const dump = dwarfdump(file);
    t.is(cus.length, dump.length, 'unit count');
    const byOffset = new Map(dump.flatMap((u) => u.dies).map((d) => [d.offset, d]));
    dump.forEach((du, i) => {
      const cu = cus[i];
      const root = du.dies[0];
      t.like(cu, {
        offset: du.offset, version: du.version, unitType: UNIT_TYPES[du.unitType], addrSize: du.addrSize, dwarf64: du.dwarf64,
        name: quoted(root.attrs.get('DW_AT_name')), compDir: quoted(root.attrs.get('DW_AT_comp_dir')) ?? '',
        producer: quoted(root.attrs.get('DW_AT_producer')), stmtList: num(root.attrs.get('DW_AT_stmt_list')),
        lowPc: root.attrs.has('DW_AT_low_pc') ? hexVal(root.attrs.get('DW_AT_low_pc')!) : 0,
      }, `unit 0x${du.offset.toString(16)}`);
      t.deepEqual(cu.ranges, dumpRanges(root), `unit 0x${du.offset.toString(16)} ranges`);
      t.true(cu.language !== undefined || v.split === true);
      t.deepEqual(cu.subroutines.map(shapeOf), dumpTree(du), `unit 0x${du.offset.toString(16)} subroutines`);
      for (const s of flatten(cu.subroutines)) {
        const d = byOffset.get(s.dieOffset)!;
        t.is(s.declLine, dumpDecl(byOffset, d, 'DW_AT_decl_line'), `decl_line of DIE 0x${s.dieOffset.toString(16)}`);
        t.is(s.declFile, dumpDecl(byOffset, d, 'DW_AT_decl_file'), `decl_file of DIE 0x${s.dieOffset.toString(16)}`);
        t.is(s.declFileCu, undefined);
      }
    });
    const all = cus.flatMap((cu) => flatten(cu.subroutines));
    if (v.split) {
      t.is(all.length, 0, 'skeleton units carry no DIE tree');
    } else if (v.sources === C_SOURCES) {
      // The fixtures exist to exercise these shapes; make sure each variant really has them.
      t.true(all.some((s) => s.tag === 'inlined' && s.children.some((c) => c.tag === 'inlined')), 'nested inlining');
      t.true(all.some((s) => s.tag === 'subprogram' && s.ranges.length > 0 && s.name !== undefined));
    } else {
      // Linkage names reached through DW_AT_specification and DW_AT_abstract_origin.
      t.true(all.some((s) => s.tag === 'subprogram' && s.ranges.length > 0 && s.name === '_ZN3dwi7Counter4bumpEi'), 'out-of-class definition');
      t.true(all.some((s) => s.tag === 'inlined' && s.name === '_ZN3dwi7Counter5twiceEi'), 'inlined member');
    }
  }));

  if (v.split) continue;

  test(`${v.name}: inline chains equal llvm-symbolizer-19 --inlining`, (t) => withTools(t, () => {
    const file = build(v);
    const cus = readCompileUnits(sectionsOf(file));
    // First and last byte of every range of every inlined subroutine.
    const addrs = [...new Set(cus.flatMap((cu) => flatten(cu.subroutines))
      .filter((s) => s.tag === 'inlined')
      .flatMap((s) => s.ranges.flatMap(([lo, hi]) => [lo, hi - 1])))].sort((a, b) => a - b);
    t.true(addrs.length > 0);
    const out = run('llvm-symbolizer-19', [`--obj=${file}`, '--output-style=JSON', '--inlining', '--functions=linkage', '--no-demangle'],
      addrs.map((a) => `0x${a.toString(16)}`).join('\n') + '\n');
    const answers = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as {
      Symbol: { FunctionName: string; Line: number; Column: number; StartLine: number }[];
    });
    t.is(answers.length, addrs.length);
    addrs.forEach((addr, i) => {
      const chain = chainAt(cus, addr); // outermost first
      const frames = answers[i].Symbol; // innermost first
      const where = `0x${addr.toString(16)}`;
      t.is(frames.length, chain.length, `${where}: frame count`);
      chain.forEach((s, k) => {
        const f = frames[chain.length - 1 - k];
        if (!f) return;
        if (k === 0) {
          // The outermost frame's name comes from the symbol table: gcc's clones add .constprop.0 etc.
          t.true(s.name !== undefined && (f.FunctionName === s.name || f.FunctionName.startsWith(`${s.name}.`)), `${where}: outer ${f.FunctionName} vs ${s.name}`);
        } else {
          t.is<string | undefined, string | undefined>(f.FunctionName, s.name, `${where}: frame ${k}`);
          // The caller frame's line and column are this inlined call's site.
          const caller = frames[chain.length - k];
          t.is(caller.Line, s.callLine ?? 0, `${where}: call line of ${s.name}`);
          t.is(caller.Column, s.callColumn ?? 0, `${where}: call column of ${s.name}`);
        }
        t.is(f.StartLine, s.declLine ?? 0, `${where}: decl line of ${s.name}`);
      });
    });
  }));
}

/** Path of subroutines containing addr, outermost first (LLVM: the deepest subroutine covering it, then its ancestors). */
function chainAt(cus: CompileUnit[], addr: number): Subroutine[] {
  const inside = (s: Subroutine) => s.ranges.some(([lo, hi]) => lo <= addr && addr < hi);
  for (const cu of cus) {
    const path: Subroutine[] = [];
    let level = cu.subroutines;
    for (;;) {
      const hit = level.find(inside);
      if (!hit) break;
      path.push(hit);
      level = hit.children;
    }
    if (path.length) return path;
  }
  return [];
}

test('gcc .debug_aranges equal llvm-dwarfdump-19 --debug-aranges', (t) => withTools(t, () => {
  for (const v of VARIANTS.filter((x) => x.compiler === 'gcc')) {
    const file = build(v);
    const expected: { cuOffset: number; ranges: Range[] }[] = [];
    for (const line of run('llvm-dwarfdump-19', ['--debug-aranges', file]).split('\n')) {
      const h = /cu_offset = 0x([0-9a-f]+)/.exec(line);
      if (h) expected.push({ cuOffset: hex(h[1]), ranges: [] });
      const r = /^\[0x([0-9a-f]+), 0x([0-9a-f]+)\)/.exec(line);
      if (r && hex(r[2]) > hex(r[1])) expected[expected.length - 1].ranges.push([hex(r[1]), hex(r[2])]);
    }
    t.true(expected.length > 0, v.name);
    t.deepEqual(readAranges(sectionsOf(file)), expected, v.name);
  }
}));

test('no .debug_info gives no units; no .debug_aranges gives no sets', (t) => {
  t.deepEqual(readCompileUnits({}), []);
  t.deepEqual(readAranges({}), []);
});

// ---------------------------------------------------------------------------
// Hand-made sections.

const DW = {
  TAG_compile_unit: 0x11, TAG_subprogram: 0x2e, TAG_inlined_subroutine: 0x1d, TAG_lexical_block: 0x0b,
  TAG_skeleton_unit: 0x4a, TAG_type_unit: 0x41, TAG_variable: 0x34,
  AT_name: 0x03, AT_low_pc: 0x11, AT_high_pc: 0x12, AT_ranges: 0x55, AT_linkage_name: 0x6e, AT_MIPS_linkage_name: 0x2007,
  AT_abstract_origin: 0x31, AT_specification: 0x47, AT_decl_file: 0x3a, AT_decl_line: 0x3b, AT_call_file: 0x58,
  AT_call_line: 0x59, AT_call_column: 0x57, AT_str_offsets_base: 0x72, AT_addr_base: 0x73, AT_rnglists_base: 0x74,
  AT_const_value: 0x1c, AT_location: 0x02, AT_signature: 0x69, AT_stmt_list: 0x10, AT_comp_dir: 0x1b,
  FORM_addr: 0x01, FORM_block2: 0x03, FORM_data2: 0x05, FORM_data4: 0x06, FORM_data8: 0x07, FORM_string: 0x08,
  FORM_block1: 0x0a, FORM_data1: 0x0b, FORM_sdata: 0x0d, FORM_strp: 0x0e, FORM_udata: 0x0f, FORM_ref_addr: 0x10,
  FORM_ref4: 0x13, FORM_indirect: 0x16, FORM_sec_offset: 0x17, FORM_exprloc: 0x18, FORM_flag_present: 0x19,
  FORM_strx1: 0x25, FORM_addrx1: 0x29, FORM_rnglistx: 0x23, FORM_implicit_const: 0x21, FORM_data16: 0x1e,
  FORM_ref_sig8: 0x20, FORM_GNU_strp_alt: 0x1f21, FORM_GNU_ref_alt: 0x1f20, FORM_line_strp: 0x1f,
  UT_compile: 1, UT_type: 2, UT_skeleton: 4,
} as const;

/** A little-endian byte builder that knows its own length (for offsets and references). */
class Bytes {
  private readonly out: number[] = [];
  get length(): number {
    return this.out.length;
  }
  u8(...v: number[]): this {
    this.out.push(...v);
    return this;
  }
  u16(v: number): this {
    return this.u8(v & 0xff, (v >> 8) & 0xff);
  }
  u32(v: number): this {
    return this.u8(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  u64(v: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
    return this.u8(...b);
  }
  uleb(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      const byte = Number(x & 0x7fn);
      x >>= 7n;
      this.u8(x ? byte | 0x80 : byte);
    } while (x);
    return this;
  }
  sleb(v: number | bigint): this {
    let x = BigInt(v);
    for (;;) {
      const byte = Number(x & 0x7fn);
      x >>= 7n;
      const done = (x === 0n && !(byte & 0x40)) || (x === -1n && byte & 0x40);
      this.u8(done ? byte : byte | 0x80);
      if (done) return this;
    }
  }
  str(s: string): this {
    return this.u8(...Buffer.from(s + '\0'));
  }
  patch32(at: number, v: number): void {
    for (let i = 0; i < 4; i++) this.out[at + i] = (v >>> (8 * i)) & 0xff;
  }
  buf(): Buffer {
    return Buffer.from(this.out);
  }
}

type AttrSpec = [at: number, form: number, implicitConst?: number | bigint];

function abbrevTable(decls: { code: number; tag: number; children?: boolean; attrs: AttrSpec[] }[]): Bytes {
  const b = new Bytes();
  for (const d of decls) {
    b.uleb(d.code).uleb(d.tag).u8(d.children ? 1 : 0);
    for (const [at, form, c] of d.attrs) {
      b.uleb(at).uleb(form);
      if (form === DW.FORM_implicit_const) b.sleb(c ?? 0);
    }
    b.u8(0, 0);
  }
  return b.u8(0);
}

interface UnitOpts {
  version?: number;
  dwarf64?: boolean;
  unitType?: number;
  addrSize?: number;
  abbrevOffset?: number;
}

/** Appends a unit to `info`: header, then whatever `body` writes; returns the unit's offset. */
function unit(info: Bytes, o: UnitOpts, body: (b: Bytes, unitStart: number) => void): number {
  const start = info.length;
  const version = o.version ?? 5;
  if (o.dwarf64) info.u32(0xffffffff).u64(0);
  else info.u32(0);
  const lengthEnd = info.length;
  info.u16(version);
  const offset = (b: Bytes, v: number) => (o.dwarf64 ? b.u64(v) : b.u32(v));
  if (version >= 5) {
    const type = o.unitType ?? DW.UT_compile;
    info.u8(type, o.addrSize ?? 8);
    offset(info, o.abbrevOffset ?? 0);
    if (type === DW.UT_skeleton) info.u64(0x1234);
    if (type === DW.UT_type) {
      info.u64(0xfedcba9876543210n);
      offset(info, 0);
    }
  } else {
    offset(info, o.abbrevOffset ?? 0);
    info.u8(o.addrSize ?? 8);
  }
  body(info, start);
  const length = info.length - lengthEnd;
  if (o.dwarf64) {
    info.patch32(start + 4, length);
    info.patch32(start + 8, 0);
  } else {
    info.patch32(start, length);
  }
  return start;
}

function throwsCorrupt(t: ExecutionContext, fn: () => unknown, message?: RegExp): void {
  const e = t.throws(fn);
  t.true(isLlgiError(e, 'LLGI_DWARF_CORRUPT'), `expected LLGI_DWARF_CORRUPT, got ${String(e)}`);
  if (message && e) t.regex(e.message, message);
}

const SUB = (code: number, attrs: AttrSpec[], children = false) => ({ code, tag: DW.TAG_subprogram, children, attrs });
const CU_PLAIN = { code: 1, tag: DW.TAG_compile_unit, children: true, attrs: [[DW.AT_name, DW.FORM_string]] as AttrSpec[] };

test('strx, addrx and rnglistx in the unit DIE resolve against bases given after them', (t) => {
  const abbrev = abbrevTable([{
    code: 1, tag: DW.TAG_compile_unit, children: false, attrs: [
      [DW.AT_name, DW.FORM_strx1], [DW.AT_low_pc, DW.FORM_addrx1], [DW.AT_ranges, DW.FORM_rnglistx],
      [DW.AT_str_offsets_base, DW.FORM_sec_offset], [DW.AT_addr_base, DW.FORM_sec_offset], [DW.AT_rnglists_base, DW.FORM_sec_offset],
    ],
  }]);
  // Bases deliberately away from their defaults (just past an 8/8/12-byte header).
  const str = new Bytes().str('').str('wrong.c').str('unit.c');
  const strOffsets = new Bytes().u32(0).u32(0).u32(0).u32(0).u32(1).u32(9); // base 16: entry 1 -> "unit.c"
  const addr = new Bytes().u32(0).u32(0).u64(0).u64(0x999).u64(0x1000).u64(0x2000); // base 16: entry 1 = 0x1000
  const rnglists = new Bytes().u32(0).u16(5).u8(8, 0).u32(1).u32(0).u32(0); // header and padding up to base 20
  rnglists.u32(4); // the offset table at base 20: list 0 starts 4 bytes after the base
  rnglists.u8(4).uleb(0x10).uleb(0x20).u8(0); // offset_pair from the unit's base address 0x1000
  const info = new Bytes();
  unit(info, {}, (b) => {
    b.uleb(1).u8(1).u8(1).uleb(0).u32(16).u32(16).u32(20);
  });
  const [cu] = readCompileUnits({ info: info.buf(), abbrev: abbrev.buf(), str: str.buf(), strOffsets: strOffsets.buf(), addr: addr.buf(), rnglists: rnglists.buf() });
  t.is(cu.name, 'unit.c');
  t.is(cu.lowPc, 0x1000);
  t.deepEqual(cu.ranges, [[0x1010, 0x1020]]);
});

test('every DW_RLE_* entry kind, including an offset_pair below its base (Go wraps mod 2^64)', (t) => {
  const abbrev = abbrevTable([{
    code: 1, tag: DW.TAG_compile_unit, children: false,
    attrs: [[DW.AT_low_pc, DW.FORM_addr], [DW.AT_ranges, DW.FORM_sec_offset], [DW.AT_addr_base, DW.FORM_sec_offset]],
  }]);
  const addr = new Bytes().u32(0).u16(5).u8(8, 0).u64(0x5000).u64(0x5100).u64(0x6000);
  const rl = new Bytes().u32(0).u16(5).u8(8, 0).u32(0);
  const listAt = rl.length;
  rl.u8(4).uleb(-0x100n).uleb(-0x80n); // offset_pair below base 0x1000: [0xf00, 0xf80)
  rl.u8(1).uleb(2); // base_addressx -> 0x6000
  rl.u8(4).uleb(0x10).uleb(0x18); // [0x6010, 0x6018)
  rl.u8(2).uleb(0).uleb(1); // startx_endx [0x5000, 0x5100)
  rl.u8(3).uleb(1).uleb(0x40); // startx_length [0x5100, 0x5140)
  rl.u8(5).u64(0x7000); // base_address
  rl.u8(4).uleb(0).uleb(8); // [0x7000, 0x7008)
  rl.u8(6).u64(0x8000).u64(0x8010); // start_end
  rl.u8(7).u64(0x9000).uleb(0x20); // start_length
  rl.u8(6).u64(0x9100).u64(0x9100); // empty: dropped
  rl.u8(7).u64(-1n).uleb(0x20); // tombstone: dropped
  rl.u8(0);
  const info = new Bytes();
  unit(info, {}, (b) => {
    b.uleb(1).u64(0x1000).u32(listAt).u32(8);
  });
  const [cu] = readCompileUnits({ info: info.buf(), abbrev: abbrev.buf(), addr: addr.buf(), rnglists: rl.buf() });
  t.deepEqual(cu.ranges, [[0xf00, 0xf80], [0x6010, 0x6018], [0x5000, 0x5100], [0x5100, 0x5140], [0x7000, 0x7008], [0x8000, 0x8010], [0x9000, 0x9020]]);
});

test('DWARF 4 .debug_ranges: base selection entries, tombstones, empty ranges', (t) => {
  const abbrev = abbrevTable([
    { code: 1, tag: DW.TAG_compile_unit, children: true, attrs: [[DW.AT_low_pc, DW.FORM_addr]] },
    SUB(2, [[DW.AT_name, DW.FORM_string], [DW.AT_ranges, DW.FORM_sec_offset]]),
  ]);
  const ranges = new Bytes();
  ranges.u64(0x10).u64(0x20); // relative to the unit's low_pc 0x1000
  ranges.u64(-1n).u64(0x4000); // base selection
  ranges.u64(0x10).u64(0x30);
  ranges.u64(0x40).u64(0x40); // empty
  ranges.u64(-2n).u64(-2n); // lld's tombstone in .debug_ranges
  ranges.u64(0).u64(0);
  const info = new Bytes();
  unit(info, { version: 4 }, (b) => {
    b.uleb(1).u64(0x1000);
    b.uleb(2).str('f').u32(0);
    b.u8(0);
  });
  const [cu] = readCompileUnits({ info: info.buf(), abbrev: abbrev.buf(), ranges: ranges.buf() });
  t.deepEqual(cu.subroutines[0].ranges, [[0x1010, 0x1020], [0x4010, 0x4030]]);
});

test('high_pc as address or as length; 4-byte addresses with an all-ones tombstone', (t) => {
  const abbrev = abbrevTable([
    CU_PLAIN,
    SUB(2, [[DW.AT_low_pc, DW.FORM_addr], [DW.AT_high_pc, DW.FORM_addr]]),
    SUB(3, [[DW.AT_low_pc, DW.FORM_addr], [DW.AT_high_pc, DW.FORM_data4]]),
  ]);
  const info = new Bytes();
  unit(info, { version: 4, addrSize: 4 }, (b) => {
    b.uleb(1).str('u');
    b.uleb(2).u32(0x100).u32(0x180);
    b.uleb(3).u32(0x200).u32(0x10);
    b.uleb(3).u32(0xffffffff).u32(0x10);
    b.u8(0);
  });
  const [cu] = readCompileUnits({ info: info.buf(), abbrev: abbrev.buf() });
  t.deepEqual(cu.subroutines.map((s) => s.ranges), [[[0x100, 0x180]], [[0x200, 0x210]], []]);
});

/** Builds one DWARF 5 unit whose subprograms reference each other; `dies` writes them and returns nothing. */
function refUnit(abbrevs: { code: number; tag: number; children?: boolean; attrs: AttrSpec[] }[], dies: (b: Bytes, u: number) => void, extra: DwarfSections = {}): CompileUnit[] {
  const info = new Bytes();
  unit(info, {}, (b, u) => {
    b.uleb(1).str('u');
    dies(b, u);
    b.u8(0);
  });
  return readCompileUnits({ info: info.buf(), abbrev: abbrevTable([CU_PLAIN, ...abbrevs]).buf(), ...extra });
}

test('names: linkage name first, found through specification before abstract_origin, like llvm-symbolizer', (t) => {
  const named = SUB(2, [[DW.AT_name, DW.FORM_string]]);
  // Codes 3.. below; code 2 DIEs are 'plain' (an origin) and 'by-spec' (a specification).
  const linked = SUB(3, [[DW.AT_name, DW.FORM_string], [DW.AT_linkage_name, DW.FORM_string], [DW.AT_decl_line, DW.FORM_udata]]);
  const both = SUB(4, [[DW.AT_abstract_origin, DW.FORM_ref4], [DW.AT_specification, DW.FORM_ref4]]);
  const ownNameSpecLinkage = SUB(5, [[DW.AT_name, DW.FORM_string], [DW.AT_specification, DW.FORM_ref4]]);
  const mips = SUB(6, [[DW.AT_linkage_name, DW.FORM_string], [DW.AT_MIPS_linkage_name, DW.FORM_string]]);
  const altLinkage = SUB(7, [[DW.AT_name, DW.FORM_string], [DW.AT_linkage_name, DW.FORM_GNU_strp_alt]]);
  const altOnly = SUB(8, [[DW.AT_name, DW.FORM_GNU_strp_alt]]);
  const cus = refUnit([named, linked, both, ownNameSpecLinkage, mips, altLinkage, altOnly], (b, u) => {
    const a = b.length - u;
    b.uleb(2).str('plain');
    const sp = b.length - u;
    b.uleb(2).str('by-spec');
    const l = b.length - u;
    b.uleb(3).str('f').str('_Z1fv').uleb(42);
    b.uleb(4).u32(a).u32(sp); // origin "plain", specification "by-spec": the specification is searched first
    b.uleb(5).str('own').u32(l); // a linkage name anywhere beats an own plain name
    b.uleb(6).str('_Zlinkage').str('_Zmips');
    b.uleb(7).str('fallback').u32(0x10); // linkage in a dwz file we do not have: fall back to the name
    b.uleb(8).u32(0x10);
  });
  const names = cus[0].subroutines.map((s) => s.name);
  t.deepEqual(names, ['plain', 'by-spec', '_Z1fv', 'by-spec', '_Z1fv', '_Zmips', 'fallback', undefined]);
  t.is(cus[0].subroutines[4].declLine, 42, 'decl_line also comes through the specification');
});

test('references: cycles and dangling targets give an undefined name, never a throw', (t) => {
  const ref = SUB(2, [[DW.AT_abstract_origin, DW.FORM_ref4]]);
  const refAddr = SUB(3, [[DW.AT_abstract_origin, DW.FORM_ref_addr]]);
  const altRef = SUB(4, [[DW.AT_abstract_origin, DW.FORM_GNU_ref_alt]]);
  const cus = refUnit([ref, refAddr, altRef], (b, u) => {
    const a = b.length;
    b.uleb(2).u32(0); // A -> B (patched below)
    const bOff = b.length;
    b.uleb(2).u32(a - u); // B -> A
    b.patch32(a + 1, bOff - u);
    const self = b.length;
    b.uleb(2).u32(self - u); // self-reference
    b.uleb(2).u32(0x7fff); // past the unit
    b.uleb(2).u32(3); // inside the unit header
    b.uleb(3).u32(0x100000); // past the section
    b.uleb(4).u32(0x20); // into a supplementary file
  });
  t.deepEqual(cus[0].subroutines.map((s) => s.name), Array(7).fill(undefined));
});

test('cross-unit DW_FORM_ref_addr origin: name and decl_file come from the other unit (declFileCu)', (t) => {
  const abbrev = abbrevTable([
    CU_PLAIN,
    SUB(2, [[DW.AT_name, DW.FORM_string], [DW.AT_decl_file, DW.FORM_data1], [DW.AT_decl_line, DW.FORM_data2]]),
    { code: 3, tag: DW.TAG_inlined_subroutine, attrs: [[DW.AT_abstract_origin, DW.FORM_ref_addr], [DW.AT_call_file, DW.FORM_data1], [DW.AT_call_line, DW.FORM_udata], [DW.AT_call_column, DW.FORM_implicit_const, 7]] },
    SUB(4, [[DW.AT_low_pc, DW.FORM_addr], [DW.AT_high_pc, DW.FORM_data4]], true),
  ]);
  const info = new Bytes();
  let target = 0;
  // The user comes first: references may point forward into a later unit.
  const user = unit(info, {}, (b) => {
    b.uleb(1).str('user.c');
    b.uleb(4).u64(0x1000).u32(0x40);
    b.uleb(3);
    const patch = b.length;
    b.u32(0).u8(2).uleb(300);
    b.u8(0, 0);
    target = patch;
  });
  const lib = unit(info, {}, (b) => {
    b.uleb(1).str('lib.h');
    info.patch32(target, b.length);
    b.uleb(2).str('helper').u8(5).u16(77);
    b.u8(0);
  });
  const cus = readCompileUnits({ info: info.buf(), abbrev: abbrev.buf() });
  t.deepEqual(cus.map((c) => c.offset), [user, lib]);
  const inl = cus[0].subroutines[0].children[0];
  t.like(inl, { tag: 'inlined', name: 'helper', declFile: 5, declLine: 77, declFileCu: lib, callFile: 2, callLine: 300, callColumn: 7 });
  t.is(cus[1].subroutines[0].declFileCu, undefined);
});

test('children are the nearest subroutines below, looking through lexical blocks and other DIEs', (t) => {
  const abbrev = [
    SUB(2, [[DW.AT_name, DW.FORM_string]], true),
    { code: 3, tag: DW.TAG_lexical_block, children: true, attrs: [] as AttrSpec[] },
    { code: 4, tag: DW.TAG_inlined_subroutine, children: true, attrs: [[DW.AT_call_line, DW.FORM_data1]] as AttrSpec[] },
    { code: 5, tag: DW.TAG_variable, attrs: [[DW.AT_name, DW.FORM_string]] as AttrSpec[] },
  ];
  const cus = refUnit(abbrev, (b) => {
    b.uleb(2).str('outer');
    b.uleb(3); // block
    b.uleb(5).str('v');
    b.uleb(3); // nested block
    b.uleb(4).u8(1);
    b.uleb(4).u8(2);
    b.u8(0, 0); // inlined 2, inlined 1
    b.u8(0, 0); // blocks
    b.uleb(4).u8(3);
    b.u8(0);
    b.u8(0); // outer
    b.uleb(3); // a block at unit level holding a subprogram
    b.uleb(2).str('in-block');
    b.u8(0);
    b.u8(0);
  });
  const shape = (s: Subroutine): unknown => ({ n: s.name ?? s.callLine, c: s.children.map(shape) });
  t.deepEqual(cus[0].subroutines.map(shape), [
    { n: 'outer', c: [{ n: 1, c: [{ n: 2, c: [] }] }, { n: 3, c: [] }] },
    { n: 'in-block', c: [] },
  ]);
});

test('forms that are skipped: indirect, implicit_const beyond 2^53, data16, blocks, exprloc, ref_sig8, sdata, line_strp', (t) => {
  const abbrev = [SUB(2, [
    [DW.AT_const_value, DW.FORM_implicit_const, -(2n ** 63n)],
    [DW.AT_location, DW.FORM_data16], [DW.AT_location, DW.FORM_block1], [DW.AT_location, DW.FORM_block2],
    [DW.AT_location, DW.FORM_exprloc], [DW.AT_signature, DW.FORM_ref_sig8], [DW.AT_const_value, DW.FORM_sdata],
    [DW.AT_const_value, DW.FORM_udata], [DW.AT_comp_dir, DW.FORM_line_strp], [DW.AT_name, DW.FORM_indirect],
    [DW.AT_decl_line, DW.FORM_indirect], [DW.AT_location, DW.FORM_indirect], [DW.AT_call_line, DW.FORM_flag_present],
  ])];
  const cus = refUnit(abbrev, (b) => {
    b.uleb(2).u8(...Array(16).fill(0xee)).u8(2, 1, 2).u16(3).u8(1, 2, 3).uleb(2).u8(9, 9).u64(0xffffffffffffffffn)
      .sleb(-(2n ** 63n)).uleb(2n ** 64n - 1n).u32(0).uleb(DW.FORM_string).str('via-indirect').uleb(DW.FORM_data2).u16(1234)
      .uleb(DW.FORM_exprloc).uleb(1).u8(0x9c);
  });
  t.like(cus[0].subroutines[0], { name: 'via-indirect', declLine: 1234 });
});

test('a DWARF 5 type unit is skipped and a skeleton unit is read without its (absent) tree', (t) => {
  const abbrev = abbrevTable([
    { code: 1, tag: DW.TAG_type_unit, children: true, attrs: [[DW.AT_name, DW.FORM_string]] },
    { code: 2, tag: DW.TAG_skeleton_unit, attrs: [[DW.AT_comp_dir, DW.FORM_string], [DW.AT_stmt_list, DW.FORM_sec_offset], [DW.AT_low_pc, DW.FORM_addr], [DW.AT_high_pc, DW.FORM_data4]] },
    { ...CU_PLAIN, code: 3 },
  ]);
  const info = new Bytes();
  // The type unit's DIEs use an abbreviation code that does not exist: only reading them could fail.
  unit(info, { unitType: DW.UT_type }, (b) => b.uleb(1).str('T').uleb(99).u8(0));
  const skel = unit(info, { unitType: DW.UT_skeleton }, (b) => b.uleb(2).str('/build').u32(0x40).u64(0x1000).u32(0x100));
  const plain = unit(info, {}, (b) => b.uleb(3).str('plain.c').u8(0));
  const cus = readCompileUnits({ info: info.buf(), abbrev: abbrev.buf() });
  t.deepEqual(cus.map((c) => [c.offset, c.unitType]), [[skel, DW.UT_skeleton], [plain, DW.UT_compile]]);
  t.like(cus[0], { compDir: '/build', stmtList: 0x40, lowPc: 0x1000, ranges: [[0x1000, 0x1100]], subroutines: [] });
  t.is(cus[1].name, 'plain.c');
});

test('64-bit DWARF and DWARF 2 ref_addr (address-sized) headers', (t) => {
  const abbrev = abbrevTable([
    { code: 1, tag: DW.TAG_compile_unit, children: true, attrs: [[DW.AT_name, DW.FORM_strp], [DW.AT_stmt_list, DW.FORM_sec_offset]] },
    SUB(2, [[DW.AT_name, DW.FORM_string]]),
    SUB(3, [[DW.AT_abstract_origin, DW.FORM_ref_addr]]),
  ]);
  const str = new Bytes().str('').str('wide.c');
  const info = new Bytes();
  let fOff = 0;
  const wide = unit(info, { dwarf64: true }, (b) => {
    b.uleb(1).u64(1).u64(0x1234);
    fOff = b.length;
    b.uleb(2).str('f');
    b.uleb(3).u64(fOff);
    b.u8(0);
  });
  const cus = readCompileUnits({ info: info.buf(), abbrev: abbrev.buf(), str: str.buf() });
  t.like(cus[0], { offset: wide, dwarf64: true, name: 'wide.c', stmtList: 0x1234 });
  t.deepEqual(cus[0].subroutines.map((s) => s.name), ['f', 'f']);

  // DWARF 2: ref_addr is address-sized (4 bytes here), not offset-sized.
  const abbrev2 = abbrevTable([CU_PLAIN, SUB(2, [[DW.AT_name, DW.FORM_string]]), SUB(3, [[DW.AT_abstract_origin, DW.FORM_ref_addr], [DW.AT_decl_line, DW.FORM_data1]])]);
  const info2 = new Bytes();
  unit(info2, { version: 2, addrSize: 4 }, (b) => {
    b.uleb(1).str('old.c');
    const g = b.length;
    b.uleb(2).str('g');
    b.uleb(3).u32(g).u8(9);
    b.u8(0);
  });
  const [old] = readCompileUnits({ info: info2.buf(), abbrev: abbrev2.buf() });
  t.deepEqual(old.subroutines.map((s) => [s.name, s.declLine]), [['g', undefined], ['g', 9]]);
});

// ---------------------------------------------------------------------------
// Corrupt input.

test('corrupt: abbreviation code not in the table', (t) => {
  const info = new Bytes();
  unit(info, {}, (b) => b.uleb(1).str('u').uleb(99).u8(0));
  throwsCorrupt(t, () => readCompileUnits({ info: info.buf(), abbrev: abbrevTable([CU_PLAIN]).buf() }), /\.debug_info: abbreviation code 99 not found at offset 0x/);
});

test('corrupt: unknown attribute form', (t) => {
  const info = new Bytes();
  unit(info, {}, (b) => b.uleb(1).str('u').uleb(2).u8(1).u8(0));
  const abbrev = abbrevTable([CU_PLAIN, { code: 2, tag: DW.TAG_variable, attrs: [[DW.AT_name, 0x7f]] }]);
  throwsCorrupt(t, () => readCompileUnits({ info: info.buf(), abbrev: abbrev.buf() }), /\.debug_info: unknown attribute form 0x7f at offset 0x/);
});

test('corrupt: unit length past the section, truncated attributes, bad version, missing .debug_abbrev', (t) => {
  const info = new Bytes();
  unit(info, {}, (b) => b.uleb(1).str('unit-name').u8(0));
  const whole = info.buf();
  const abbrev = abbrevTable([CU_PLAIN]).buf();
  throwsCorrupt(t, () => readCompileUnits({ info: whole.subarray(0, whole.length - 3), abbrev }), /unit length 0x[0-9a-f]+ past section end/);
  // Shorten the unit (consistently) so that the name string runs off its end.
  const cut = Buffer.from(whole.subarray(0, whole.length - 4));
  cut.writeUInt32LE(cut.length - 4, 0);
  throwsCorrupt(t, () => readCompileUnits({ info: cut, abbrev }), /unterminated string/);
  const v9 = Buffer.from(whole);
  v9.writeUInt16LE(9, 4);
  throwsCorrupt(t, () => readCompileUnits({ info: v9, abbrev }), /unsupported DWARF version 9/);
  throwsCorrupt(t, () => readCompileUnits({ info: whole }), /\.debug_abbrev: section missing/);
  throwsCorrupt(t, () => readCompileUnits({ info: whole, abbrev: abbrev.subarray(0, 3) }), /\.debug_abbrev: truncated/);
});

test('corrupt: DIEs nested deeper than 4096, reference chains longer than 64', (t) => {
  const block = { code: 2, tag: DW.TAG_lexical_block, children: true, attrs: [] as AttrSpec[] };
  const deep = (n: number) => () => refUnit([block], (b) => {
    for (let i = 0; i < n; i++) b.uleb(2);
    for (let i = 0; i < n; i++) b.u8(0);
  });
  t.notThrows(deep(4000));
  throwsCorrupt(t, deep(5000), /nested deeper than 4096/);

  const link = SUB(2, [[DW.AT_abstract_origin, DW.FORM_ref4]]);
  const end = SUB(3, [[DW.AT_name, DW.FORM_string]]);
  const chain = (n: number) => () => refUnit([link, end], (b, u) => {
    for (let i = 0; i < n; i++) {
      const at = b.length;
      b.uleb(2).u32(at + 5 - u); // each DIE is 5 bytes (code, ref4) and points at the next
    }
    b.uleb(3).str('bottom');
  });
  t.is(chain(60)()[0].subroutines[0].name, 'bottom');
  throwsCorrupt(t, chain(70), /more than 64 DIEs reached/);
});

test('corrupt: mutated fixture sections only ever throw LLGI_DWARF_CORRUPT', (t) => withTools(t, () => {
  // Deterministic xorshift so a failure reproduces.
  let seed = 0x2545f491;
  const rand = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  let corrupt = 0;
  for (const v of VARIANTS.filter((x) => !x.split && x.sources === C_SOURCES)) {
    const s = sectionsOf(build(v));
    for (let i = 0; i < 150; i++) {
      const key = (['info', 'abbrev', 'rnglists', 'ranges', 'addr', 'strOffsets'] as const)[rand(6)];
      const orig = s[key];
      if (!orig) continue;
      const m = Buffer.from(orig);
      for (let k = 1 + rand(4); k > 0; k--) m[rand(m.length)] = rand(256);
      const mutated = rand(8) === 0 ? m.subarray(0, rand(m.length)) : m;
      try {
        readCompileUnits({ ...s, [key]: mutated });
      } catch (e) {
        if (!isLlgiError(e, 'LLGI_DWARF_CORRUPT')) return t.fail(`${v.name}: mutated ${key} threw ${String(e)}`);
        corrupt++;
      }
    }
  }
  t.log(`${corrupt} mutations reported as LLGI_DWARF_CORRUPT, the rest parsed`);
  t.true(corrupt > 0);
}));
