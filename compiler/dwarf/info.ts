// .debug_info: the compile units of an object and, in each, the tree of
// subprograms and inlined subroutines with their address ranges, call sites,
// declarations and names. This is what the table builder needs for the ftab
// and the inline tree; every other DIE (types, variables, lexical blocks, call
// sites) is skipped by form size, but walked through, so a subroutine nested
// under such a DIE still hangs under its nearest subroutine ancestor.
//
// Names follow llvm-symbolizer's default (--functions=linkage) rule so the
// tables built from this agree with the oracle the tests use: the linkage name
// if one is found, else the plain name, each looked up on the DIE and then
// through DW_AT_specification / DW_AT_abstract_origin (LLVM's
// DWARFDie::findRecursively, including its search order).

import { LlgiError } from '../errors';
import { Abbrev, AbbrevTable, AttrValues, FormUnit, parseAbbrevTable, skipAttributes } from './abbrev';
import { Range, RangeReader, RangeUnit, validRange } from './ranges';
import { DwarfReader, DwarfSections, stringAt } from './reader';
import { countAtOrBelow } from '../search';

export type { Range } from './ranges';
export { readAranges } from './ranges';

/**
 * One DW_TAG_subprogram or DW_TAG_inlined_subroutine. Every key is always
 * present (absent values are undefined): a 50 MB binary yields hundreds of
 * thousands of these, and one object shape keeps them compact.
 */
export interface Subroutine {
  tag: 'subprogram' | 'inlined';
  /** .debug_info offset of the DIE. */
  dieOffset: number;
  /** Linkage name, else name, found on the DIE or through its origin/specification; undefined when none resolves. */
  name: string | undefined;
  /** From low_pc/high_pc or DW_AT_ranges; [] for declarations and abstract instances. */
  ranges: Range[];
  /** DW_AT_decl_file / decl_line, also found through origin/specification. */
  declFile?: number;
  declLine?: number;
  /** Set when declFile was found in another unit: the offset of the unit whose line table it indexes. */
  declFileCu?: number;
  /** Inlined subroutines only: DW_AT_call_file / call_line / call_column. */
  callFile?: number;
  callLine?: number;
  callColumn?: number;
  /** The nearest subprogram/inlined DIEs below this one, in DIE order, looking through any other DIEs. */
  children: Subroutine[];
}

export interface CompileUnit {
  /** .debug_info offset of the unit header. */
  offset: number;
  version: number;
  /** DW_UT_* (DW_UT_compile for DWARF 2–4). */
  unitType: number;
  addrSize: number;
  dwarf64: boolean;
  name?: string;
  /** '' when absent. */
  compDir: string;
  producer?: string;
  language?: number;
  /** DW_AT_stmt_list: offset of the unit's line program in .debug_line. */
  stmtList?: number;
  /** The unit's base address (DW_AT_low_pc, 0 when absent). */
  lowPc: number;
  ranges: Range[];
  /** The nearest subprogram/inlined DIEs below the unit DIE, in DIE order. */
  subroutines: Subroutine[];
}

const TAG_INLINED_SUBROUTINE = 0x1d;
const TAG_SUBPROGRAM = 0x2e;

const UT_COMPILE = 1;
const UT_TYPE = 2;
const UT_PARTIAL = 3;
const UT_SKELETON = 4;
const UT_SPLIT_COMPILE = 5;
const UT_SPLIT_TYPE = 6;

// Bounds that turn hostile input into LLGI_DWARF_CORRUPT instead of a stack
// overflow or a runaway search; real DWARF stays far below both.
const MAX_DEPTH = 4096;
const MAX_REF_CHAIN = 64;

// The attributes this reader decodes, each with a slot in AttrValues. Any
// other attribute is skipped by form size.
const S_LOW_PC = 1;
const S_HIGH_PC = 2;
const S_RANGES = 3;
const S_NAME = 4;
const S_LINKAGE_NAME = 5;
const S_MIPS_LINKAGE_NAME = 6;
const S_ABSTRACT_ORIGIN = 7;
const S_SPECIFICATION = 8;
const S_DECL_FILE = 9;
const S_DECL_LINE = 10;
const S_CALL_FILE = 11;
const S_CALL_LINE = 12;
const S_CALL_COLUMN = 13;
const S_PRODUCER = 14;
const S_COMP_DIR = 15;
const S_LANGUAGE = 16;
const S_STMT_LIST = 17;
const S_STR_OFFSETS_BASE = 18;
const S_ADDR_BASE = 19;
const S_RNGLISTS_BASE = 20;
const SLOTS = 21;

const SLOT_OF = new Uint8Array(0x4000); // DW_AT_* codes stop at DW_AT_hi_user = 0x3fff
SLOT_OF[0x11] = S_LOW_PC;
SLOT_OF[0x12] = S_HIGH_PC;
SLOT_OF[0x55] = S_RANGES;
SLOT_OF[0x03] = S_NAME;
SLOT_OF[0x6e] = S_LINKAGE_NAME;
SLOT_OF[0x2007] = S_MIPS_LINKAGE_NAME;
SLOT_OF[0x31] = S_ABSTRACT_ORIGIN;
SLOT_OF[0x47] = S_SPECIFICATION;
SLOT_OF[0x3a] = S_DECL_FILE;
SLOT_OF[0x3b] = S_DECL_LINE;
SLOT_OF[0x58] = S_CALL_FILE;
SLOT_OF[0x59] = S_CALL_LINE;
SLOT_OF[0x57] = S_CALL_COLUMN;
SLOT_OF[0x25] = S_PRODUCER;
SLOT_OF[0x1b] = S_COMP_DIR;
SLOT_OF[0x13] = S_LANGUAGE;
SLOT_OF[0x10] = S_STMT_LIST;
SLOT_OF[0x72] = S_STR_OFFSETS_BASE;
SLOT_OF[0x73] = S_ADDR_BASE;
SLOT_OF[0x2133] = S_ADDR_BASE; // DW_AT_GNU_addr_base (pre-v5 split DWARF)
SLOT_OF[0x74] = S_RNGLISTS_BASE;

/** Sections and shared readers every unit resolves its forms against. */
class Sections {
  readonly rr: RangeReader;
  private readonly strOffsets?: DwarfReader;
  readonly abbrevCache = new Map<number, AbbrevTable>();
  // One string per .debug_str offset: C++ units repeat the same (linker-merged)
  // names thousands of times, and decoding each copy dominated the heap.
  private readonly strCache = new Map<number, string>();

  constructor(readonly s: DwarfSections) {
    this.rr = new RangeReader(s);
    if (s.strOffsets) this.strOffsets = new DwarfReader(s.strOffsets, '.debug_str_offsets');
  }

  str(offset: number): string {
    let v = this.strCache.get(offset);
    if (v === undefined) {
      v = stringAt(this.s.str, offset, '.debug_str');
      this.strCache.set(offset, v);
    }
    return v;
  }

  strOffset(at: number, dwarf64: boolean): number {
    const r = this.strOffsets;
    if (!r) throw new LlgiError('LLGI_DWARF_CORRUPT', `.debug_str_offsets: section missing, needed for offset 0x${at.toString(16)}`);
    if (at > r.buf.length) r.fail('offset out of range', at);
    r.pos = at;
    return r.offset(dwarf64);
  }
}

/** One unit of .debug_info with the state its forms resolve against. */
class Unit implements FormUnit, RangeUnit {
  lowPc = 0;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  private table?: AbbrevTable;

  constructor(
    private readonly sec: Sections,
    readonly offset: number,
    readonly end: number,
    readonly dieStart: number,
    readonly version: number,
    readonly unitType: number,
    readonly addrSize: number,
    readonly dwarf64: boolean,
    private readonly abbrevOffset: number,
  ) {
    // DWARF 5 bases default to just past the header of a section holding a
    // single contribution (.debug_str_offsets/.debug_addr: 8 or 16 bytes,
    // .debug_rnglists: 12 or 20); pre-5 GNU split DWARF has no headers.
    const v5 = version >= 5;
    this.strOffsetsBase = v5 ? (dwarf64 ? 16 : 8) : 0;
    this.addrBase = v5 ? (dwarf64 ? 16 : 8) : 0;
    this.rnglistsBase = v5 ? (dwarf64 ? 20 : 12) : 0;
  }

  get abbrevs(): AbbrevTable {
    if (this.table) return this.table;
    const { s, abbrevCache } = this.sec;
    if (!s.abbrev) throw new LlgiError('LLGI_DWARF_CORRUPT', `.debug_abbrev: section missing, needed by the unit at .debug_info offset 0x${this.offset.toString(16)}`);
    let t = abbrevCache.get(this.abbrevOffset);
    if (!t) {
      t = parseAbbrevTable(s.abbrev, this.abbrevOffset);
      abbrevCache.set(this.abbrevOffset, t);
    }
    return (this.table = t);
  }

  addrx(index: number): number {
    return this.sec.rr.addr(this, index);
  }

  strx(index: number): string {
    return this.strp(this.sec.strOffset(this.strOffsetsBase + index * (this.dwarf64 ? 8 : 4), this.dwarf64));
  }

  strp(offset: number): string {
    return this.sec.str(offset);
  }

  lineStrp(offset: number): string {
    return stringAt(this.sec.s.lineStr, offset, '.debug_line_str');
  }
}

/** What the recursive name/declaration lookup needs from one DIE. */
interface RefDie {
  unit: Unit;
  /** undefined: attribute absent; null: present but unresolvable (e.g. a string in a dwz supplementary file). */
  name: string | null | undefined;
  linkage: string | null | undefined;
  declFile: number | undefined;
  declLine: number | undefined;
  /** Absolute .debug_info offsets; -1 when the reference cannot be followed in this .debug_info. */
  origin: number | undefined;
  spec: number | undefined;
}

function includes<T>(list: T[], count: number, x: T): boolean {
  for (let i = 0; i < count; i++) if (list[i] === x) return true;
  return false;
}

export function readCompileUnits(s: DwarfSections): CompileUnit[] {
  return new InfoParser(s).parse();
}

class InfoParser {
  private readonly info: Buffer;
  private readonly sec: Sections;
  private readonly attrs = new AttrValues(SLOT_OF, SLOTS);
  /** Every unit with a known DIE area, in section order (for references by offset). */
  private readonly units: Unit[] = [];
  private readonly cus: CompileUnit[] = [];
  // Every subroutine in the order read, which is ascending DIE offset, with
  // what its name lookup needs. Names are resolved once every unit is read
  // (references may point forward); a reference to a subroutine is found by
  // binary search here, which is cheaper than a Map of that many entries.
  private readonly subs: Subroutine[] = [];
  private readonly subOffsets: number[] = [];
  private readonly subRefs: RefDie[] = [];
  /** Referenced DIEs that are not subroutines, read on demand (null: no readable DIE there). */
  private readonly otherRefs = new Map<number, RefDie | null>();
  /** Scratch of resolve(): DIEs visited and DIEs still to search (only the first entries are live). */
  private readonly seen: RefDie[] = [];
  private readonly work: RefDie[] = [];

  constructor(s: DwarfSections) {
    this.info = s.info ?? Buffer.alloc(0);
    this.sec = new Sections(s);
  }

  parse(): CompileUnit[] {
    const r = new DwarfReader(this.info, '.debug_info');
    while (r.left > 0) this.unit(r);
    for (let i = 0; i < this.subs.length; i++) this.resolve(this.subs[i], this.subRefs[i]);
    return this.cus;
  }

  private unit(r: DwarfReader): void {
    const start = r.pos;
    const { length, dwarf64 } = r.initialLength();
    if (length > r.left) r.fail(`unit length 0x${length.toString(16)} past section end`, start);
    const h = new DwarfReader(this.info, '.debug_info', r.pos, r.pos + length);
    r.pos += length;
    const version = h.u16();
    if (version < 2 || version > 5) h.fail(`unsupported DWARF version ${version}`, start);
    let unitType = UT_COMPILE;
    let addrSize: number;
    let abbrevOffset: number;
    if (version >= 5) {
      unitType = h.u8();
      addrSize = h.u8();
      abbrevOffset = h.offset(dwarf64);
      if (unitType === UT_SKELETON || unitType === UT_SPLIT_COMPILE) h.skip(8); // dwo_id
      else if (unitType === UT_TYPE || unitType === UT_SPLIT_TYPE) h.skip(8 + (dwarf64 ? 8 : 4)); // signature, type_offset
      else if (unitType !== UT_COMPILE && unitType !== UT_PARTIAL) return; // unknown header layout: skip the unit
    } else {
      abbrevOffset = h.offset(dwarf64);
      addrSize = h.u8();
    }
    if (addrSize !== 1 && addrSize !== 2 && addrSize !== 4 && addrSize !== 8) h.fail(`bad address size ${addrSize}`, start);
    const u = new Unit(this.sec, start, h.end, h.pos, version, unitType, addrSize, dwarf64, abbrevOffset);
    this.units.push(u);
    // Type units and split (.dwo) units hold no code of this object; their DIEs
    // are only read if something refers into them.
    if (unitType !== UT_COMPILE && unitType !== UT_PARTIAL && unitType !== UT_SKELETON) return;
    this.cus.push(this.compileUnit(h, u));
  }

  private compileUnit(r: DwarfReader, u: Unit): CompileUnit {
    const cu: CompileUnit = {
      offset: u.offset, version: u.version, unitType: u.unitType, addrSize: u.addrSize, dwarf64: u.dwarf64,
      compDir: '', lowPc: 0, ranges: [], subroutines: [],
    };
    if (r.left === 0) return cu;
    const dieOffset = r.pos;
    const code = r.uleb();
    if (code === 0) return cu;
    const a = this.abbrev(r, u, code, dieOffset);
    const d = this.attrs;
    d.read(r, a, u);
    // Unit-wide bases first: attributes of this very DIE may need them (strx, addrx, rnglistx).
    u.strOffsetsBase = d.sectionOffset(S_STR_OFFSETS_BASE) ?? u.strOffsetsBase;
    u.addrBase = d.sectionOffset(S_ADDR_BASE) ?? u.addrBase;
    u.rnglistsBase = d.sectionOffset(S_RNGLISTS_BASE) ?? u.rnglistsBase;
    u.lowPc = d.address(S_LOW_PC, u) ?? 0;
    cu.lowPc = u.lowPc;
    cu.ranges = this.ranges(u);
    cu.compDir = d.string(S_COMP_DIR, u) ?? '';
    const name = d.string(S_NAME, u);
    if (typeof name === 'string') cu.name = name;
    const producer = d.string(S_PRODUCER, u);
    if (typeof producer === 'string') cu.producer = producer;
    const language = d.constant(S_LANGUAGE);
    if (language !== undefined) cu.language = language;
    const stmtList = d.sectionOffset(S_STMT_LIST);
    if (stmtList !== undefined) cu.stmtList = stmtList;
    // A skeleton's DIE tree lives in its .dwo file.
    if (a.hasChildren && u.unitType !== UT_SKELETON) cu.subroutines = this.walk(r, u);
    return cu;
  }

  /** Reads the DIEs below the unit DIE (`r` is positioned after it) and returns the unit's top-level subroutines. */
  private walk(r: DwarfReader, u: Unit): Subroutine[] {
    // Subroutines whose enclosing subroutine is still open, in DIE order. When
    // a subroutine's scope closes, its children are cut off the end at their
    // exact size (arrays grown by push keep spare capacity, multiplied by
    // hundreds of thousands of DIEs).
    const found: Subroutine[] = [];
    // One entry per open DIE with children: the subroutine it is (null for
    // any other DIE, whose subroutines belong to the enclosing one) and where
    // its subroutines start in `found`.
    const owners: (Subroutine | null)[] = [null];
    const starts: number[] = [0];
    const close = () => {
      const owner = owners.pop();
      const start = starts.pop()!;
      if (owner && found.length > start) owner.children = found.splice(start);
    };
    // Stop when the unit DIE's children end; a unit that ends without its
    // closing null entries is accepted, as LLVM does.
    while (owners.length > 0 && r.pos < r.end) {
      const dieOffset = r.pos;
      const code = r.uleb();
      if (code === 0) {
        close();
        continue;
      }
      const a = this.abbrev(r, u, code, dieOffset);
      let sub: Subroutine | null = null;
      if (a.tag === TAG_SUBPROGRAM || a.tag === TAG_INLINED_SUBROUTINE) {
        sub = this.subroutine(r, a, u, dieOffset);
        found.push(sub);
      } else {
        skipAttributes(r, a, u);
      }
      if (a.hasChildren) {
        if (owners.length >= MAX_DEPTH) r.fail(`DIEs nested deeper than ${MAX_DEPTH}`, dieOffset);
        owners.push(sub);
        starts.push(found.length);
      }
    }
    while (owners.length > 0) close();
    return found.splice(0);
  }

  private abbrev(r: DwarfReader, u: Unit, code: number, dieOffset: number): Abbrev {
    return u.abbrevs.get(code) ?? r.fail(`abbreviation code ${code} not found`, dieOffset);
  }

  private subroutine(r: DwarfReader, a: Abbrev, u: Unit, dieOffset: number): Subroutine {
    const d = this.attrs;
    d.read(r, a, u);
    const inlined = a.tag === TAG_INLINED_SUBROUTINE;
    const sub: Subroutine = {
      tag: inlined ? 'inlined' : 'subprogram', dieOffset, name: undefined, ranges: this.ranges(u),
      declFile: undefined, declLine: undefined, declFileCu: undefined,
      callFile: inlined ? d.constant(S_CALL_FILE) : undefined,
      callLine: inlined ? d.constant(S_CALL_LINE) : undefined,
      callColumn: inlined ? d.constant(S_CALL_COLUMN) : undefined,
      children: [],
    };
    this.subs.push(sub);
    this.subOffsets.push(dieOffset);
    this.subRefs.push(this.refDie(u));
    return sub;
  }

  /** DIE ranges: low_pc with high_pc (an address, or from DWARF 4 a length), else DW_AT_ranges. */
  private ranges(u: Unit): Range[] {
    const d = this.attrs;
    const low = d.address(S_LOW_PC, u);
    if (low !== undefined) {
      const length = d.constant(S_HIGH_PC);
      const high = d.address(S_HIGH_PC, u) ?? (length === undefined ? undefined : low + length);
      if (high !== undefined) return validRange(low, high, u.addrSize) ? [[low, high]] : [];
    }
    const index = d.rnglistx(S_RANGES);
    if (index !== undefined) return this.sec.rr.listByIndex(u, index);
    const offset = d.sectionOffset(S_RANGES);
    return offset === undefined ? [] : this.sec.rr.list(u, offset);
  }

  /** Captures what the recursive lookups read from the DIE just read. */
  private refDie(u: Unit): RefDie {
    const d = this.attrs;
    const mips = d.string(S_MIPS_LINKAGE_NAME, u);
    return {
      unit: u,
      name: d.string(S_NAME, u),
      // LLVM asks for DW_AT_MIPS_linkage_name before DW_AT_linkage_name.
      linkage: mips !== undefined ? mips : d.string(S_LINKAGE_NAME, u),
      declFile: d.constant(S_DECL_FILE),
      declLine: d.constant(S_DECL_LINE),
      origin: d.reference(S_ABSTRACT_ORIGIN, u),
      spec: d.reference(S_SPECIFICATION, u),
    };
  }

  /**
   * Names and declaration of `sub`, each from the first DIE that has the
   * attribute in LLVM's DWARFDie::findRecursively order: the DIE itself, then
   * depth first through DW_AT_specification before DW_AT_abstract_origin.
   * That order does not depend on the attribute, so one walk serves all four
   * lookups. Each DIE is visited once, so cycles end the walk.
   */
  private resolve(sub: Subroutine, start: RefDie): void {
    let linkage: RefDie | undefined;
    let name: RefDie | undefined;
    let file: RefDie | undefined;
    let line: RefDie | undefined;
    // Scratch stacks reused across calls; counts instead of resizing the arrays.
    const { seen, work } = this;
    seen[0] = work[0] = start;
    let seenCount = 1;
    let workCount = 1;
    while (workCount > 0 && !(linkage?.linkage && file && line)) {
      const d = work[--workCount];
      if (!linkage && d.linkage !== undefined) linkage = d;
      if (!name && d.name !== undefined) name = d;
      if (!file && d.declFile !== undefined) file = d;
      if (!line && d.declLine !== undefined) line = d;
      // Origin pushed first, so the specification is searched first.
      for (let k = 0; k < 2; k++) {
        const off = k === 0 ? d.origin : d.spec;
        const t = off === undefined ? null : this.dieAt(off);
        if (!t || includes(seen, seenCount, t)) continue;
        if (seenCount >= MAX_REF_CHAIN) {
          throw new LlgiError('LLGI_DWARF_CORRUPT', `.debug_info: more than ${MAX_REF_CHAIN} DIEs reached through abstract_origin/specification from the DIE at offset 0x${sub.dieOffset.toString(16)}`);
        }
        seen[seenCount++] = t;
        work[workCount++] = t;
      }
    }
    // A linkage name that is present but unresolvable falls back to the plain name, as in LLVM.
    sub.name = linkage?.linkage ?? name?.name ?? undefined;
    if (file) {
      sub.declFile = file.declFile;
      if (file.unit !== start.unit) sub.declFileCu = file.unit.offset;
    }
    if (line) sub.declLine = line.declLine;
  }

  /** The DIE at `off`; null when no DIE can be read there (a dangling reference). */
  private dieAt(off: number): RefDie | null {
    const offsets = this.subOffsets;
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid] < off) lo = mid + 1;
      else hi = mid;
    }
    if (lo < offsets.length && offsets[lo] === off) return this.subRefs[lo];
    let d = this.otherRefs.get(off);
    if (d === undefined) {
      d = this.readDieAt(off);
      this.otherRefs.set(off, d);
    }
    return d;
  }

  private readDieAt(off: number): RefDie | null {
    const u = this.unitAt(off);
    if (!u || off < u.dieStart) return null;
    try {
      const r = new DwarfReader(this.info, '.debug_info', off, u.end);
      const code = r.uleb();
      const a = code === 0 ? undefined : u.abbrevs.get(code);
      if (!a) return null;
      this.attrs.read(r, a, u);
      return this.refDie(u);
    } catch (e) {
      if (e instanceof LlgiError) return null;
      throw e;
    }
  }

  private unitAt(off: number): Unit | undefined {
    const units = this.units;
    const i = countAtOrBelow(units, off, (u) => u.end);
    return i < units.length && units[i].offset <= off ? units[i] : undefined;
  }
}
