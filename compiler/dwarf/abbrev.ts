// .debug_abbrev tables and the attribute forms of DWARF 2–5 (plus the GNU
// split-DWARF and dwz forms): how many bytes each form occupies, how to skip
// it, how to read it, and which class of value (address, constant, string,
// reference, section offset) it yields. Which attributes matter and what they
// mean is info.ts's business; the unit-dependent part of resolving a value
// (string offsets, address pool, unit base) comes in through FormUnit.
//
// Speed matters more here than anywhere else in the DWARF readers: every DIE of
// a 50 MB binary goes through skipAttributes, so abbreviations precompute the
// byte size of their attributes whenever no form has a data-dependent size.
// Form codes stay private to this file: under tsx every imported constant is a
// getter call, which measurably slowed the per-attribute switches.

import { DwarfReader } from './reader';

const FORM_ADDR = 0x01;
const FORM_BLOCK2 = 0x03;
const FORM_BLOCK4 = 0x04;
const FORM_DATA2 = 0x05;
const FORM_DATA4 = 0x06;
const FORM_DATA8 = 0x07;
const FORM_STRING = 0x08;
const FORM_BLOCK = 0x09;
const FORM_BLOCK1 = 0x0a;
const FORM_DATA1 = 0x0b;
const FORM_FLAG = 0x0c;
const FORM_SDATA = 0x0d;
const FORM_STRP = 0x0e;
const FORM_UDATA = 0x0f;
const FORM_REF_ADDR = 0x10;
const FORM_REF1 = 0x11;
const FORM_REF2 = 0x12;
const FORM_REF4 = 0x13;
const FORM_REF8 = 0x14;
const FORM_REF_UDATA = 0x15;
const FORM_INDIRECT = 0x16;
const FORM_SEC_OFFSET = 0x17;
const FORM_EXPRLOC = 0x18;
const FORM_FLAG_PRESENT = 0x19;
const FORM_STRX = 0x1a;
const FORM_ADDRX = 0x1b;
const FORM_REF_SUP4 = 0x1c;
const FORM_STRP_SUP = 0x1d;
const FORM_DATA16 = 0x1e;
const FORM_LINE_STRP = 0x1f;
const FORM_REF_SIG8 = 0x20;
const FORM_IMPLICIT_CONST = 0x21;
const FORM_LOCLISTX = 0x22;
const FORM_RNGLISTX = 0x23;
const FORM_REF_SUP8 = 0x24;
const FORM_STRX1 = 0x25;
const FORM_STRX2 = 0x26;
const FORM_STRX3 = 0x27;
const FORM_STRX4 = 0x28;
const FORM_ADDRX1 = 0x29;
const FORM_ADDRX2 = 0x2a;
const FORM_ADDRX3 = 0x2b;
const FORM_ADDRX4 = 0x2c;
const FORM_GNU_ADDR_INDEX = 0x1f01;
const FORM_GNU_STR_INDEX = 0x1f02;
const FORM_GNU_REF_ALT = 0x1f20;
const FORM_GNU_STRP_ALT = 0x1f21;

/** Encoding facts of one unit that decide the size of some forms. */
export interface UnitEncoding {
  readonly version: number;
  readonly addrSize: number;
  readonly dwarf64: boolean;
}

/** A unit as form values need it: its extent (for unit-relative references) and its indexed sections. */
export interface FormUnit extends UnitEncoding {
  readonly offset: number;
  readonly end: number;
  /** Entry `index` of the unit's slice of .debug_addr. */
  addrx(index: number): number;
  /** String `index` of the unit's slice of .debug_str_offsets. */
  strx(index: number): string;
  strp(offset: number): string;
  lineStrp(offset: number): string;
}

// Size classes: >= 0 is a fixed byte count; the negative values depend on the
// unit (address or offset size) or on the data itself.
const SZ_ADDR = -1;
const SZ_OFFSET = -2;
const SZ_REF_ADDR = -3; // address size in DWARF 2, offset size from DWARF 3 on
const SZ_VARIABLE = -4;
const SZ_UNKNOWN = -5;

function sizeClass(form: number): number {
  switch (form) {
    case FORM_FLAG_PRESENT: case FORM_IMPLICIT_CONST:
      return 0;
    case FORM_DATA1: case FORM_REF1: case FORM_FLAG: case FORM_STRX1: case FORM_ADDRX1:
      return 1;
    case FORM_DATA2: case FORM_REF2: case FORM_STRX2: case FORM_ADDRX2:
      return 2;
    case FORM_STRX3: case FORM_ADDRX3:
      return 3;
    case FORM_DATA4: case FORM_REF4: case FORM_STRX4: case FORM_ADDRX4: case FORM_REF_SUP4:
      return 4;
    case FORM_DATA8: case FORM_REF8: case FORM_REF_SIG8: case FORM_REF_SUP8:
      return 8;
    case FORM_DATA16:
      return 16;
    case FORM_ADDR:
      return SZ_ADDR;
    case FORM_STRP: case FORM_LINE_STRP: case FORM_SEC_OFFSET: case FORM_STRP_SUP:
    case FORM_GNU_REF_ALT: case FORM_GNU_STRP_ALT:
      return SZ_OFFSET;
    case FORM_REF_ADDR:
      return SZ_REF_ADDR;
    case FORM_STRING: case FORM_BLOCK: case FORM_BLOCK1: case FORM_BLOCK2: case FORM_BLOCK4:
    case FORM_EXPRLOC: case FORM_SDATA: case FORM_UDATA: case FORM_REF_UDATA: case FORM_INDIRECT:
    case FORM_STRX: case FORM_ADDRX: case FORM_LOCLISTX: case FORM_RNGLISTX:
    case FORM_GNU_ADDR_INDEX: case FORM_GNU_STR_INDEX:
      return SZ_VARIABLE;
    default:
      return SZ_UNKNOWN;
  }
}

export interface Abbrev {
  readonly tag: number;
  readonly hasChildren: boolean;
  readonly attrs: number[];
  readonly forms: number[];
  /** DW_FORM_implicit_const values, parallel to `forms` (0 for other forms). */
  readonly consts: number[];
  /** When `fixed` is true the attributes occupy bytes + addrs*addrSize + offsets*offsetSize + refAddrs*refAddrSize. */
  readonly fixed: boolean;
  readonly bytes: number;
  readonly addrs: number;
  readonly offsets: number;
  readonly refAddrs: number;
}

// Codes are nearly always dense from 1, so an array lookup serves them; the
// rare huge code goes to a Map instead of a sparse giant array.
const DENSE_CODES = 1 << 16;

export class AbbrevTable {
  private readonly dense: (Abbrev | undefined)[] = [];
  private readonly sparse = new Map<number, Abbrev>();

  get(code: number): Abbrev | undefined {
    return code < DENSE_CODES ? this.dense[code] : this.sparse.get(code);
  }

  set(code: number, a: Abbrev): void {
    if (code < DENSE_CODES) this.dense[code] = a;
    else this.sparse.set(code, a);
  }
}

/** Parses the abbreviation table at `offset` of .debug_abbrev. */
export function parseAbbrevTable(buf: Buffer, offset: number): AbbrevTable {
  const r = new DwarfReader(buf, '.debug_abbrev', offset);
  if (offset >= buf.length) r.fail('abbreviation table offset out of range');
  const table = new AbbrevTable();
  // A table ends with code 0; tolerate one that runs exactly to the section end.
  while (r.left > 0) {
    const code = r.uleb();
    if (code === 0) break;
    const tag = r.uleb();
    const hasChildren = r.u8() !== 0;
    const attrs: number[] = [];
    const forms: number[] = [];
    const consts: number[] = [];
    let fixed = true;
    let bytes = 0;
    let addrs = 0;
    let offsets = 0;
    let refAddrs = 0;
    for (;;) {
      const at = r.uleb();
      const form = r.uleb();
      if (at === 0 && form === 0) break;
      attrs.push(at);
      forms.push(form);
      consts.push(form === FORM_IMPLICIT_CONST ? implicitConst(r) : 0);
      const sz = sizeClass(form);
      if (sz >= 0) bytes += sz;
      else if (sz === SZ_ADDR) addrs++;
      else if (sz === SZ_OFFSET) offsets++;
      else if (sz === SZ_REF_ADDR) refAddrs++;
      // Data-dependent size; an unknown form is only an error once a DIE uses it.
      else fixed = false;
    }
    table.set(code, { tag, hasChildren, attrs, forms, consts, fixed, bytes, addrs, offsets, refAddrs });
  }
  return table;
}

/**
 * An implicit_const value, or NaN when it does not fit in 2^53: such constants
 * are legitimate (enumerator values, bounds) but never an attribute this
 * project decodes, so they must not fail the table.
 */
function implicitConst(r: DwarfReader): number {
  const start = r.pos;
  skipLeb(r);
  if (r.pos - start > 7) return NaN; // 7 LEB bytes carry 49 bits: always safe
  r.pos = start;
  return r.sleb();
}

/** Skips a LEB128 without decoding it: skipped values may exceed 2^53 legitimately (enumerators, constants). */
function skipLeb(r: DwarfReader): void {
  const { buf, end } = r;
  let p = r.pos;
  while (p < end && buf[p] & 0x80) p++;
  if (p >= end) r.fail('truncated LEB128');
  r.pos = p + 1;
}

function skipCString(r: DwarfReader): void {
  const nul = r.buf.indexOf(0, r.pos);
  if (nul < 0 || nul >= r.end) r.fail('unterminated string');
  r.pos = nul + 1;
}

function offsetSize(u: UnitEncoding): number {
  return u.dwarf64 ? 8 : 4;
}

function refAddrSize(u: UnitEncoding): number {
  return u.version <= 2 ? u.addrSize : offsetSize(u);
}

/** Skips one attribute value of `form`. */
function skipForm(r: DwarfReader, form: number, u: UnitEncoding): void {
  // Each indirection consumes at least one byte, so a chain of them ends.
  while (form === FORM_INDIRECT) form = r.uleb();
  const sz = sizeClass(form);
  if (sz >= 0) return r.skip(sz);
  switch (sz) {
    case SZ_ADDR: return r.skip(u.addrSize);
    case SZ_OFFSET: return r.skip(offsetSize(u));
    case SZ_REF_ADDR: return r.skip(refAddrSize(u));
  }
  switch (form) {
    case FORM_STRING: return skipCString(r);
    case FORM_BLOCK1: return r.skip(r.u8());
    case FORM_BLOCK2: return r.skip(r.u16());
    case FORM_BLOCK4: return r.skip(r.u32());
    case FORM_BLOCK: case FORM_EXPRLOC: return r.skip(r.uleb());
    case FORM_SDATA: case FORM_UDATA: case FORM_REF_UDATA: case FORM_STRX: case FORM_ADDRX:
    case FORM_LOCLISTX: case FORM_RNGLISTX: case FORM_GNU_ADDR_INDEX: case FORM_GNU_STR_INDEX:
      return skipLeb(r);
  }
  r.fail(`unknown attribute form 0x${form.toString(16)}`);
}

/** Skips all attributes of a DIE whose abbreviation code has already been read. */
export function skipAttributes(r: DwarfReader, a: Abbrev, u: UnitEncoding): void {
  if (a.fixed) {
    r.skip(a.bytes + a.addrs * u.addrSize + a.offsets * offsetSize(u) + a.refAddrs * refAddrSize(u));
    return;
  }
  const forms = a.forms;
  for (let i = 0; i < forms.length; i++) skipForm(r, forms[i], u);
}

/**
 * Reads the raw value of one attribute of a known (non-indirect) form:
 * a number for every form (address, constant, offset, index, reference,
 * flag) except DW_FORM_string, which yields the string itself. Blocks,
 * expressions, data16 and signatures are skipped and read as 0: no attribute
 * this project decodes uses them.
 */
function readForm(r: DwarfReader, form: number, u: UnitEncoding, implicitConst: number): number | string {
  switch (form) {
    case FORM_ADDR: return r.uN(u.addrSize);
    case FORM_DATA1: case FORM_REF1: case FORM_FLAG: case FORM_STRX1: case FORM_ADDRX1: return r.u8();
    case FORM_DATA2: case FORM_REF2: case FORM_STRX2: case FORM_ADDRX2: return r.u16();
    case FORM_STRX3: case FORM_ADDRX3: return r.u24();
    case FORM_DATA4: case FORM_REF4: case FORM_STRX4: case FORM_ADDRX4: case FORM_REF_SUP4: return r.u32();
    case FORM_DATA8: case FORM_REF8: case FORM_REF_SUP8: return r.u64();
    case FORM_SDATA: return r.sleb();
    case FORM_UDATA: case FORM_REF_UDATA: case FORM_STRX: case FORM_ADDRX: case FORM_LOCLISTX:
    case FORM_RNGLISTX: case FORM_GNU_ADDR_INDEX: case FORM_GNU_STR_INDEX:
      return r.uleb();
    case FORM_STRING: return r.cstr();
    case FORM_STRP: case FORM_LINE_STRP: case FORM_SEC_OFFSET: case FORM_STRP_SUP:
    case FORM_GNU_REF_ALT: case FORM_GNU_STRP_ALT:
      return r.offset(u.dwarf64);
    case FORM_REF_ADDR: return r.uN(refAddrSize(u));
    case FORM_FLAG_PRESENT: return 1;
    case FORM_IMPLICIT_CONST: return implicitConst;
    default:
      skipForm(r, form, u);
      return 0;
  }
}

/**
 * The raw values of the attributes one caller cares about, for the DIE read
 * last. The caller numbers those attributes 1..n ("slots") and maps DW_AT_*
 * codes to them; all other attributes are skipped. One instance is reused for
 * every DIE, so reading allocates nothing but inline strings.
 */
export class AttrValues {
  private readonly form: Int32Array; // 0: attribute absent
  private readonly value: (number | string)[];

  constructor(private readonly slotOf: Uint8Array, slots: number) {
    this.form = new Int32Array(slots);
    this.value = new Array<number | string>(slots).fill(0);
  }

  read(r: DwarfReader, a: Abbrev, u: UnitEncoding): void {
    this.form.fill(0);
    const { attrs, forms, consts } = a;
    const slotOf = this.slotOf;
    for (let i = 0; i < attrs.length; i++) {
      const at = attrs[i];
      const slot = at < slotOf.length ? slotOf[at] : 0;
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

  has(slot: number): boolean {
    return this.form[slot] !== 0;
  }

  /** An address-class value (DW_FORM_addr, addrx*). */
  address(slot: number, u: FormUnit): number | undefined {
    const v = this.value[slot] as number;
    switch (this.form[slot]) {
      case FORM_ADDR:
        return v;
      case FORM_ADDRX: case FORM_ADDRX1: case FORM_ADDRX2: case FORM_ADDRX3: case FORM_ADDRX4: case FORM_GNU_ADDR_INDEX:
        return u.addrx(v);
      default:
        return undefined;
    }
  }

  /** An unsigned constant; as in LLVM, DW_FORM_sdata does not count as one. */
  constant(slot: number): number | undefined {
    const v = this.value[slot] as number;
    switch (this.form[slot]) {
      case FORM_DATA1: case FORM_DATA2: case FORM_DATA4: case FORM_DATA8: case FORM_UDATA:
        return v;
      case FORM_IMPLICIT_CONST:
        // Negative or oversized (NaN) implicit constants are no valid unsigned value.
        return v >= 0 ? v : undefined;
      default:
        return undefined;
    }
  }

  /** A flag (DW_FORM_flag, flag_present): true when present and set. */
  flag(slot: number): boolean {
    const f = this.form[slot];
    return f === FORM_FLAG_PRESENT || (f === FORM_FLAG && this.value[slot] !== 0);
  }

  /** A section offset; DWARF 2–3 used data4/data8 for these. */
  sectionOffset(slot: number): number | undefined {
    const f = this.form[slot];
    return f === FORM_SEC_OFFSET || f === FORM_DATA4 || f === FORM_DATA8 ? (this.value[slot] as number) : undefined;
  }

  /** A DW_FORM_rnglistx index. */
  rnglistx(slot: number): number | undefined {
    return this.form[slot] === FORM_RNGLISTX ? (this.value[slot] as number) : undefined;
  }

  /** undefined: absent; null: present but not resolvable here (no supplementary file, or not a string form). */
  string(slot: number, u: FormUnit): string | null | undefined {
    const v = this.value[slot];
    switch (this.form[slot]) {
      case 0:
        return undefined;
      case FORM_STRING:
        return v as string;
      case FORM_STRP:
        return u.strp(v as number);
      case FORM_LINE_STRP:
        return u.lineStrp(v as number);
      case FORM_STRX: case FORM_STRX1: case FORM_STRX2: case FORM_STRX3: case FORM_STRX4: case FORM_GNU_STR_INDEX:
        return u.strx(v as number);
      default:
        return null;
    }
  }

  /**
   * A reference as an absolute .debug_info offset; -1 when it cannot be
   * followed here (type signatures, dwz/supplementary files, a unit-relative
   * offset outside the unit); undefined when absent.
   */
  reference(slot: number, u: FormUnit): number | undefined {
    const v = this.value[slot] as number;
    switch (this.form[slot]) {
      case 0:
        return undefined;
      case FORM_REF1: case FORM_REF2: case FORM_REF4: case FORM_REF8: case FORM_REF_UDATA:
        return u.offset + v < u.end ? u.offset + v : -1;
      case FORM_REF_ADDR:
        return v;
      default:
        return -1;
    }
  }
}
