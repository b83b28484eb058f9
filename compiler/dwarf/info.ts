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
import {
  Abbrev, AbbrevTable, parseAbbrevTable, readForm, skipAttributes, skipForm, UnitEncoding,
  FORM_ADDR, FORM_ADDRX, FORM_ADDRX1, FORM_ADDRX2, FORM_ADDRX3, FORM_ADDRX4, FORM_DATA1, FORM_DATA2,
  FORM_DATA4, FORM_DATA8, FORM_GNU_ADDR_INDEX, FORM_GNU_STR_INDEX, FORM_IMPLICIT_CONST, FORM_INDIRECT,
  FORM_LINE_STRP, FORM_REF1, FORM_REF2, FORM_REF4, FORM_REF8, FORM_REF_ADDR, FORM_REF_UDATA,
  FORM_RNGLISTX, FORM_SEC_OFFSET, FORM_STRING, FORM_STRP, FORM_STRX, FORM_STRX1, FORM_STRX2, FORM_STRX3,
  FORM_STRX4, FORM_UDATA,
} from './abbrev';
import { Range, RangeReader, RangeUnit, pushRange } from './ranges';
import { DwarfReader, DwarfSections, stringAt } from './reader';

export type { Range } from './ranges';
export { readAranges } from './ranges';

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

// The attributes this reader decodes, each with a slot in DieAttrs. Any other
// attribute is skipped by form size.
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

/** One unit of .debug_info with the state its forms resolve against. */
class Unit implements UnitEncoding, RangeUnit {
  lowPc = 0;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  private table?: AbbrevTable;

  constructor(
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

  abbrevs(s: DwarfSections, cache: Map<number, AbbrevTable>): AbbrevTable {
    if (this.table) return this.table;
    if (!s.abbrev) throw new LlgiError('LLGI_DWARF_CORRUPT', `.debug_abbrev: section missing, needed by the unit at .debug_info offset 0x${this.offset.toString(16)}`);
    let t = cache.get(this.abbrevOffset);
    if (!t) {
      t = parseAbbrevTable(s.abbrev, this.abbrevOffset);
      cache.set(this.abbrevOffset, t);
    }
    return (this.table = t);
  }
}

/** Raw attribute values of the DIE being read, by slot; form 0 means absent. Reused for every DIE. */
class DieAttrs {
  readonly form = new Int32Array(SLOTS);
  readonly value: (number | string)[] = new Array<number | string>(SLOTS).fill(0);

  read(r: DwarfReader, a: Abbrev, u: Unit): void {
    this.form.fill(0);
    const { attrs, forms, consts } = a;
    for (let i = 0; i < attrs.length; i++) {
      const at = attrs[i];
      const slot = at < SLOT_OF.length ? SLOT_OF[at] : 0;
      let form = forms[i];
      if (slot === 0) {
        skipForm(r, form, u);
        continue;
      }
      while (form === FORM_INDIRECT) {
        form = r.uleb();
        // The constant lives in the abbreviation, which an indirect form bypasses.
        if (form === FORM_IMPLICIT_CONST) r.fail('DW_FORM_implicit_const through DW_FORM_indirect');
      }
      this.form[slot] = form;
      this.value[slot] = readForm(r, form, u, consts[i]);
    }
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
  /** Absolute .debug_info offsets; -1 when the reference points outside .debug_info. */
  origin: number | undefined;
  spec: number | undefined;
}

export function readCompileUnits(s: DwarfSections): CompileUnit[] {
  return new InfoParser(s).parse();
}

class InfoParser {
  private readonly info: Buffer;
  private readonly abbrevCache = new Map<number, AbbrevTable>();
  private readonly rr: RangeReader;
  private readonly strOffsets?: DwarfReader;
  private readonly attrs = new DieAttrs();
  /** Every unit with a known DIE area, in section order (for references by offset). */
  private readonly units: Unit[] = [];
  private readonly cus: CompileUnit[] = [];
  /** Subroutines in the order read; names are resolved once every unit is read (references may point forward). */
  private readonly subs: Subroutine[] = [];
  /** By DIE offset: every subroutine DIE, plus referenced DIEs read on demand (null: not a readable DIE). */
  private readonly refs = new Map<number, RefDie | null>();

  constructor(private readonly s: DwarfSections) {
    this.info = s.info ?? Buffer.alloc(0);
    this.rr = new RangeReader(s);
    if (s.strOffsets) this.strOffsets = new DwarfReader(s.strOffsets, '.debug_str_offsets');
  }

  parse(): CompileUnit[] {
    const r = new DwarfReader(this.info, '.debug_info');
    while (r.left > 0) this.unit(r);
    for (const sub of this.subs) this.resolve(sub);
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
    const u = new Unit(start, h.end, h.pos, version, unitType, addrSize, dwarf64, abbrevOffset);
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
    u.strOffsetsBase = this.secOffset(S_STR_OFFSETS_BASE) ?? u.strOffsetsBase;
    u.addrBase = this.secOffset(S_ADDR_BASE) ?? u.addrBase;
    u.rnglistsBase = this.secOffset(S_RNGLISTS_BASE) ?? u.rnglistsBase;
    u.lowPc = this.address(u, S_LOW_PC) ?? 0;
    cu.lowPc = u.lowPc;
    cu.ranges = this.ranges(u);
    cu.compDir = this.str(u, S_COMP_DIR) ?? '';
    const name = this.str(u, S_NAME);
    if (typeof name === 'string') cu.name = name;
    const producer = this.str(u, S_PRODUCER);
    if (typeof producer === 'string') cu.producer = producer;
    const language = this.constant(S_LANGUAGE);
    if (language !== undefined) cu.language = language;
    const stmtList = this.secOffset(S_STMT_LIST);
    if (stmtList !== undefined) cu.stmtList = stmtList;
    // A skeleton's DIE tree lives in its .dwo file.
    if (a.hasChildren && u.unitType !== UT_SKELETON) this.walk(r, u, cu.subroutines);
    return cu;
  }

  /** Reads the DIEs below the unit DIE, collecting subroutines; `r` is positioned after the unit DIE. */
  private walk(r: DwarfReader, u: Unit, top: Subroutine[]): void {
    // containers[depth - 1] receives the subroutines found at that depth: the
    // children of the nearest subroutine ancestor, or `top`.
    const containers: Subroutine[][] = [top];
    // Stop when the unit DIE's children end; a unit that ends without its
    // closing null entries is accepted as LLVM does.
    while (containers.length > 0 && r.pos < r.end) {
      const dieOffset = r.pos;
      const code = r.uleb();
      if (code === 0) {
        containers.pop();
        continue;
      }
      const a = this.abbrev(r, u, code, dieOffset);
      let into = containers[containers.length - 1];
      if (a.tag === TAG_SUBPROGRAM || a.tag === TAG_INLINED_SUBROUTINE) {
        const sub = this.subroutine(r, a, u, dieOffset);
        into.push(sub);
        into = sub.children;
      } else {
        skipAttributes(r, a, u);
      }
      if (a.hasChildren) {
        if (containers.length >= MAX_DEPTH) r.fail(`DIEs nested deeper than ${MAX_DEPTH}`, dieOffset);
        containers.push(into);
      }
    }
  }

  private abbrev(r: DwarfReader, u: Unit, code: number, dieOffset: number): Abbrev {
    return u.abbrevs(this.s, this.abbrevCache).get(code) ?? r.fail(`abbreviation code ${code} not found`, dieOffset);
  }

  private subroutine(r: DwarfReader, a: Abbrev, u: Unit, dieOffset: number): Subroutine {
    this.attrs.read(r, a, u);
    const inlined = a.tag === TAG_INLINED_SUBROUTINE;
    const sub: Subroutine = { tag: inlined ? 'inlined' : 'subprogram', dieOffset, name: undefined, ranges: this.ranges(u), children: [] };
    if (inlined) {
      const file = this.constant(S_CALL_FILE);
      if (file !== undefined) sub.callFile = file;
      const line = this.constant(S_CALL_LINE);
      if (line !== undefined) sub.callLine = line;
      const column = this.constant(S_CALL_COLUMN);
      if (column !== undefined) sub.callColumn = column;
    }
    this.refs.set(dieOffset, this.refDie(u));
    this.subs.push(sub);
    return sub;
  }

  /** Captures the current DIE's attributes that the recursive lookups read. */
  private refDie(u: Unit): RefDie {
    const mips = this.str(u, S_MIPS_LINKAGE_NAME);
    return {
      unit: u,
      name: this.str(u, S_NAME),
      // LLVM asks for DW_AT_MIPS_linkage_name before DW_AT_linkage_name.
      linkage: mips !== undefined ? mips : this.str(u, S_LINKAGE_NAME),
      declFile: this.constant(S_DECL_FILE),
      declLine: this.constant(S_DECL_LINE),
      origin: this.ref(u, S_ABSTRACT_ORIGIN),
      spec: this.ref(u, S_SPECIFICATION),
    };
  }

  private resolve(sub: Subroutine): void {
    const self = this.refs.get(sub.dieOffset)!;
    const linkage = this.find(self, (d) => d.linkage !== undefined);
    // A linkage name that is present but unresolvable falls back to the plain name, as in LLVM.
    sub.name = linkage?.linkage ?? this.find(self, (d) => d.name !== undefined)?.name ?? undefined;
    const file = this.find(self, (d) => d.declFile !== undefined);
    if (file) {
      sub.declFile = file.declFile;
      if (file.unit !== self.unit) sub.declFileCu = file.unit.offset;
    }
    const line = this.find(self, (d) => d.declLine !== undefined);
    if (line) sub.declLine = line.declLine;
  }

  /**
   * The first DIE satisfying `has`, searching `start` and then, depth first,
   * its DW_AT_specification before its DW_AT_abstract_origin (the order of
   * LLVM's worklist). Each DIE is visited once, so cycles end the search.
   */
  private find(start: RefDie, has: (d: RefDie) => boolean): RefDie | undefined {
    if (has(start)) return start;
    const seen = [start];
    const work = [start];
    while (work.length > 0) {
      const d = work.pop()!;
      if (d !== start && has(d)) return d;
      for (const off of [d.origin, d.spec]) {
        if (off === undefined) continue;
        const t = this.dieAt(off);
        if (!t || seen.includes(t)) continue;
        if (seen.length >= MAX_REF_CHAIN) {
          throw new LlgiError('LLGI_DWARF_CORRUPT', `.debug_info: more than ${MAX_REF_CHAIN} DIEs reached through abstract_origin/specification at offset 0x${off.toString(16)}`);
        }
        seen.push(t);
        work.push(t);
      }
    }
    return undefined;
  }

  /** The DIE at `off`, read on demand when it is not a subroutine; null when no DIE can be read there (a dangling reference). */
  private dieAt(off: number): RefDie | null {
    let d = this.refs.get(off);
    if (d === undefined) {
      d = this.readDieAt(off);
      this.refs.set(off, d);
    }
    return d;
  }

  private readDieAt(off: number): RefDie | null {
    const u = this.unitAt(off);
    if (!u || off < u.dieStart) return null;
    try {
      const r = new DwarfReader(this.info, '.debug_info', off, u.end);
      const code = r.uleb();
      const a = code === 0 ? undefined : u.abbrevs(this.s, this.abbrevCache).get(code);
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
    let lo = 0;
    let hi = units.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (units[mid].end <= off) lo = mid + 1;
      else hi = mid;
    }
    return lo < units.length && units[lo].offset <= off ? units[lo] : undefined;
  }

  // ---- Interpreting the raw values in this.attrs (valid until the next read) ----

  private ranges(u: Unit): Range[] {
    const form = this.attrs.form;
    const low = this.address(u, S_LOW_PC);
    if (low !== undefined) {
      // DW_AT_high_pc is an address, or (DWARF 4+) a length from low_pc.
      const length = this.constant(S_HIGH_PC);
      const high = this.address(u, S_HIGH_PC) ?? (length === undefined ? undefined : low + length);
      if (high !== undefined) {
        const out: Range[] = [];
        pushRange(out, low, high, u.addrSize);
        return out;
      }
    }
    const f = form[S_RANGES];
    if (f === 0) return [];
    const v = this.attrs.value[S_RANGES] as number;
    if (f === FORM_RNGLISTX) return this.rr.listByIndex(u, v);
    if (f === FORM_SEC_OFFSET || f === FORM_DATA4 || f === FORM_DATA8) return this.rr.list(u, v);
    return [];
  }

  private address(u: Unit, slot: number): number | undefined {
    const v = this.attrs.value[slot] as number;
    switch (this.attrs.form[slot]) {
      case FORM_ADDR:
        return v;
      case FORM_ADDRX: case FORM_ADDRX1: case FORM_ADDRX2: case FORM_ADDRX3: case FORM_ADDRX4: case FORM_GNU_ADDR_INDEX:
        return this.rr.addr(u, v);
      default:
        return undefined;
    }
  }

  /** An unsigned constant; like LLVM, DW_FORM_sdata does not count as one. */
  private constant(slot: number): number | undefined {
    const v = this.attrs.value[slot] as number;
    switch (this.attrs.form[slot]) {
      case FORM_DATA1: case FORM_DATA2: case FORM_DATA4: case FORM_DATA8: case FORM_UDATA:
        return v;
      case FORM_IMPLICIT_CONST:
        // Negative or oversized (NaN) implicit constants are no valid line, column or file index.
        return v >= 0 ? v : undefined;
      default:
        return undefined;
    }
  }

  private secOffset(slot: number): number | undefined {
    const f = this.attrs.form[slot];
    return f === FORM_SEC_OFFSET || f === FORM_DATA4 || f === FORM_DATA8 ? (this.attrs.value[slot] as number) : undefined;
  }

  private str(u: Unit, slot: number): string | null | undefined {
    const v = this.attrs.value[slot];
    switch (this.attrs.form[slot]) {
      case 0:
        return undefined;
      case FORM_STRING:
        return v as string;
      case FORM_STRP:
        return stringAt(this.s.str, v as number, '.debug_str');
      case FORM_LINE_STRP:
        return stringAt(this.s.lineStr, v as number, '.debug_line_str');
      case FORM_STRX: case FORM_STRX1: case FORM_STRX2: case FORM_STRX3: case FORM_STRX4: case FORM_GNU_STR_INDEX:
        return stringAt(this.s.str, this.strOffset(u, v as number), '.debug_str');
      default:
        // DW_FORM_strp_sup / GNU_strp_alt live in a supplementary file this reader does not open.
        return null;
    }
  }

  private strOffset(u: Unit, index: number): number {
    const r = this.strOffsets;
    const at = u.strOffsetsBase + index * (u.dwarf64 ? 8 : 4);
    if (!r) throw new LlgiError('LLGI_DWARF_CORRUPT', `.debug_str_offsets: section missing, needed for offset 0x${at.toString(16)}`);
    r.pos = at;
    return r.offset(u.dwarf64);
  }

  private ref(u: Unit, slot: number): number | undefined {
    const v = this.attrs.value[slot] as number;
    switch (this.attrs.form[slot]) {
      case 0:
        return undefined;
      case FORM_REF1: case FORM_REF2: case FORM_REF4: case FORM_REF8: case FORM_REF_UDATA:
        // Unit-relative: a target outside the unit is dangling.
        return u.offset + v < u.end ? u.offset + v : -1;
      case FORM_REF_ADDR:
        return v;
      default:
        // Type signatures and dwz/supplementary references: nothing in this .debug_info to follow.
        return -1;
    }
  }
}
