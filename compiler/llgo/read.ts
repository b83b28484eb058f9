// Reads llgo's function tables from a binary on disk (llgo-contract.md §2-§5):
// the funcinfo records through the ABI globals (.symtab, or .dynsym of a
// shared object), the entry sites (raw records, or the LLGOFTB1 prebuilt table
// of an executable) and the statement (pcline) sites. Every count, string ID,
// offset and ordering is checked before use (§2.7, §12.5): inconsistent tables
// are refused with LLGI_LLGO_INVALID, never half-read.

import type { ElfFile, ElfSymbol } from '../elf';
import { LlgiError } from '../errors';
import { FUNCINFO_RECORD_SIZE, PCLINE_RECORD_SIZE, SITE_RECORD_SIZE, joinQualified, symbolId } from './encode';
import { parsePrebuilt } from './ftb';
import { LinkImage, metaSymbolIndex } from './image';
import { publicName } from './names';

export interface LlgoFunc {
  /** Linker symbol (join of the symbol parts). */
  symbol: string;
  /** What llgo prints (§8.3 public name of the stored display name). */
  name: string;
  file: string;
  line: number;
}

export interface LlgoSite {
  pc: number;
  /** 0-based index into LlgoTables.funcs. */
  func: number;
}

export interface LlgoLineSite extends LlgoSite {
  /** The statement's file and line ("" / 0 inherit the function's, §5.2). */
  file: string;
  line: number;
}

export interface LlgoTables {
  funcs: LlgoFunc[];
  /** Entry sites (anchor pcs, or true entries from LLGOFTB1), in section order. */
  entries: LlgoSite[];
  lines: LlgoLineSite[];
  /** True when the entries came from an LLGOFTB1 prebuilt table. */
  prebuilt: boolean;
  /** Text end recorded by the LLGOFTB1 sentinel. */
  textEnd?: number;
  fpChain: boolean;
}

const LIMIT = 1 << 20;
const ENTRY_SECTION = 'llgo_funcinfo_entry';
const PCLINE_SECTION = 'llgo_pcline';

function globals(elf: ElfFile): Map<string, ElfSymbol> {
  const m = new Map<string, ElfSymbol>();
  for (const s of [...elf.dynamicSymbols(), ...elf.symbols()]) {
    if (s.name.startsWith('__llgo_') && s.shndx !== 0 && !m.has(s.name)) m.set(s.name, s);
  }
  return m;
}

function carriesLlgo(elf: ElfFile, g: Map<string, ElfSymbol>): boolean {
  return !!elf.section(ENTRY_SECTION) || g.has('__llgo_funcinfo_table');
}

/** True when the binary carries llgo's funcinfo ABI globals or site sections. */
export function isLlgoBinary(elf: ElfFile): boolean {
  return carriesLlgo(elf, globals(elf));
}

/** llgo's tables, or null for a binary without them (or with an empty table). */
export function readLlgoTables(elf: ElfFile): LlgoTables | null {
  const g = globals(elf);
  if (!carriesLlgo(elf, g)) return null;
  const where = `${elf.name}: llgo tables`;
  const bad = (why: string) => new LlgiError('LLGI_LLGO_INVALID', `${where}: ${why}`);
  const img = new LinkImage(elf);
  const addrOf = (name: string) => {
    const s = g.get(name);
    if (!s) throw bad(`${name} is missing`);
    return s.value;
  };
  const word = (name: string) => Number(img.word(addrOf(name), name));

  const count = word('__llgo_funcinfo_count');
  if (count === 0) return null;
  if (count > LIMIT) throw bad(`${count} records (limit ${LIMIT})`);
  const stringCount = word('__llgo_funcinfo_string_count');
  if (stringCount < 1 || stringCount > 6 * count + 2 * LIMIT) throw bad(`string count ${stringCount}`);
  const offsets = img.bytes(word('__llgo_funcinfo_string_offsets'), 4 * stringCount, 'string offsets');
  if (offsets.readUInt32LE(0) !== 0) throw bad('string 0 is not at pool offset 0');
  const poolAt = word('__llgo_funcinfo_strings');
  const strings: string[] = [];
  for (let i = 0; i < stringCount; i++) {
    const off = offsets.readUInt32LE(4 * i);
    const chunk = img.cstring(poolAt + off, `string ${i}`);
    if (i === 0 && chunk !== '') throw bad('string 0 is not empty');
    strings.push(chunk);
  }
  const str = (id: number, what: string) => {
    if (id >= stringCount) throw bad(`${what}: string ID ${id} >= ${stringCount}`);
    return strings[id];
  };

  const recs = img.bytes(word('__llgo_funcinfo_table'), count * FUNCINFO_RECORD_SIZE, 'funcinfo records');
  const funcs: LlgoFunc[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * FUNCINFO_RECORD_SIZE;
    const id = (k: number) => str(recs.readUInt32LE(o + 4 * k), `record ${i + 1}`);
    const symbol = joinQualified(id(0), id(1));
    if (!symbol) throw bad(`record ${i + 1} has no symbol`);
    funcs.push({ symbol, name: publicName(joinQualified(id(2), id(3)) || symbol), file: id(4) + id(5), line: recs.readUInt32LE(o + 24) });
  }

  // Symbol index: from the meta record (hidden globals may be absent from .dynsym), else by name.
  const entrySec = elf.section(ENTRY_SECTION);
  const pclineSec = elf.section(PCLINE_SECTION);
  const entryRows = entrySec ? img.siteRows(entrySec.addr, entrySec.size, 'entry-site section') : [];
  if (entrySec && entrySec.size % SITE_RECORD_SIZE) throw bad(`entry-site section size ${entrySec.size} is not a multiple of 16`);
  let { addr: idxAddr, count: idxCount } = metaSymbolIndex(img, entryRows) ?? {};
  if (idxAddr === undefined && g.has('__llgo_funcinfo_symbol_index')) {
    idxAddr = word('__llgo_funcinfo_symbol_index');
    idxCount = word('__llgo_funcinfo_symbol_index_count');
  }
  const funcOf = new Map<bigint, number>();
  if (idxAddr !== undefined && idxCount) {
    if (idxCount > count || idxCount > LIMIT) throw bad(`symbol index has ${idxCount} rows for ${count} records`);
    const idx = img.bytes(idxAddr, idxCount * 16, 'symbol index');
    let prev = -1n;
    for (let o = 0; o < idx.length; o += 16) {
      const id = idx.readBigUInt64LE(o);
      const fi = idx.readUInt32LE(o + 8);
      if (id <= prev) throw bad('symbol index is not sorted by symbol ID');
      if (fi < 1 || fi > count) throw bad(`symbol index names record ${fi} of ${count}`);
      if (symbolId(funcs[fi - 1].symbol) !== id) throw bad(`symbol index row ${o / 16} does not hash to its record's symbol ${funcs[fi - 1].symbol}`);
      funcOf.set(id, fi - 1);
      prev = id;
    }
  }

  // Entry sites, or the prebuilt table that replaced them.
  const prebuilt = entrySec ? parsePrebuilt(elf.sectionData(entrySec), count, where) : null;
  const entries: LlgoSite[] = [];
  if (prebuilt) {
    for (const r of prebuilt.rows.slice(0, -1)) entries.push({ pc: r.entry, func: r.func - 1 });
  } else {
    if (entryRows.length > Math.min(16 * count, LIMIT) + 8) throw bad(`${entryRows.length} entry sites for ${count} records`);
    for (const r of entryRows) {
      if (r.pc === 0 || r.id === 0n) continue;
      const fi = funcOf.get(r.id);
      if (fi !== undefined) entries.push({ pc: r.pc, func: fi });
    }
  }

  // Statement sites joined with the pcline records by ID.
  const lines: LlgoLineSite[] = [];
  const pclineCount = g.has('__llgo_pcline_count') ? word('__llgo_pcline_count') : 0;
  if (pclineCount && pclineSec) {
    if (pclineCount > LIMIT || pclineCount > 1024 * count) throw bad(`${pclineCount} pcline records for ${count} functions`);
    if (pclineSec.size % SITE_RECORD_SIZE) throw bad(`pcline-site section size ${pclineSec.size} is not a multiple of 16`);
    const pl = img.bytes(word('__llgo_pcline_table'), pclineCount * PCLINE_RECORD_SIZE, 'pcline records');
    const byId = new Map<bigint, { func: number; file: string; line: number }>();
    let prev = 0n;
    for (let i = 0; i < pclineCount; i++) {
      const o = i * PCLINE_RECORD_SIZE;
      const id = pl.readBigUInt64LE(o);
      const fi = pl.readUInt32LE(o + 8);
      if (id <= prev) throw bad('pcline records are not sorted by unique non-zero IDs');
      if (fi < 1 || fi > count) throw bad(`pcline record ${i} names record ${fi} of ${count}`);
      byId.set(id, { func: fi - 1, file: str(pl.readUInt32LE(o + 12), `pcline ${i}`) + str(pl.readUInt32LE(o + 16), `pcline ${i}`), line: pl.readUInt32LE(o + 20) });
      prev = id;
    }
    const siteRows = img.siteRows(pclineSec.addr, pclineSec.size, 'pcline-site section');
    if (siteRows.length > Math.min(1024 * pclineCount, 1 << 22) + 1) throw bad(`${siteRows.length} pcline sites for ${pclineCount} records`);
    for (const r of siteRows) {
      if (r.pc === 0 || r.id === 0n) continue;
      const p = byId.get(r.id);
      if (p) lines.push({ pc: r.pc, func: p.func, file: p.file, line: p.line });
    }
  }

  const fp = g.get('__llgo_fp_chain');
  return {
    funcs, entries, lines, prebuilt: !!prebuilt,
    textEnd: prebuilt ? prebuilt.rows[prebuilt.rows.length - 1].entry : undefined,
    fpChain: fp ? img.bytes(fp.value, 1, '__llgo_fp_chain')[0] !== 0 : false,
  };
}
