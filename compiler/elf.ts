// ELF64 little-endian reader for x86-64 and aarch64 objects. Everything the
// symbolizer needs (sections, segments, symbols, build id, debug sections) is
// decoded from one Buffer with explicit bounds checks, so a truncated or
// hostile file always ends in a typed LlgiError rather than a RangeError.

import * as fs from 'fs';
import { constants as bufferConstants } from 'buffer';
import { LlgiError } from './errors';
import type { DwarfSections } from './dwarf/reader';

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  visibility: number;
  /** Section index, with SHN_XINDEX already resolved through SHT_SYMTAB_SHNDX. */
  shndx: number;
}

const SHT_NULL = 0;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
const SHT_DYNSYM = 11;
const SHT_SYMTAB_SHNDX = 18;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
const SHF_COMPRESSED = 0x800;
/** Symbol types (STT_*) and bindings (STB_*) callers select on. */
export const STT_NOTYPE = 0;
export const STT_FUNC = 2;
export const STT_FILE = 4;
export const STT_GNU_IFUNC = 10;
export const STB_LOCAL = 0;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
const PT_LOAD = 1;
const PT_NOTE = 4;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const SHN_XINDEX = 0xffff;
const PN_XNUM = 0xffff;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;
const NT_GNU_BUILD_ID = 3;

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SYM_SIZE = 24;
const CHDR_SIZE = 24;

const ELF_TYPES: Record<number, ElfFile['type'] | undefined> = { 1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE' };

/**
 * The ELF header checks every reader starts with: magic, class, data
 * encoding, then (with a complete header) machine and type. `fileSize` is
 * the file's length, `buf` its first bytes.
 */
function identify(buf: Buffer, name: string, fileSize: number): { machine: ElfFile['machine']; type: ElfFile['type'] } {
  if (buf.length < 4 || buf.readUInt32BE(0) !== 0x7f454c46) {
    throw new LlgiError('LLGI_NOT_ELF', `${name}: not an ELF file (no \\x7fELF magic)`);
  }
  // Class and data encoding come first so a 32-bit or big-endian file is
  // reported as such even when shorter than an ELF64 header.
  if (buf.length > 4 && buf[4] !== 2) {
    const what = buf[4] === 1 ? '32-bit ELF (ELFCLASS32)' : `ELF class ${buf[4]}`;
    throw new LlgiError('LLGI_ELF_UNSUPPORTED', `${name}: ${what} is not supported, only ELFCLASS64`);
  }
  if (buf.length > 5 && buf[5] !== 1) {
    const what = buf[5] === 2 ? 'big-endian ELF (ELFDATA2MSB)' : `ELF data encoding ${buf[5]}`;
    throw new LlgiError('LLGI_ELF_UNSUPPORTED', `${name}: ${what} is not supported, only little-endian`);
  }
  if (buf.length < EHDR_SIZE) {
    throw new LlgiError('LLGI_ELF_TRUNCATED',
      `${name}: ELF header at offset 0x0 (0x${EHDR_SIZE.toString(16)} bytes) extends past the end of the file (0x${fileSize.toString(16)} bytes)`);
  }
  const em = buf.readUInt16LE(18);
  let machine: ElfFile['machine'];
  if (em === EM_X86_64) machine = 'x86_64';
  else if (em === EM_AARCH64) machine = 'aarch64';
  else throw new LlgiError('LLGI_ELF_UNSUPPORTED', `${name}: e_machine ${em} is not supported (only x86-64 and aarch64)`);
  const etype = buf.readUInt16LE(16);
  const type = ELF_TYPES[etype];
  if (!type) throw new LlgiError('LLGI_ELF_UNSUPPORTED', `${name}: e_type ${etype} is not supported (REL, EXEC, DYN or CORE)`);
  return { machine, type };
}

/**
 * Whether the section headers name .debug_info (or .zdebug_info), from the
 * section header table and its string table alone; undefined when they are
 * absent or inconsistent (open() reports those).
 */
/**
 * The notes in a note container's bytes (notes padded to `align`: 4, or 8
 * for some segments), up to the first one that does not fit. Lenient, for
 * memory and cores: ElfFile.notes() is the checking reader of files.
 */
export function parseNotes(buf: Buffer, align = 4): { type: number; name: string; desc: Buffer }[] {
  // Arithmetic, not bit masks: a damaged size above 2^31 must not wrap negative.
  const pad = (n: number) => (align === 8 ? Math.ceil(n / 8) * 8 : Math.ceil(n / 4) * 4);
  const out: { type: number; name: string; desc: Buffer }[] = [];
  for (let at = 0; at + 12 <= buf.length;) {
    const namesz = buf.readUInt32LE(at);
    const descsz = buf.readUInt32LE(at + 4);
    const desc = at + 12 + pad(namesz);
    if (desc + descsz > buf.length) break;
    out.push({ type: buf.readUInt32LE(at + 8), name: buf.toString('latin1', at + 12, at + 12 + namesz), desc: buf.subarray(desc, desc + descsz) });
    at = desc + pad(descsz);
  }
  return out;
}

/** The GNU build-id in a note container's bytes, as hex; null when absent. */
export function noteBuildId(buf: Buffer, align: number): string | null {
  const n = parseNotes(buf, align).find((x) => x.type === NT_GNU_BUILD_ID && x.name === 'GNU\0');
  return n ? n.desc.toString('hex') : null;
}

/** Whether the section headers describe a .debug_info; undefined when they cannot be read. */
function probeDwarf(head: Buffer, read: (off: number, len: number) => Buffer, size: number): { hasDwarf: boolean } | undefined {
  const shoff = Number(head.readBigUInt64LE(40));
  const shentsize = head.readUInt16LE(58);
  const shnum = head.readUInt16LE(60);
  const shstrndx = head.readUInt16LE(62);
  if (!shoff || shentsize !== 64 || !shnum || shstrndx >= shnum || shoff + shnum * 64 > size) return undefined;
  const sh = read(shoff, shnum * 64);
  if (sh.length !== shnum * 64) return undefined;
  const strOff = Number(sh.readBigUInt64LE(shstrndx * 64 + 24));
  const strSize = Number(sh.readBigUInt64LE(shstrndx * 64 + 32));
  if (strOff + strSize > size || strSize > 1 << 24) return undefined;
  const names = read(strOff, strSize);
  let hasDwarf = false;
  for (let i = 0; i < shnum; i++) {
    const n = sh.readUInt32LE(i * 64);
    if (n >= names.length) continue;
    const name = names.toString('latin1', n, Math.max(n, names.indexOf(0, n)));
    if (name === '.debug_info' || name === '.zdebug_info') hasDwarf = true;
  }
  return { hasDwarf };
}

/** A symbol table's bytes with its string table and SHT_SYMTAB_SHNDX companion (ElfFile.symbolTable). */
export interface SymbolTableBytes {
  tab: ElfSection;
  strtab: ElfSection;
  where: string;
  count: number;
  syms: Buffer;
  strs: Buffer;
  xindex?: Buffer;
}

export class ElfFile {
  readonly name: string;
  readonly buf: Buffer;
  readonly machine: 'x86_64' | 'aarch64';
  readonly type: 'REL' | 'EXEC' | 'DYN' | 'CORE';
  readonly entry: number;
  readonly sections: ElfSection[];
  readonly segments: ElfSegment[];

  private readonly byName = new Map<string, ElfSection>();
  private readonly decompressed = new Map<number, Buffer>();
  private symtabCache?: ElfSymbol[];
  private dynsymCache?: ElfSymbol[];

  static open(path: string): ElfFile {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(path);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new LlgiError('LLGI_IO', `${path}: cannot read file (${why})`, { cause: e });
    }
    return new ElfFile(buf, path);
  }

  /**
   * Reads only the ELF header and the program headers (not the whole file):
   * the typed errors of open() for a file that is not a usable ELF64 at all
   * (LLGI_IO, LLGI_NOT_ELF, LLGI_ELF_UNSUPPORTED), and LLGI_ELF_TRUNCATED
   * when a loadable segment extends past the end of the file (mapping it
   * would fault). Enough to hand a file to dlopen safely; sections, symbols
   * and DWARF are checked only by open().
   */
  static probe(path: string): {
    machine: ElfFile['machine']; type: ElfFile['type']; hasDwarf?: boolean; buildId?: string | null; linkBias?: bigint;
  } {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new LlgiError('LLGI_IO', `${path}: cannot read file (${why})`, { cause: e });
    }
    try {
      const read = (off: number, len: number): Buffer => {
        const b = Buffer.alloc(len);
        return b.subarray(0, fs.readSync(fd, b, 0, len, off));
      };
      let size: number;
      let head: Buffer;
      try {
        size = fs.fstatSync(fd).size;
        head = read(0, EHDR_SIZE);
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        throw new LlgiError('LLGI_IO', `${path}: cannot read file (${why})`, { cause: e });
      }
      const id = identify(head, path, size);
      const phoff = Number(head.readBigUInt64LE(32));
      const phentsize = head.readUInt16LE(54);
      const phnum = head.readUInt16LE(56);
      if (phnum === 0 || phnum === PN_XNUM) return id;
      if (phentsize !== PHDR_SIZE) throw new LlgiError('LLGI_ELF_CORRUPT', `${path}: e_phentsize is ${phentsize}, expected ${PHDR_SIZE}`);
      const truncated = (what: string, off: number, len: number) =>
        new LlgiError('LLGI_ELF_TRUNCATED', `${path}: ${what} at offset 0x${off.toString(16)} (0x${len.toString(16)} bytes) extends past the end of the file (0x${size.toString(16)} bytes)`);
      if (phoff + phnum * PHDR_SIZE > size) throw truncated(`program header table (${phnum} entries)`, phoff, phnum * PHDR_SIZE);
      const ph = read(phoff, phnum * PHDR_SIZE);
      // The first PT_LOAD's vaddr - offset (an offset from the file's first mapped byte plus it is a link-time
      // address), and the GNU build-id from the PT_NOTE segments.
      let linkBias: bigint | undefined;
      let buildId: string | null = null;
      for (let i = 0; i < phnum; i++) {
        const o = i * PHDR_SIZE;
        const type = ph.readUInt32LE(o);
        const off = Number(ph.readBigUInt64LE(o + 8));
        const filesz = Number(ph.readBigUInt64LE(o + 32));
        if (type === PT_LOAD && off + filesz > size) throw truncated(`segment ${i} data`, off, filesz);
        if (type === PT_LOAD && linkBias === undefined) linkBias = ph.readBigUInt64LE(o + 16) - BigInt(off);
        if (type === PT_NOTE && buildId === null && filesz <= 1 << 16 && off + filesz <= size) buildId = noteBuildId(read(off, filesz), Number(ph.readBigUInt64LE(o + 48)));
      }
      return { ...id, ...probeDwarf(head, read, size), buildId, linkBias: linkBias ?? 0n };
    } finally {
      fs.closeSync(fd);
    }
  }

  constructor(buf: Buffer, name = '<buffer>') {
    this.name = name;
    this.buf = buf;

    const { machine, type } = identify(buf, name, buf.length);
    this.machine = machine;
    this.type = type;
    this.entry = this.u64(24, 'e_entry');

    this.sections = this.readSections();
    for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    this.segments = this.readSegments();
  }

  section(name: string): ElfSection | undefined {
    const s = this.byName.get(name);
    if (s || !name.startsWith('.debug_')) return s;
    // Legacy GNU compression renames .debug_x to .zdebug_x.
    return this.byName.get('.zdebug_' + name.slice('.debug_'.length));
  }

  sectionData(sec: ElfSection): Buffer {
    // NOBITS has no file bytes; section 0's size may hold the extended section count.
    if (sec.type === SHT_NOBITS || sec.type === SHT_NULL) return Buffer.alloc(0);
    const raw = this.buf.subarray(sec.offset, sec.offset + sec.size);
    const compressed = (sec.flags & SHF_COMPRESSED) !== 0;
    if (!compressed && !sec.name.startsWith('.zdebug_')) return raw;
    const cached = this.decompressed.get(sec.index);
    if (cached) return cached;
    const out = compressed ? this.inflateChdr(sec, raw) : this.inflateZdebug(sec, raw);
    this.decompressed.set(sec.index, out);
    return out;
  }

  symbols(): ElfSymbol[] {
    return (this.symtabCache ??= this.readSymbols(SHT_SYMTAB));
  }

  dynamicSymbols(): ElfSymbol[] {
    return (this.dynsymCache ??= this.readSymbols(SHT_DYNSYM));
  }

  buildId(): string | null {
    for (const s of this.sections) {
      if (s.type !== SHT_NOTE) continue;
      const id = this.findBuildId(s.offset, s.size, s.addralign, `section ${this.describe(s)}`);
      if (id !== null) return id;
    }
    for (const [i, p] of this.segments.entries()) {
      if (p.type !== PT_NOTE) continue;
      const id = this.findBuildId(p.offset, p.filesz, p.align, `PT_NOTE segment ${i}`);
      if (id !== null) return id;
    }
    return null;
  }

  dwarfSections(): DwarfSections {
    const data = (name: string): Buffer | undefined => {
      const s = this.section(name);
      return s && this.sectionData(s);
    };
    return {
      info: data('.debug_info'),
      abbrev: data('.debug_abbrev'),
      str: data('.debug_str'),
      lineStr: data('.debug_line_str'),
      strOffsets: data('.debug_str_offsets'),
      line: data('.debug_line'),
      ranges: data('.debug_ranges'),
      rnglists: data('.debug_rnglists'),
      addr: data('.debug_addr'),
      aranges: data('.debug_aranges'),
    };
  }

  executableRanges(): { start: number; end: number; name: string }[] {
    const exec = SHF_ALLOC | SHF_EXECINSTR;
    return this.sections
      .filter((s) => (s.flags & exec) === exec && s.size > 0)
      .map((s) => ({ start: s.addr, end: s.addr + s.size, name: s.name }))
      .sort((a, b) => a.start - b.start);
  }

  // ---- headers ----------------------------------------------------------

  private readSections(): ElfSection[] {
    const b = this.buf;
    const shoff = this.u64(40, 'e_shoff');
    const shentsize = b.readUInt16LE(58);
    let shnum = b.readUInt16LE(60);
    let shstrndx = b.readUInt16LE(62);
    if (shoff === 0) {
      if (shnum !== 0) this.corrupt(`e_shnum is ${shnum} but e_shoff is 0`);
      return [];
    }
    if (shentsize !== SHDR_SIZE) this.corrupt(`e_shentsize is ${shentsize}, expected ${SHDR_SIZE}`);

    // Extended numbering: counts that do not fit 16 bits live in section 0.
    this.need(shoff, SHDR_SIZE, 'section header 0');
    if (shnum === 0) shnum = this.u64(shoff + 32, 'section 0 sh_size (e_shnum)');
    if (shstrndx === SHN_XINDEX) shstrndx = b.readUInt32LE(shoff + 40);
    if (shnum === 0) return [];
    this.need(shoff, shnum * SHDR_SIZE, `section header table (${shnum} entries)`);

    const headers: ElfSection[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * SHDR_SIZE;
      const what = `section header ${i}`;
      headers.push({
        index: i,
        name: '',
        type: b.readUInt32LE(o + 4),
        flags: this.u64(o + 8, `${what} sh_flags`),
        addr: this.u64(o + 16, `${what} sh_addr`),
        offset: this.u64(o + 24, `${what} sh_offset`),
        size: this.u64(o + 32, `${what} sh_size`),
        link: b.readUInt32LE(o + 40),
        info: b.readUInt32LE(o + 44),
        addralign: this.u64(o + 48, `${what} sh_addralign`),
        entsize: this.u64(o + 56, `${what} sh_entsize`),
      });
    }
    // Section 0 carries extended counts in its size/link, not file data.
    for (const s of headers.slice(1)) {
      if (s.type !== SHT_NOBITS && s.type !== SHT_NULL) this.need(s.offset, s.size, `section ${s.index} data`);
    }

    if (shstrndx !== 0) {
      if (shstrndx >= shnum) this.corrupt(`e_shstrndx ${shstrndx} is out of range (${shnum} sections)`);
      const strtab = headers[shstrndx];
      if (strtab.type !== SHT_STRTAB) this.corrupt(`e_shstrndx ${shstrndx} is not a string table (sh_type ${strtab.type})`);
      for (const s of headers) {
        s.name = this.stringAt(strtab, b.readUInt32LE(shoff + s.index * SHDR_SIZE), `name of section ${s.index}`);
      }
    }
    return headers;
  }

  private readSegments(): ElfSegment[] {
    const b = this.buf;
    const phoff = this.u64(32, 'e_phoff');
    const phentsize = b.readUInt16LE(54);
    let phnum = b.readUInt16LE(56);
    if (phnum === PN_XNUM) {
      if (this.sections.length === 0) this.corrupt('e_phnum is PN_XNUM but there is no section 0');
      phnum = this.sections[0].info;
    }
    if (phnum === 0) return [];
    if (phentsize !== PHDR_SIZE) this.corrupt(`e_phentsize is ${phentsize}, expected ${PHDR_SIZE}`);
    this.need(phoff, phnum * PHDR_SIZE, `program header table (${phnum} entries)`);

    const segments: ElfSegment[] = [];
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * PHDR_SIZE;
      const what = `program header ${i}`;
      const seg: ElfSegment = {
        type: b.readUInt32LE(o),
        flags: b.readUInt32LE(o + 4),
        offset: this.u64(o + 8, `${what} p_offset`),
        vaddr: this.u64(o + 16, `${what} p_vaddr`),
        filesz: this.u64(o + 32, `${what} p_filesz`),
        memsz: this.u64(o + 40, `${what} p_memsz`),
        align: this.u64(o + 48, `${what} p_align`),
      };
      this.need(seg.offset, seg.filesz, `segment ${i} data`);
      segments.push(seg);
    }
    return segments;
  }

  // ---- symbols ----------------------------------------------------------

  /** All entries of the first table of `type`, including the null symbol 0, so array index = symbol index. */
  /**
   * The raw function symbol table the table builder reads: .symtab, or
   * .dynsym when there is no (or an empty) .symtab; its headers checked.
   * undefined when there is neither.
   */
  symbolTable(): SymbolTableBytes | undefined {
    for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
      const t = this.symbolTableOf(type);
      if (t && t.syms.length) return t;
    }
    return undefined;
  }

  private symbolTableOf(type: number): SymbolTableBytes | undefined {
    const tab = this.sections.find((s) => s.type === type);
    if (!tab) return undefined;
    const where = `symbol table ${this.describe(tab)}`;
    if (tab.entsize !== SYM_SIZE) this.corrupt(`${where} has sh_entsize ${tab.entsize}, expected ${SYM_SIZE}`);
    if (tab.size % SYM_SIZE !== 0) this.corrupt(`${where} size 0x${tab.size.toString(16)} is not a multiple of ${SYM_SIZE}`);
    const strtab = this.sections[tab.link];
    if (!strtab || strtab.type !== SHT_STRTAB) this.corrupt(`${where} sh_link ${tab.link} is not a string table`);
    const count = tab.size / SYM_SIZE;
    return {
      tab, strtab, where, count, xindex: this.symtabShndx(tab, count),
      syms: this.buf.subarray(tab.offset, tab.offset + tab.size),
      strs: this.buf.subarray(strtab.offset, strtab.offset + strtab.size),
    };
  }

  private readSymbols(type: number): ElfSymbol[] {
    const t = this.symbolTableOf(type);
    if (!t) return [];
    const syms: ElfSymbol[] = [];
    for (let i = 0; i < t.count; i++) syms.push(this.symbolAt(t, i));
    return syms;
  }

  /**
   * The symbols of .dynsym, then .symtab, whose names start with `prefix`
   * (ASCII), in table order. Only those names are decoded: a large binary's
   * symbol tables hold hundreds of thousands of others.
   */
  symbolsWithPrefix(prefix: string): ElfSymbol[] {
    const want = Buffer.from(prefix, 'latin1');
    const b = this.buf;
    const out: ElfSymbol[] = [];
    for (const type of [SHT_DYNSYM, SHT_SYMTAB]) {
      const t = this.symbolTableOf(type);
      if (!t) continue;
      const base = t.strtab.offset;
      const limit = t.strtab.size - want.length;
      for (let i = 0; i < t.count; i++) {
        const off = b.readUInt32LE(t.tab.offset + i * SYM_SIZE);
        if (off > limit || b[base + off] !== want[0] || b.compare(want, 0, want.length, base + off, base + off + want.length) !== 0) continue;
        out.push(this.symbolAt(t, i));
      }
    }
    return out;
  }

  private symbolAt(t: SymbolTableBytes, i: number): ElfSymbol {
    const { tab, strtab, where, xindex } = t;
    const b = this.buf;
    const o = tab.offset + i * SYM_SIZE;
    const info = b[o + 4];
    const shndx = b.readUInt16LE(o + 6);
    if (shndx === SHN_XINDEX && !xindex) this.corrupt(`symbol ${i} in ${where} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX section`);
    return {
      name: this.stringAt(strtab, b.readUInt32LE(o), `name of symbol ${i} in ${where}`),
      value: this.u64(o + 8, `symbol ${i} st_value in ${where}`),
      size: this.u64(o + 16, `symbol ${i} st_size in ${where}`),
      type: info & 0xf,
      bind: info >> 4,
      visibility: b[o + 5] & 3,
      shndx: shndx === SHN_XINDEX && xindex ? xindex.readUInt32LE(i * 4) : shndx,
    };
  }

  /** The SHT_SYMTAB_SHNDX companion of a symbol table (32-bit section index per symbol), if any. */
  private symtabShndx(tab: ElfSection, count: number): Buffer | undefined {
    const x = this.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === tab.index);
    if (!x) return undefined;
    if (x.size < count * 4) this.corrupt(`SHT_SYMTAB_SHNDX ${this.describe(x)} is shorter than ${count} entries`);
    return this.buf.subarray(x.offset, x.offset + x.size);
  }

  // ---- notes ------------------------------------------------------------

  /**
   * The notes of a note container (a PT_NOTE segment or SHT_NOTE section) at
   * file offset `off`: names with their NUL, descriptors as file offsets.
   * LLGI_ELF_CORRUPT when a note overruns the container.
   */
  notes(off: number, size: number, align: number, where: string): { name: string; type: number; desc: number; descsz: number }[] {
    // Name and descriptor start at `pad`-aligned offsets from the note start:
    // 4 normally, 8 in 8-aligned containers (e.g. .note.gnu.property).
    const pad = align === 8 ? 8 : 4;
    const up = (n: number) => Math.ceil(n / pad) * pad;
    const end = off + size;
    const b = this.buf;
    const out: { name: string; type: number; desc: number; descsz: number }[] = [];
    let p = off;
    while (p + 12 <= end) {
      const namesz = b.readUInt32LE(p);
      const descsz = b.readUInt32LE(p + 4);
      const type = b.readUInt32LE(p + 8);
      const desc = p + up(12 + namesz);
      if (desc + descsz > end) this.corrupt(`note at file offset 0x${p.toString(16)} in ${where} overruns its container`);
      out.push({ name: b.toString('latin1', p + 12, p + 12 + namesz), type, desc, descsz });
      p = desc + up(descsz);
    }
    return out;
  }

  private findBuildId(off: number, size: number, align: number, where: string): string | null {
    const n = this.notes(off, size, align, where).find((x) => x.type === NT_GNU_BUILD_ID && x.name === 'GNU\0');
    return n ? this.buf.toString('hex', n.desc, n.desc + n.descsz) : null;
  }

  // ---- compression ------------------------------------------------------

  private inflateChdr(sec: ElfSection, raw: Buffer): Buffer {
    const where = `compressed section ${this.describe(sec)}`;
    if (raw.length < CHDR_SIZE) this.corrupt(`${where} is smaller than its Elf64_Chdr`);
    const chType = raw.readUInt32LE(0);
    const hi = raw.readUInt32LE(12);
    if (hi !== 0) this.corrupt(`${where} claims an uncompressed size above 4 GiB`);
    const size = raw.readUInt32LE(8);
    if (chType === ELFCOMPRESS_ZSTD) throw new LlgiError('LLGI_ELF_UNSUPPORTED', `${this.name}: ${where} uses ELFCOMPRESS_ZSTD, only zlib is supported`);
    if (chType !== ELFCOMPRESS_ZLIB) this.corrupt(`${where} has unknown ch_type ${chType}`);
    return this.inflate(raw.subarray(CHDR_SIZE), size, where);
  }

  private inflateZdebug(sec: ElfSection, raw: Buffer): Buffer {
    const where = `GNU-compressed section ${this.describe(sec)}`;
    if (raw.length < 12 || raw.toString('latin1', 0, 4) !== 'ZLIB') this.corrupt(`${where} lacks its "ZLIB" header`);
    if (raw.readUInt32BE(4) !== 0) this.corrupt(`${where} claims an uncompressed size above 4 GiB`);
    return this.inflate(raw.subarray(12), raw.readUInt32BE(8), where);
  }

  private inflate(data: Buffer, size: number, where: string): Buffer {
    if (size > bufferConstants.MAX_LENGTH) this.corrupt(`${where} uncompressed size ${size} is too large`);
    let out: Buffer;
    try {
      // The bound makes a lying header fail fast instead of exhausting memory.
      // Required here: most binaries have no compressed section, and loading zlib costs a short-lived command 3 ms.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const zlib = require('node:zlib') as typeof import('node:zlib');
      out = zlib.inflateSync(data, { maxOutputLength: Math.max(size, 1) });
    } catch (e) {
      throw new LlgiError('LLGI_ELF_CORRUPT', `${this.name}: ${where}: inflate failed (${(e as Error).message})`, { cause: e });
    }
    if (out.length !== size) this.corrupt(`${where} inflated to ${out.length} bytes, header says ${size}`);
    return out;
  }

  // ---- bounds-checked primitives -----------------------------------------

  /** u64 at a file offset the caller has already bounds-checked; rejects values above 2^53. */
  private u64(off: number, what: string): number {
    const lo = this.buf.readUInt32LE(off);
    const hi = this.buf.readUInt32LE(off + 4);
    if (hi > 0x1fffff) this.corrupt(`${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is above 2^53`);
    return hi * 0x100000000 + lo;
  }

  private need(off: number, len: number, what: string): void {
    if (off + len > this.buf.length) {
      throw new LlgiError(
        'LLGI_ELF_TRUNCATED',
        `${this.name}: ${what} at offset 0x${off.toString(16)} (0x${len.toString(16)} bytes) extends past the end of the file (0x${this.buf.length.toString(16)} bytes)`,
      );
    }
  }

  private stringAt(strtab: ElfSection, off: number, what: string): string {
    if (off >= strtab.size) this.corrupt(`${what}: offset 0x${off.toString(16)} is outside ${this.describe(strtab)} (0x${strtab.size.toString(16)} bytes)`);
    const start = strtab.offset + off;
    const end = strtab.offset + strtab.size;
    const nul = this.buf.indexOf(0, start);
    if (nul < 0 || nul >= end) this.corrupt(`${what}: string at offset 0x${off.toString(16)} in ${this.describe(strtab)} is not NUL-terminated`);
    return this.buf.toString('utf8', start, nul);
  }

  private describe(s: ElfSection): string {
    return s.name ? `[${s.index}] ${s.name}` : `[${s.index}]`;
  }

  private corrupt(what: string): never {
    throw new LlgiError('LLGI_ELF_CORRUPT', `${this.name}: ${what}`);
  }
}
