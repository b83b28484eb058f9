// LLGOFTB1, llgo's prebuilt function table (docs/llgo-format.md §4.2-§4.3):
// the writer that llgo's post-link step runs on executables, and the parser
// the on-disk reader adopts it with.

import fs from 'node:fs';
import { ElfFile, STT_FUNC } from '../elf';
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

interface Owner { addr: number; size: number; name: string }

/**
 * llgo's post-link rewrite (§4.2) of a non-PIE executable: entry-site records
 * deduplicated against .symtab and normalized to true entries, funcIndexes from
 * the symbol index found through the meta record, the blob written over the
 * entry section's prefix and the rest of the section zeroed. llgo also cuts the
 * zero tail from the file (§4.5); this writer leaves it, which changes no address.
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

  // Symbol index through the meta record.
  const meta = metaSymbolIndex(img, rows);
  if (!meta) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: no meta record in llgo_funcinfo_entry`);
  const { addr: idxAddr, count: idxCount } = meta;
  if (idxCount < 1 || idxCount > 1 << 20) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: symbol index count ${idxCount}`);
  const idx = img.bytes(idxAddr, idxCount * 16, 'symbol index');
  const funcOf = new Map<bigint, number>();
  for (let o = 0; o < idx.length; o += 16) funcOf.set(idx.readBigUInt64LE(o), idx.readUInt32LE(o + 8));

  // Function symbols inside .text, aliases collapsed, unsized ones run to the next.
  const textEnd = text.addr + text.size;
  const syms: Owner[] = elf.symbols()
    .filter((s) => s.type === STT_FUNC && s.value >= text.addr && s.value < textEnd)
    .map((s) => ({ addr: s.value, size: s.size, name: s.name }))
    .sort((a, b) => a.addr - b.addr)
    .filter((s, i, a) => i === 0 || a[i - 1].addr !== s.addr);
  syms.forEach((s, i) => { if (!s.size) s.size = (i + 1 < syms.length ? syms[i + 1].addr : textEnd) - s.addr; });
  const ownerOf = (pc: number): Owner | undefined => {
    const s = syms[countAtOrBelow(syms, pc, (x) => x.addr) - 1];
    return s && pc < s.addr + s.size ? s : undefined;
  };

  const kept = new Map<number, FtbRow>();
  for (const r of rows) {
    if (r.pc === 0 || r.id === 0n) continue;
    const owner = ownerOf(r.pc);
    if (!owner || symbolId(owner.name) !== r.id || kept.has(owner.addr)) continue; // inline copy or no symbol
    const func = funcOf.get(r.id);
    if (func === undefined) continue;
    kept.set(owner.addr, { entry: owner.addr, func });
  }
  const ftab = [...kept.values()].sort((a, b) => a.entry - b.entry);
  if (!ftab.length) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: no entry-site record survived`);
  const blob = encodePrebuilt(ftab, textEnd, sec.addr);
  if (blob.length > sec.size) throw new LlgiError('LLGI_LLGO_INVALID', `${where}: LLGOFTB1 needs ${blob.length} bytes, the entry section has ${sec.size}`);

  const buf = Buffer.from(elf.buf);
  buf.fill(0, sec.offset, sec.offset + sec.size);
  blob.copy(buf, sec.offset);
  const tmp = `${output}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, buf, { mode: fs.statSync(input).mode });
  fs.renameSync(tmp, output);
}
