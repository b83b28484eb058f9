// A bounds-checked little-endian cursor over one DWARF section. Every read
// checks the end first and throws LLGI_DWARF_CORRUPT naming the section and
// offset, so a truncated or hostile section can never read past its Buffer.
//
// Addresses and offsets are returned as JS numbers: values above 2^53 (which
// no real x86-64/aarch64 user-space address reaches) are rejected as corrupt.

import { LlgiError } from '../errors';

export class DwarfReader {
  readonly buf: Buffer;
  readonly section: string;
  pos: number;
  /** Exclusive end of the readable window (a unit's end, or the buffer's). */
  end: number;

  constructor(buf: Buffer, section: string, pos = 0, end = buf.length) {
    this.buf = buf;
    this.section = section;
    this.pos = pos;
    this.end = Math.min(end, buf.length);
  }

  fail(what: string, at = this.pos): never {
    throw new LlgiError('LLGI_DWARF_CORRUPT', `${this.section}: ${what} at offset 0x${at.toString(16)}`);
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) this.fail(`truncated (${n} bytes needed, ${this.end - this.pos} left)`);
  }

  get left(): number {
    return this.end - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    if (hi > 0x1fffff) {
      // Tombstones (all ones) are legal in DWARF: map to MAX_SAFE_INTEGER so
      // callers can recognise them without a bigint.
      if (hi === 0xffffffff) return Number.MAX_SAFE_INTEGER;
      this.fail('64-bit value above 2^53', this.pos - 8);
    }
    return hi * 0x100000000 + lo;
  }

  /** An unsigned value of `size` bytes (1, 2, 4 or 8). */
  uN(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
      default: return this.fail(`unsupported value size ${size}`);
    }
  }

  i8(): number {
    const v = this.u8();
    return v >= 0x80 ? v - 0x100 : v;
  }

  uleb(): number {
    let result = 0;
    let mul = 1;
    const start = this.pos;
    for (;;) {
      if (this.pos >= this.end) this.fail('truncated LEB128', start);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
      if (mul > 2 ** 63) this.fail('LEB128 too long', start);
    }
    if (result > Number.MAX_SAFE_INTEGER) this.fail('LEB128 value above 2^53', start);
    return result;
  }

  sleb(): number {
    let result = 0;
    let mul = 1;
    let b: number;
    const start = this.pos;
    for (;;) {
      if (this.pos >= this.end) this.fail('truncated LEB128', start);
      b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) break;
      if (mul > 2 ** 63) this.fail('LEB128 too long', start);
    }
    if (b & 0x40) result -= mul;
    if (!Number.isSafeInteger(result)) this.fail('LEB128 value out of range', start);
    return result;
  }

  /** NUL-terminated UTF-8 string. */
  cstr(): string {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) this.fail('unterminated string');
    const s = this.buf.toString('utf8', this.pos, nul);
    this.pos = nul + 1;
    return s;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /**
   * Reads an initial length field. Returns the unit length and whether the
   * unit uses the 64-bit DWARF format (offsets are then 8 bytes).
   */
  initialLength(): { length: number; dwarf64: boolean } {
    const l = this.u32();
    if (l === 0xffffffff) return { length: this.u64(), dwarf64: true };
    if (l >= 0xfffffff0) this.fail(`reserved initial length 0x${l.toString(16)}`, this.pos - 4);
    return { length: l, dwarf64: false };
  }

  /** A section offset: 4 bytes in 32-bit DWARF, 8 in 64-bit. */
  offset(dwarf64: boolean): number {
    return dwarf64 ? this.u64() : this.u32();
  }
}

/** NUL-terminated string at `off` in a string section (.debug_str, .debug_line_str). */
export function stringAt(buf: Buffer | undefined, off: number, section: string): string {
  if (!buf || off >= buf.length) throw new LlgiError('LLGI_DWARF_CORRUPT', `${section}: string offset 0x${off.toString(16)} out of range`);
  const nul = buf.indexOf(0, off);
  if (nul < 0) throw new LlgiError('LLGI_DWARF_CORRUPT', `${section}: unterminated string at 0x${off.toString(16)}`);
  return buf.toString('utf8', off, nul);
}

/**
 * The debug sections of one object, already decompressed. Absent sections are
 * undefined. Produced by elf.ts (`dwarfSections()`), consumed by the DWARF readers.
 */
export interface DwarfSections {
  info?: Buffer;
  abbrev?: Buffer;
  str?: Buffer;
  lineStr?: Buffer;
  strOffsets?: Buffer;
  line?: Buffer;
  ranges?: Buffer;
  rnglists?: Buffer;
  addr?: Buffer;
  aranges?: Buffer;
}
