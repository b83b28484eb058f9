// Address-valued DWARF data outside .debug_info: the address pool
// (.debug_addr, for DW_FORM_addrx), DWARF 2–4 range lists (.debug_ranges),
// DWARF 5 range lists (.debug_rnglists) and the .debug_aranges index.
//
// Every range is half-open [lo, hi). Empty ranges and ranges of code the
// linker discarded (tombstones) are dropped here, once, so no consumer has to
// know the tombstone conventions.

import { LlgiError } from '../errors';
import { DwarfReader, DwarfSections } from './reader';

export type Range = [lo: number, hi: number];

/** What a range list needs from the unit that refers to it. */
export interface RangeUnit {
  readonly version: number;
  readonly addrSize: number;
  readonly dwarf64: boolean;
  /** The unit's base address (its DW_AT_low_pc, 0 when absent). */
  readonly lowPc: number;
  readonly addrBase: number;
  readonly rnglistsBase: number;
}

/**
 * Start addresses at or above this are tombstones. Linkers write all-ones
 * (lld: all-ones minus one in .debug_ranges, where all-ones selects a base);
 * DwarfReader maps every 8-byte value whose top word is all-ones to
 * MAX_SAFE_INTEGER, which covers both.
 */
function tombstoneFloor(addrSize: number): number {
  return addrSize >= 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * addrSize) - 2;
}

/** Whether [lo, hi) is worth keeping: not empty, not inverted, not a tombstone. */
export function validRange(lo: number, hi: number, addrSize: number): boolean {
  return hi > lo && lo < tombstoneFloor(addrSize);
}

function pushRange(out: Range[], lo: number, hi: number, addrSize: number): void {
  if (validRange(lo, hi, addrSize)) out.push([lo, hi]);
}

// DW_RLE_* entry kinds of .debug_rnglists.
const RLE_END_OF_LIST = 0;
const RLE_BASE_ADDRESSX = 1;
const RLE_STARTX_ENDX = 2;
const RLE_STARTX_LENGTH = 3;
const RLE_OFFSET_PAIR = 4;
const RLE_BASE_ADDRESS = 5;
const RLE_START_END = 6;
const RLE_START_LENGTH = 7;

/** Reads range lists and pooled addresses for the units of one object. */
export class RangeReader {
  // One reader per section, repositioned for each lookup: lookups happen once
  // per DIE, so allocating a reader each time would dominate.
  private readonly addrR?: DwarfReader;
  private readonly rangesR?: DwarfReader;
  private readonly rnglistsR?: DwarfReader;
  // Lists are collected here and copied out at their exact size: a list grown
  // by push keeps spare capacity, which hundreds of thousands of DIEs multiply.
  private readonly scratch: Range[] = [];

  constructor(s: DwarfSections) {
    if (s.addr) this.addrR = new DwarfReader(s.addr, '.debug_addr');
    if (s.ranges) this.rangesR = new DwarfReader(s.ranges, '.debug_ranges');
    if (s.rnglists) this.rnglistsR = new DwarfReader(s.rnglists, '.debug_rnglists');
  }

  /** Entry `index` of the unit's slice of the address pool (DW_FORM_addrx, DW_RLE_*x). */
  addr(u: RangeUnit, index: number): number {
    const r = at(this.addrR, '.debug_addr', u.addrBase + index * u.addrSize);
    return r.uN(u.addrSize);
  }

  /** The list DW_AT_ranges points at with a section offset. */
  list(u: RangeUnit, offset: number): Range[] {
    return u.version >= 5 ? this.rnglist(u, offset) : this.rangeList(u, offset);
  }

  /** The list DW_AT_ranges names with DW_FORM_rnglistx: an index into the offset table at rnglists_base. */
  listByIndex(u: RangeUnit, index: number): Range[] {
    const r = at(this.rnglistsR, '.debug_rnglists', u.rnglistsBase + index * (u.dwarf64 ? 8 : 4));
    return this.rnglist(u, u.rnglistsBase + r.offset(u.dwarf64));
  }

  // DWARF 2–4: (start, end) pairs relative to the base address, an all-ones
  // start selecting a new base, (0, 0) ending the list.
  private rangeList(u: RangeUnit, offset: number): Range[] {
    const r = at(this.rangesR, '.debug_ranges', offset);
    const size = u.addrSize;
    const out = this.scratch;
    out.length = 0;
    let base = u.lowPc;
    for (;;) {
      const entry = r.pos;
      const lo = r.uN(size);
      const hi = r.uN(size);
      if (lo === 0 && hi === 0) return out.slice();
      if (allOnes(r.buf, entry, size)) base = hi;
      else pushRange(out, base + lo, base + hi, size);
    }
  }

  private rnglist(u: RangeUnit, offset: number): Range[] {
    const r = at(this.rnglistsR, '.debug_rnglists', offset);
    const size = u.addrSize;
    const out = this.scratch;
    out.length = 0;
    let base = u.lowPc;
    for (;;) {
      const kind = r.u8();
      switch (kind) {
        case RLE_END_OF_LIST:
          return out.slice();
        case RLE_BASE_ADDRESSX:
          base = this.addr(u, r.uleb());
          break;
        case RLE_STARTX_ENDX: {
          const lo = this.addr(u, r.uleb());
          pushRange(out, lo, this.addr(u, r.uleb()), size);
          break;
        }
        case RLE_STARTX_LENGTH: {
          const lo = this.addr(u, r.uleb());
          pushRange(out, lo, lo + r.uleb(), size);
          break;
        }
        case RLE_OFFSET_PAIR: {
          const lo = offsetFromBase(r);
          pushRange(out, base + lo, base + offsetFromBase(r), size);
          break;
        }
        case RLE_BASE_ADDRESS:
          base = r.uN(size);
          break;
        case RLE_START_END: {
          const lo = r.uN(size);
          pushRange(out, lo, r.uN(size), size);
          break;
        }
        case RLE_START_LENGTH: {
          const lo = r.uN(size);
          pushRange(out, lo, lo + r.uleb(), size);
          break;
        }
        default:
          r.fail(`unknown range list entry kind 0x${kind.toString(16)}`, r.pos - 1);
      }
    }
  }
}

/**
 * A DW_RLE_offset_pair operand. Producers rely on 64-bit wrap-around: Go
 * encodes an address below the base as the ULEB128 of (addr - base) mod 2^64,
 * so a 10-byte value is read as a signed 64-bit offset.
 */
function offsetFromBase(r: DwarfReader): number {
  const start = r.pos;
  const { buf, end } = r;
  let p = start;
  while (p < end && buf[p] & 0x80) p++;
  // Up to 7 bytes (49 bits) the plain reader is exact.
  if (p - start < 7) return r.uleb();
  if (p >= end) r.fail('truncated LEB128');
  let v = 0n;
  for (let i = p; i >= start; i--) v = (v << 7n) | BigInt(buf[i] & 0x7f);
  const signed = BigInt.asIntN(64, v);
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) r.fail('range offset out of range', start);
  r.pos = p + 1;
  return Number(signed);
}

function at(r: DwarfReader | undefined, section: string, offset: number): DwarfReader {
  if (!r) throw new LlgiError('LLGI_DWARF_CORRUPT', `${section}: section missing, needed for offset 0x${offset.toString(16)}`);
  if (offset > r.buf.length) r.fail('offset out of range', offset);
  r.pos = offset;
  return r;
}

// DwarfReader cannot tell all-ones from other 8-byte tombstones (both become
// MAX_SAFE_INTEGER), so base-address selection entries are recognised from the bytes.
function allOnes(buf: Buffer, pos: number, size: number): boolean {
  for (let i = 0; i < size; i++) if (buf[pos + i] !== 0xff) return false;
  return true;
}

/** One set of .debug_aranges: the address ranges of the unit at `cuOffset` in .debug_info. */
export interface ArangeSet {
  cuOffset: number;
  ranges: Range[];
}

export function readAranges(s: DwarfSections): ArangeSet[] {
  const buf = s.aranges;
  if (!buf) return [];
  const r = new DwarfReader(buf, '.debug_aranges');
  const sets: ArangeSet[] = [];
  while (r.left > 0) {
    const start = r.pos;
    const { length, dwarf64 } = r.initialLength();
    if (length > r.left) r.fail('set length past section end', start);
    const set = new DwarfReader(buf, '.debug_aranges', r.pos, r.pos + length);
    r.pos += length;
    const version = set.u16();
    if (version !== 2) set.fail(`unsupported version ${version}`, start);
    const cuOffset = set.offset(dwarf64);
    const addrSize = set.u8();
    const segSize = set.u8();
    if (addrSize !== 1 && addrSize !== 2 && addrSize !== 4 && addrSize !== 8) set.fail(`bad address size ${addrSize}`, start);
    // Tuples start at a multiple of the tuple size, counted from the set's start.
    const tuple = segSize + 2 * addrSize;
    set.skip((tuple - ((set.pos - start) % tuple)) % tuple);
    const ranges: Range[] = [];
    while (set.left >= tuple) {
      set.skip(segSize);
      const lo = set.uN(addrSize);
      const len = set.uN(addrSize);
      if (lo === 0 && len === 0) break;
      pushRange(ranges, lo, lo + len, addrSize);
    }
    sets.push({ cuOffset, ranges });
  }
  return sets;
}
