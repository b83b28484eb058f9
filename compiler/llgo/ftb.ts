// LLGOFTB1, llgo's prebuilt function table (docs/llgo-format.md §4.2-§4.3):
// the writer that llgo's post-link step runs on executables, and the parser
// the on-disk reader adopts it with.

import fs from 'node:fs';
import { ElfFile, SHF_ALLOC, STT_FUNC } from '../elf';
import { LlgiError } from '../errors';
import { countAtOrBelow } from '../search';
import { symbolId } from './encode';
import { LinkImage, metaSymbolIndex } from './image';

export const LLGOFTB1 = 0x314254464f474c4cn;
export const FTB_HEADER = 32;
const BUCKET = 36;

export interface FtbRow {
  entry: number;
  /** 1-based funcIndex (0 only in the sentinel). */
  func: number;
}

/** Index of the last row with entry <= pc, clamped to >= 0. */
function lastLE(rows: FtbRow[], pc: number): number {
  return Math.max(countAtOrBelow(rows, pc, (r) => r.entry) - 1, 0);
}

/** The blob for rows sorted by entry (no sentinel) and the text end. */
export function encodePrebuilt(rows: FtbRow[], textEnd: number, linkSectAddr: number): Buffer {
  const base = rows[0].entry;
  const alignedBase = base - (base % 4096);
  const nb = Math.floor((rows[rows.length - 1].entry - alignedBase) / 4096) + 1;
  const count = rows.length + 1;
  const out = Buffer.alloc(FTB_HEADER + 8 * count + BUCKET * nb);
  out.writeBigUInt64LE(LLGOFTB1, 0);
  out.writeBigUInt64LE(BigInt(linkSectAddr), 8);
  out.writeBigUInt64LE(BigInt(base), 16);
  out.writeUInt32LE(count, 24);
  out.writeUInt32LE(nb, 28);
  [...rows, { entry: textEnd, func: 0 }].forEach((r, i) => {
    out.writeUInt32LE(r.entry - base, FTB_HEADER + 8 * i);
    out.writeUInt32LE(r.func, FTB_HEADER + 8 * i + 4);
  });
  for (let b = 0; b < nb; b++) {
    const start = alignedBase + 4096 * b;
    const idx = lastLE(rows, start);
    const o = FTB_HEADER + 8 * count + BUCKET * b;
    out.writeUInt32LE(idx, o);
    for (let s = 0; s < 16; s++) {
      const d = lastLE(rows, start + 256 * s) - idx;
      if (d < 0 || d > 0xffff) throw new LlgiError('LLGI_LLGO_INVALID', `bucket delta ${d} does not fit 16 bits`);
      out.writeUInt16LE(d, o + 4 + 2 * s);
    }
  }
  return out;
}

/** The parsed blob: rows including the sentinel. */
export interface Prebuilt {
  base: number;
  rows: FtbRow[];
  buckets: { idx: number; delta: number[] }[];
}

/** Parses and validates an LLGOFTB1 blob (section bytes); null when the magic is absent. */
export function parsePrebuilt(sec: Buffer, funcCount: number, where: string): Prebuilt | null {
  if (sec.length < FTB_HEADER || sec.readBigUInt64LE(0) !== LLGOFTB1) return null;
  const bad = (why: string) => new LlgiError('LLGI_LLGO_INVALID', `${where}: LLGOFTB1 ${why}`);
  const base = Number(sec.readBigUInt64LE(16));
  const count = sec.readUInt32LE(24);
  const nb = sec.readUInt32LE(28);
  if (count < 2 || count > 16 * funcCount + 1) throw bad(`row count ${count} outside 2..${16 * funcCount + 1}`);
  if (FTB_HEADER + 8 * count + BUCKET * nb > sec.length) throw bad(`rows and buckets (${count}, ${nb}) run past the section (${sec.length} bytes)`);
  const rows: FtbRow[] = [];
  for (let i = 0; i < count; i++) {
    const entry = base + sec.readUInt32LE(FTB_HEADER + 8 * i);
    const func = sec.readUInt32LE(FTB_HEADER + 8 * i + 4);
    if (i === 0 ? entry !== base : entry <= rows[i - 1].entry) throw bad(`row ${i} is not above row ${i - 1}`);
    if (i < count - 1 ? func < 1 || func > funcCount : func !== 0) throw bad(`row ${i} has funcIndex ${func}`);
    rows.push({ entry, func });
  }
  const buckets: Prebuilt['buckets'] = [];
  const real = rows.slice(0, -1);
  const alignedBase = base - (base % 4096);
  for (let b = 0; b < nb; b++) {
    const o = FTB_HEADER + 8 * count + BUCKET * b;
    const idx = sec.readUInt32LE(o);
    const delta = [...Array(16).keys()].map((s) => sec.readUInt16LE(o + 4 + 2 * s));
    // The index must be exact: lookups trust it to narrow the search.
    const start = alignedBase + 4096 * b;
    if (idx !== lastLE(real, start) || delta.some((d, s) => idx + d !== lastLE(real, start + 256 * s))) throw bad(`bucket ${b} disagrees with the rows`);
    buckets.push({ idx, delta });
  }
  return { base, rows, buckets };
}

export interface Owner { addr: number; size: number; name: string }

/**
 * llgo's text symbols (pclnpost binary.go): STT_FUNC symbols of .symtab inside
 * .text, sorted by address, same-address aliases collapsed (first kept),
 * unsized ones running to the next symbol (the last one to the text end).
 */
export function textOwners(elf: ElfFile, text: { addr: number; size: number }): (pc: number) => Owner | undefined {
  const textEnd = text.addr + text.size;
  const syms: Owner[] = elf.symbols()
    .filter((s) => s.type === STT_FUNC && s.value >= text.addr && s.value < textEnd)
    .map((s) => ({ addr: s.value, size: s.size, name: s.name }))
    .sort((a, b) => a.addr - b.addr)
    .filter((s, i, a) => i === 0 || a[i - 1].addr !== s.addr);
  syms.forEach((s, i) => { if (!s.size) s.size = (i + 1 < syms.length ? syms[i + 1].addr : textEnd) - s.addr; });
  return (pc: number): Owner | undefined => {
    const s = syms[countAtOrBelow(syms, pc, (x) => x.addr) - 1];
    return s && pc < s.addr + s.size ? s : undefined;
  };
}

/**
 * llgo's dedupe (§4.2 step 5): the record whose owner symbol hashes to its
 * symbol ID, once per owner, normalized to the owner's start. Records without
 * an owner and inline copies are dropped.
 */
export function dedupeEntries(rows: { pc: number; id: bigint }[], ownerOf: (pc: number) => Owner | undefined): { pc: number; id: bigint }[] {
  const seen = new Set<number>();
  const kept: { pc: number; id: bigint }[] = [];
  for (const r of rows) {
    if (r.pc === 0 || r.id === 0n) continue;
    const owner = ownerOf(r.pc);
    if (!owner || symbolId(owner.name) !== r.id || seen.has(owner.addr)) continue;
    seen.add(owner.addr);
    kept.push({ pc: owner.addr, id: r.id });
  }
  return kept;
}

const SHT_NOBITS = 8;
const PT_LOAD = 1;

/**
 * llgo's ELF carrier compaction (pclnpost compact.go, §4.5) on a staged copy:
 * sh_size of llgo_funcinfo_entry becomes `used`; the file-backed tail of the
 * carrier PT_LOAD after the payload is removed, rounded down to the largest
 * alignment (at least 8) of the sections that follow it in the file; p_filesz
 * shrinks, later section offsets and e_shoff move, a NOBITS section inside
 * the cut moves to the cut start, p_memsz and every address stay. The bytes
 * between the payload's end and the cut start stay as they were (stale site
 * rows), as llgo leaves them. Refuses, as llgo does, an entry section outside
 * a PT_LOAD, an allocated section after the payload in the carrier, a program
 * header after the carrier, and overlaps with the cut range.
 */
export function compactEntryCarrier(raw: Buffer, used: number, where: string): { out: Buffer; removed: number } {
  const bad = (why: string) => new LlgiError('LLGI_LLGO_INVALID', `${where}: carrier compaction: ${why}`);
  if (raw.length < 64 || raw.readUInt32BE(0) !== 0x7f454c46 || raw[4] !== 2 || raw[5] !== 1) throw bad('not a little-endian ELF64 image');
  const u64 = (o: number) => Number(raw.readBigUInt64LE(o));
  const phoff = u64(32), shoff = u64(40);
  const phentsz = raw.readUInt16LE(54), phnum = raw.readUInt16LE(56);
  const shentsz = raw.readUInt16LE(58), shnum = raw.readUInt16LE(60), shstrndx = raw.readUInt16LE(62);
  if (!phnum || phentsz < 56 || phoff + phnum * phentsz > raw.length) throw bad('no valid program header table');
  if (!shnum || shentsz < 64 || shstrndx >= shnum || shoff + shnum * shentsz > raw.length) throw bad('no valid section header table');
  const strHdr = shoff + shstrndx * shentsz;
  const strOff = u64(strHdr + 24), strSize = u64(strHdr + 32);
  if (strOff + strSize > raw.length) throw bad('section-name table outside the file');
  const nameAt = (o: number) => (o < strSize ? raw.toString('latin1', strOff + o, raw.indexOf(0, strOff + o)) : '');
  const secs = Array.from({ length: shnum }, (_, i) => {
    const h = shoff + i * shentsz;
    return { name: nameAt(raw.readUInt32LE(h)), header: h, type: raw.readUInt32LE(h + 4), flags: u64(h + 8), addr: u64(h + 16), offset: u64(h + 24), size: u64(h + 32), align: u64(h + 48) };
  });
  for (const s of secs) if (s.type !== SHT_NOBITS && s.size && s.offset + s.size > raw.length) throw bad(`section ${s.name} has an invalid file range`);
  const progs = Array.from({ length: phnum }, (_, i) => {
    const h = phoff + i * phentsz;
    return { header: h, type: raw.readUInt32LE(h), offset: u64(h + 8), vaddr: u64(h + 16), filesz: u64(h + 32), memsz: u64(h + 40) };
  });
  for (const p of progs) if (p.filesz && p.offset + p.filesz > raw.length) throw bad(`program header type ${p.type} has an invalid file range`);
  const entry = [...secs].reverse().find((s) => s.name === 'llgo_funcinfo_entry');
  if (!entry) throw bad('no llgo_funcinfo_entry section');
  if (used > entry.size) throw bad(`payload ${used} is larger than the entry section (${entry.size})`);
  const carrier = progs.find((p) => p.type === PT_LOAD && p.filesz && entry.offset >= p.offset && entry.offset + entry.size <= p.offset + p.filesz);
  if (!carrier) throw bad('the entry section is not in a PT_LOAD');
  const oldEnd = carrier.offset + carrier.filesz;
  const lastUsed = entry.offset + used;
  for (const s of secs) {
    if (s.type === SHT_NOBITS || !s.size || s.name === entry.name) continue;
    if (s.flags & SHF_ALLOC && s.offset < oldEnd && s.offset + s.size > lastUsed) throw bad(`allocated section ${s.name} follows the payload in the carrier PT_LOAD`);
  }
  if (carrier.vaddr + carrier.memsz < entry.addr + entry.size) throw bad('the carrier\'s memory does not cover the entry section');
  for (const p of progs) {
    if (p.header !== carrier.header && p.offset !== 0 && p.offset >= oldEnd) throw bad(`program header type ${p.type} follows the carrier`);
  }
  let cutAlign = 8;
  for (const s of secs) {
    if (s.offset < oldEnd || s.align <= cutAlign) continue;
    if (s.align & (s.align - 1)) throw bad(`section ${s.name} has invalid alignment ${s.align}`);
    cutAlign = s.align;
  }
  const removed = (oldEnd - lastUsed) - ((oldEnd - lastUsed) % cutAlign);
  const cutStart = oldEnd - removed;
  const out = raw;
  out.writeBigUInt64LE(BigInt(used), entry.header + 32);
  if (removed === 0) return { out, removed };
  out.writeBigUInt64LE(BigInt(carrier.filesz - removed), carrier.header + 32);
  for (const p of progs) {
    if (p.header !== carrier.header && p.filesz && p.offset < oldEnd && p.offset + p.filesz > cutStart) throw bad(`program header type ${p.type} overlaps the cut`);
  }
  for (const s of secs) {
    if (s.name === entry.name) continue;
    if (s.offset >= oldEnd) out.writeBigUInt64LE(BigInt(s.offset - removed), s.header + 24);
    else if (s.type === SHT_NOBITS && s.offset >= cutStart) out.writeBigUInt64LE(BigInt(cutStart), s.header + 24);
    else if (s.type !== SHT_NOBITS && s.size && s.offset + s.size > cutStart) throw bad(`section ${s.name} overlaps the cut`);
  }
  if (shoff >= oldEnd) out.writeBigUInt64LE(BigInt(shoff - removed), 40);
  else if (shoff >= cutStart) throw bad('the section headers overlap the cut');
  return { out: Buffer.concat([out.subarray(0, cutStart), out.subarray(oldEnd)]), removed };
}

/** Writes `buf` as `output` through a temporary file and a rename, with `input`'s mode. */
export function replaceAtomically(input: string, output: string, buf: Buffer): void {
  const tmp = `${output}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, buf, { mode: fs.statSync(input).mode });
    fs.renameSync(tmp, output);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * llgo's post-link rewrite (§4.2) of a non-PIE executable, as pclnpost
 * Rewrite does it: entry-site records deduplicated against .symtab and
 * normalized to true entries, funcIndexes from the symbol index found through
 * the meta record, the LLGOFTB1 blob written over the entry section's prefix,
 * then the carrier compacted (§4.5, compactEntryCarrier): the section is cut
 * to the blob's length in the file, its tail becomes zero-fill memory, and
 * no address changes. The result is re-read (magic check) before it is
 * renamed over `output`; any failure leaves no output.
 */
export function writePrebuilt(input: string, output: string): void {
  const elf = ElfFile.open(input);
  const where = input;
  const img = new LinkImage(elf);
  const sec = elf.section('llgo_funcinfo_entry');
  const text = elf.section('.text');
  if (!sec || !text) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: no llgo_funcinfo_entry or .text section`);
  const data = elf.sectionData(sec);
  if (data.length >= 8 && data.readBigUInt64LE(0) === LLGOFTB1) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: already rewritten`);
  const rows = img.siteRows(sec.addr, sec.size, 'entry-site section');
  if (!rows.some((r) => r.pc !== 0 && r.id !== 0n)) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: no entry records`);
  const kept = dedupeEntries(rows, textOwners(elf, text));
  if (!kept.length) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: no records survived dedup`);

  // Symbol index through the meta record.
  const meta = metaSymbolIndex(img, rows);
  if (!meta) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: no meta record in llgo_funcinfo_entry`);
  const { addr: idxAddr, count: idxCount } = meta;
  if (idxCount < 1 || idxCount > 1 << 20) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: symbol index count ${idxCount}`);
  const idx = img.bytes(idxAddr, idxCount * 16, 'symbol index');
  const funcOf = new Map<bigint, number>();
  for (let o = 0; o < idx.length; o += 16) funcOf.set(idx.readBigUInt64LE(o), idx.readUInt32LE(o + 8));

  // Sorted by pc; duplicate pcs and IDs missing from the index dropped (writeBack).
  const ftab: FtbRow[] = [];
  for (const r of [...kept].sort((a, b) => a.pc - b.pc)) {
    if (ftab.length && ftab[ftab.length - 1].entry === r.pc) continue;
    const func = funcOf.get(r.id);
    if (func !== undefined) ftab.push({ entry: r.pc, func });
  }
  if (!ftab.length) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: no resolvable entries`);
  const blob = encodePrebuilt(ftab, text.addr + text.size, sec.addr);
  if (blob.length > sec.size) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: LLGOFTB1 needs ${blob.length} bytes, the entry section has ${sec.size}`);

  const staged = Buffer.from(elf.buf);
  blob.copy(staged, sec.offset);
  const { out, removed } = compactEntryCarrier(staged, blob.length, where);
  // llgo's verify step: the staged image shrank (when cut) and re-reads with the magic.
  const check = new ElfFile(out, output);
  const cut = check.section('llgo_funcinfo_entry');
  if ((removed && out.length >= elf.buf.length) || !cut || cut.size !== blob.length || check.sectionData(cut).readBigUInt64LE(0) !== LLGOFTB1) {
    throw new LlgiError('LLGI_LLGO_INVALID', `${where}: the compacted image does not re-read with LLGOFTB1`);
  }
  replaceAtomically(input, output, out);
}
