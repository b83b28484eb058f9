// The link-time memory image of an ELF file: bytes at virtual addresses
// (through PT_LOAD segments, zero-fill past the file part) with the dynamic
// RELATIVE relocations applied. A shared object's pointer slots read 0 in the
// file; their link-time values are the relocations' addends
// (docs/llgo-format.md §3.3), so reading llgo's pointer globals needs both.

import { LlgiError } from '../errors';
import type { ElfFile } from '../elf';
import { LLGOMET1 } from './encode';

const PT_LOAD = 1;
const SHT_RELA = 4;
const R_X86_64_RELATIVE = 8;
const R_AARCH64_RELATIVE = 1027;

export class LinkImage {
  private relative?: Map<number, bigint>;

  constructor(readonly elf: ElfFile) {}

  private relocs(): Map<number, bigint> {
    if (this.relative) return this.relative;
    const rel = new Map<number, bigint>();
    const type = this.elf.machine === 'x86_64' ? R_X86_64_RELATIVE : R_AARCH64_RELATIVE;
    for (const s of this.elf.sections) {
      if (s.type !== SHT_RELA || s.entsize !== 24) continue;
      const d = this.elf.sectionData(s);
      for (let o = 0; o + 24 <= d.length; o += 24) {
        if (Number(d.readBigUInt64LE(o + 8) & 0xffffffffn) !== type) continue;
        rel.set(Number(d.readBigUInt64LE(o)), d.readBigInt64LE(o + 16));
      }
    }
    return (this.relative = rel);
  }

  /** The file offset of link-time address `addr`, when a PT_LOAD holds it in its file part. */
  fileOffset(addr: number): number | undefined {
    const p = this.elf.segments.find((s) => s.type === PT_LOAD && addr >= s.vaddr && addr < s.vaddr + s.filesz);
    return p && p.offset + (addr - p.vaddr);
  }

  /** `len` bytes at link-time address `addr` (a copy, relocations not applied), or throws LLGI_LLGO_INVALID. */
  bytes(addr: number, len: number, what: string): Buffer {
    for (const p of this.elf.segments) {
      if (p.type !== PT_LOAD || addr < p.vaddr || addr + len > p.vaddr + p.memsz) continue;
      const out = Buffer.alloc(len);
      const inFile = Math.max(0, Math.min(len, p.vaddr + p.filesz - addr));
      if (inFile > 0) {
        const off = this.fileOffset(addr)!;
        if (off + inFile > this.elf.buf.length) break;
        this.elf.buf.copy(out, 0, off, off + inFile);
      }
      return out;
    }
    throw new LlgiError('LLGI_LLGO_INVALID', `${this.elf.name}: ${what} (0x${addr.toString(16)}, ${len} bytes) is not inside a loadable segment`);
  }

  /** The NUL-terminated string at `addr` (it must end inside its segment's file bytes). */
  cstring(addr: number, what: string): string {
    for (const p of this.elf.segments) {
      if (p.type !== PT_LOAD || addr < p.vaddr || addr >= p.vaddr + p.filesz) continue;
      const start = p.offset + (addr - p.vaddr);
      const end = Math.min(p.offset + p.filesz, this.elf.buf.length);
      const z = this.elf.buf.indexOf(0, start);
      if (z < 0 || z >= end) break;
      return this.elf.buf.toString('utf8', start, z);
    }
    throw new LlgiError('LLGI_LLGO_INVALID', `${this.elf.name}: ${what} at 0x${addr.toString(16)} is not a NUL-terminated string in a loadable segment`);
  }

  /** The pointer-sized word at `addr` as the loader leaves it (RELATIVE addend when relocated). */
  word(addr: number, what: string): bigint {
    const r = this.relocs().get(addr);
    const raw = this.bytes(addr, 8, what).readBigUInt64LE(0);
    return r === undefined ? raw : BigInt.asUintN(64, r);
  }

  /** 16-byte site rows `{ptr pc, u64 id}` of `len` bytes at `addr`, pc fields relocated. */
  siteRows(addr: number, len: number, what: string): { pc: number; id: bigint }[] {
    const d = this.bytes(addr, len, what);
    const rel = this.relocs();
    const rows: { pc: number; id: bigint }[] = [];
    for (let o = 0; o + 16 <= len; o += 16) {
      const r = rel.get(addr + o);
      rows.push({ pc: Number(r ?? d.readBigUInt64LE(o)), id: d.readBigUInt64LE(o + 8) });
    }
    return rows;
  }
}

/**
 * The symbol index named by the meta record among entry-site rows (§3.3:
 * `{0, LLGOMET1}` followed by the addresses of the index's pointer and count
 * globals), or undefined when there is no meta record.
 */
export function metaSymbolIndex(img: LinkImage, rows: { pc: number; id: bigint }[]): { addr: number; count: number } | undefined {
  const meta = rows.findIndex((r, i) => r.pc === 0 && r.id === LLGOMET1 && i + 2 < rows.length);
  if (meta < 0) return undefined;
  return {
    addr: Number(img.word(rows[meta + 1].pc, 'symbol index pointer')),
    count: Number(img.word(rows[meta + 2].pc, 'symbol index count')),
  };
}
