// The writer side of LLGOPCL1 (docs/llgo-format.md §10), for the fixture
// generator: what `llgo build -pclntab=external` does after linking, in
// llgo's order. Analysis (pclnpost external.go AnalyzeExternal): image base,
// text range, identity = SHA-256 of the linked file, entry sites deduplicated
// and normalized to true entries, pcline sites with their owner symbol. The
// join filter (internal/build pclntab_external.go): entry sites whose ID is
// in the symbol index, one per pc; pcline sites whose owner's funcIndex is the
// pcline record's. Encoding (internal/pclnmap Encode). Detachment
// (DetachExternal): both site sections zeroed in the file, the identity
// written into llgo_pclntab_id. The reader is sidecar.ts.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { ElfFile } from '../elf';
import { LlgiError } from '../errors';
import { PCLINE_RECORD_SIZE, fnv1a64, symbolId, type EncodedTables } from './encode';
import { LLGOFTB1, dedupeEntries, replaceAtomically, textOwners } from './ftb';
import { LinkImage } from './image';
import { LLGOPCL1, SIDECAR_ABI_VERSION, SIDECAR_HEADER, SIDECAR_SECTIONS, SIDECAR_VERSION } from './sidecar';

const GOOS = { linux: 1, darwin: 2 } as const;
const GOARCH = { x86_64: 1, aarch64: 2 } as const;

/** One site as the sidecar stores it: pc - image base, and a symbol or pcline ID. */
export interface SidecarSite { off: number; id: bigint }

/** pclnmap.Data: the payload of one sidecar. */
export interface SidecarData {
  machine: 'x86_64' | 'aarch64';
  goos?: 'linux' | 'darwin';
  imageBase: number;
  /** Link-time addresses. */
  textStart: number;
  textEnd: number;
  identity: Buffer;
  tables: EncodedTables;
  entrySites: SidecarSite[];
  pcSites: SidecarSite[];
}

function sitesBytes(sites: SidecarSite[]): Buffer {
  const b = Buffer.alloc(16 * sites.length);
  sites.forEach((s, i) => {
    b.writeBigUInt64LE(BigInt(s.off), 16 * i);
    b.writeBigUInt64LE(s.id, 16 * i + 8);
  });
  return b;
}

/** pclnmap.Encode: the 256-byte header, 8 descriptors, each array at its alignment, FNV-1a 64 of [256, end). */
export function encodeSidecar(d: SidecarData): Buffer {
  if (d.textStart < d.imageBase || d.textEnd <= d.textStart) throw new LlgiError('LLGI_LLGO_INVALID', `invalid text range [0x${d.textStart.toString(16)}, 0x${d.textEnd.toString(16)}) for image base 0x${d.imageBase.toString(16)}`);
  if (d.identity.length !== 32) throw new LlgiError('LLGI_BAD_ARGUMENT', 'the identity is a 32-byte SHA-256');
  const t = d.tables;
  const offsets = Buffer.alloc(4 * t.strings.offsets.length);
  t.strings.offsets.forEach((o, i) => offsets.writeUInt32LE(o, 4 * i));
  const hash = t.hash ? Buffer.from(t.hash.buffer, t.hash.byteOffset, t.hash.byteLength) : Buffer.alloc(0);
  const payloads = [t.records, t.pcline, t.strings.pool, offsets, hash, t.symbolIndex, sitesBytes(d.entrySites), sitesBytes(d.pcSites)];
  const placed: { off: number; count: number }[] = [];
  let off = SIDECAR_HEADER;
  SIDECAR_SECTIONS.forEach(({ elem, align }, i) => {
    off = Math.ceil(off / align) * align;
    placed.push({ off, count: payloads[i].length / elem });
    off += payloads[i].length;
  });
  const out = Buffer.alloc(off);
  out.write(LLGOPCL1, 0, 'latin1');
  out.writeUInt32LE(SIDECAR_VERSION, 8);
  out.writeUInt32LE(SIDECAR_HEADER, 12);
  out[16] = 8;
  out[17] = 1;
  out[18] = GOOS[d.goos ?? 'linux'];
  out[19] = GOARCH[d.machine];
  out.writeUInt32LE(SIDECAR_ABI_VERSION, 20);
  out.writeBigUInt64LE(BigInt(out.length), 24);
  out.writeBigUInt64LE(BigInt(d.imageBase), 40);
  out.writeBigUInt64LE(BigInt(d.textStart - d.imageBase), 48);
  out.writeBigUInt64LE(BigInt(d.textEnd - d.imageBase), 56);
  d.identity.copy(out, 64);
  placed.forEach((p, i) => {
    out.writeBigUInt64LE(BigInt(p.off), 96 + 16 * i);
    out.writeBigUInt64LE(BigInt(p.count), 104 + 16 * i);
    payloads[i].copy(out, p.off);
  });
  out.writeBigUInt64LE(fnv1a64(out.subarray(SIDECAR_HEADER)), 32);
  return out;
}

const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What llgo's -pclntab=external post-link step does to a linked non-PIE
 * executable `input` whose image carries no tables (only zeroed ABI globals,
 * the site sections and the llgo_pclntab_id slot): writes the sidecar
 * `sidecarOut` encoded from `tables`, and the detached executable `exeOut`.
 * Returns the sidecar's data.
 */
export function writeExternal(input: string, exeOut: string, sidecarOut: string, tables: EncodedTables): SidecarData {
  const elf = ElfFile.open(input);
  const where = input;
  const bad = (why: string) => new LlgiError('LLGI_LLGO_INVALID', `${where}: external pclntab: ${why}`);
  const raw = elf.buf;
  const loads = elf.segments.filter((p) => p.type === 1 && p.filesz !== 0);
  if (!loads.length) throw bad('no file-backed PT_LOAD');
  const imageBase = Math.min(...loads.map((p) => p.vaddr));
  const text = elf.section('.text');
  const entrySec = elf.section('llgo_funcinfo_entry');
  const pclineSec = elf.section('llgo_pcline');
  const idSec = elf.section('llgo_pclntab_id');
  if (!text || text.size === 0) throw bad('missing or invalid text range');
  if (imageBase > text.addr) throw bad(`image base 0x${imageBase.toString(16)} is above text start 0x${text.addr.toString(16)}`);
  const textStart = text.addr;
  const textEnd = text.addr + text.size;
  if (!entrySec) throw bad('no entry records');
  const img = new LinkImage(elf);
  const entryBytes = elf.sectionData(entrySec);
  if (entryBytes.length >= 8 && entryBytes.readBigUInt64LE(0) === LLGOFTB1) throw bad('entry sites have already been rewritten');

  // AnalyzeExternal.
  const rows = (sec: typeof entrySec | undefined, what: string) => (sec && sec.size ? img.siteRows(sec.addr, sec.size, what) : [])
    .filter((r) => r.pc !== 0 && r.id !== 0n);
  const entries = rows(entrySec, 'entry-site section');
  if (!entries.length) throw bad('no entry records');
  const ownerOf = textOwners(elf, text);
  const kept = dedupeEntries(entries, ownerOf);
  if (!kept.length) throw bad('no records survived dedup');
  const identity = createHash('sha256').update(raw).digest();
  const inText = (pc: number) => pc >= textStart && pc < textEnd && pc >= imageBase;
  const entrySites: SidecarSite[] = kept.filter((r) => inText(r.pc)).map((r) => ({ off: r.pc - imageBase, id: r.id }))
    .sort((a, b) => a.off - b.off || cmpBig(a.id, b.id))
    .filter((s, i, a) => i === 0 || s.off !== a[i - 1].off || s.id !== a[i - 1].id);
  const pcAll = rows(pclineSec, 'pcline-site section').flatMap((r) => {
    const owner = inText(r.pc) ? ownerOf(r.pc) : undefined;
    return owner ? [{ off: r.pc - imageBase, id: r.id, owner: owner.name }] : [];
  }).sort((a, b) => a.off - b.off || cmpBig(a.id, b.id) || Buffer.compare(Buffer.from(a.owner), Buffer.from(b.owner)))
    .filter((s, i, a) => i === 0 || s.off !== a[i - 1].off || s.id !== a[i - 1].id || s.owner !== a[i - 1].owner);

  // filterExternalPCLNJoins.
  const symbols = new Map<bigint, number>();
  for (let o = 0; o < tables.symbolIndex.length; o += 16) symbols.set(tables.symbolIndex.readBigUInt64LE(o), tables.symbolIndex.readUInt32LE(o + 8));
  const joinedEntries: SidecarSite[] = [];
  for (const s of entrySites) {
    if (symbols.get(s.id) && (!joinedEntries.length || s.off !== joinedEntries[joinedEntries.length - 1].off)) joinedEntries.push(s);
  }
  if (!joinedEntries.length) throw bad('no entry sites joined to funcinfo');
  const pclineFunc = new Map<bigint, number>();
  for (let o = 0; o < tables.pcline.length; o += PCLINE_RECORD_SIZE) pclineFunc.set(tables.pcline.readBigUInt64LE(o), tables.pcline.readUInt32LE(o + 8));
  const pcSites = pcAll.filter((s) => {
    const fi = pclineFunc.get(s.id);
    return !!fi && symbols.get(symbolId(s.owner)) === fi;
  }).map(({ off, id }) => ({ off, id }));

  const data: SidecarData = { machine: elf.machine, imageBase, textStart, textEnd, identity, tables, entrySites: joinedEntries, pcSites };
  const sidecar = encodeSidecar(data);

  // DetachExternal, on the unmodified file.
  if (!createHash('sha256').update(fs.readFileSync(input)).digest().equals(identity)) throw bad('binary identity mismatch: executable changed after analysis');
  if (!idSec || idSec.size !== 32) throw bad(`pclntab identity section has size ${idSec?.size ?? 0}, want 32`);
  if (idSec.offset === 0 || idSec.type === 8) throw bad('pclntab identity section is not file-backed');
  if (entrySec.size === 0) throw bad('missing entry-site section');
  const ranges: [string, number, number][] = [];
  for (const [name, s] of [['entry-site', entrySec], ['pcline-site', pclineSec]] as const) {
    if (!s || !s.size) continue;
    if (s.offset === 0) throw bad(`${name} section is not file-backed`);
    ranges.push([name, s.offset, s.offset + s.size]);
  }
  for (const [name, start, end] of ranges) {
    if (start < idSec.offset + 32 && idSec.offset < end) throw bad(`pclntab identity section overlaps ${name} section`);
  }
  const detached = Buffer.from(raw);
  for (const [, start, end] of ranges) detached.fill(0, start, end);
  identity.copy(detached, idSec.offset);

  // Sidecar staged first, the executable replaced, then the sidecar published.
  const tmp = `${sidecarOut}.${process.pid}.tmp`;
  fs.rmSync(sidecarOut, { force: true });
  try {
    fs.writeFileSync(tmp, sidecar, { mode: 0o644 });
    replaceAtomically(input, exeOut, detached);
    fs.renameSync(tmp, sidecarOut);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return data;
}
