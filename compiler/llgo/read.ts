// Reads llgo's function tables from a binary on disk (docs/llgo-format.md §2-§5):
// the funcinfo records through the ABI globals (.symtab, or .dynsym of a
// shared object), the entry sites (raw records, or the LLGOFTB1 prebuilt table
// of an executable, in a section llgo's post-link step cut to the table's
// length) and the statement (pcline) sites; or all of them from the LLGOPCL1
// sidecar of an executable built with -pclntab=external (§10). Every count,
// string ID, offset and ordering is checked before use (§2.7, §12.5):
// inconsistent tables are refused with LLGI_LLGO_INVALID, never half-read.

import fs from 'node:fs';
import type { ElfFile, ElfSymbol } from '../elf';
import { LlgiError } from '../errors';
import { FUNCINFO_RECORD_SIZE, PCLINE_RECORD_SIZE, SITE_RECORD_SIZE, joinQualified, symbolId } from './encode';
import { parsePrebuilt } from './ftb';
import { LinkImage, metaSymbolIndex } from './image';
import { publicName } from './names';
import { readSidecar, sidecarPath, type Sidecar } from './sidecar';
import { ENTRY_SECTION, carriesLlgo, llgoGlobals as globals } from './detect';

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

/** Where llgo's tables were read from (docs/llgo.md, "Build modes"); 'none': an llgo binary without them. */
export type LlgoTableSource = 'LLGOFTB1' | 'entry-sites' | 'LLGOPCL1' | 'none';

export interface LlgoTables {
  funcs: LlgoFunc[];
  /** Entry sites (anchor pcs, or true entries from LLGOFTB1 and LLGOPCL1), in table order. */
  entries: LlgoSite[];
  lines: LlgoLineSite[];
  /** True when the entries came from an LLGOFTB1 prebuilt table. */
  prebuilt: boolean;
  source: LlgoTableSource;
  /** The sidecar file the tables came from (source 'LLGOPCL1'). */
  sidecar?: string;
  /** Text end recorded by the LLGOFTB1 sentinel or the sidecar's header. */
  textEnd?: number;
  fpChain: boolean;
}

export interface LlgoReadOptions {
  /**
   * The LLGOPCL1 sidecar of an executable built with -pclntab=external:
   * a path, or false to ignore it. Default: `<binary>.pclntab`, looked for
   * only when the image carries llgo's sidecar identity and no tables.
   */
  sidecar?: string | false;
}

const LIMIT = 1 << 20;
const PCLINE_SECTION = 'llgo_pcline';
const IDENTITY = '__llgo_pclntab_identity';

export { isLlgoBinary } from './detect';

type Row = { pc: number; id: bigint };

/** The tables' bytes, wherever they live: the image's globals and sections, or a sidecar. */
interface RawTables {
  where: string;
  count: number;
  records: () => Buffer;
  stringCount: number;
  offsets: () => Buffer;
  /** The NUL-terminated string at pool offset `off`. */
  string: (off: number, what: string) => string;
  /** 16-byte symbol index rows, when there is an index. */
  symbolIndex: () => Buffer | null;
  pclineCount: number;
  pclines: () => Buffer;
  /** Raw entry-site rows, or the prebuilt ftab rows (true entries, 1-based funcIndex). */
  entryRows: Row[];
  prebuiltRows?: { entry: number; func: number }[];
  /** True when entry sites are already true, deduplicated entries (sidecar). */
  trueEntries: boolean;
  lineRows: () => Row[];
  source: LlgoTableSource;
  textEnd?: number;
  fpChain: boolean;
  sidecar?: string;
}

/** The tables llgo keeps in the image (§2.1, §3). */
function imageTables(elf: ElfFile, g: Map<string, ElfSymbol>, bad: (w: string) => LlgiError, where: string): RawTables | null {
  const img = new LinkImage(elf);
  const addrOf = (name: string) => {
    const s = g.get(name);
    if (!s) throw bad(`${name} is missing`);
    return s.value;
  };
  const word = (name: string) => Number(img.word(addrOf(name), name));
  const count = word('__llgo_funcinfo_count');
  if (count === 0) return null;
  const stringCount = word('__llgo_funcinfo_string_count');
  const poolAt = word('__llgo_funcinfo_strings');
  const entrySec = elf.section(ENTRY_SECTION);
  const pclineSec = elf.section(PCLINE_SECTION);
  // llgo's post-link step cuts the section to the LLGOFTB1 blob's length
  // (§4.5): only raw site sections are whole 16-byte rows.
  const prebuilt = entrySec ? parsePrebuilt(elf.sectionData(entrySec), Math.min(count, LIMIT), where) : null;
  if (entrySec && !prebuilt && entrySec.size % SITE_RECORD_SIZE) throw bad(`entry-site section size ${entrySec.size} is not a multiple of 16`);
  const entryRows = entrySec && !prebuilt ? img.siteRows(entrySec.addr, entrySec.size, 'entry-site section') : [];
  const pclineCount = g.has('__llgo_pcline_count') ? word('__llgo_pcline_count') : 0;
  const fp = g.get('__llgo_fp_chain');
  return {
    where, count, stringCount, pclineCount,
    records: () => img.bytes(word('__llgo_funcinfo_table'), count * FUNCINFO_RECORD_SIZE, 'funcinfo records'),
    offsets: () => img.bytes(word('__llgo_funcinfo_string_offsets'), 4 * stringCount, 'string offsets'),
    string: (off, what) => img.cstring(poolAt + off, what),
    symbolIndex: () => {
      // From the meta record (hidden globals may be absent from .dynsym), else by name.
      let { addr, count: n } = metaSymbolIndex(img, entryRows) ?? {};
      if (addr === undefined && g.has('__llgo_funcinfo_symbol_index')) {
        addr = word('__llgo_funcinfo_symbol_index');
        n = word('__llgo_funcinfo_symbol_index_count');
      }
      if (addr === undefined || !n) return null;
      if (n > count || n > LIMIT) throw bad(`symbol index has ${n} rows for ${count} records`);
      return img.bytes(addr, n * 16, 'symbol index');
    },
    pclines: () => img.bytes(word('__llgo_pcline_table'), pclineCount * PCLINE_RECORD_SIZE, 'pcline records'),
    entryRows,
    prebuiltRows: prebuilt?.rows,
    trueEntries: false,
    lineRows: () => {
      if (!pclineSec) return [];
      if (pclineSec.size % SITE_RECORD_SIZE) throw bad(`pcline-site section size ${pclineSec.size} is not a multiple of 16`);
      return img.siteRows(pclineSec.addr, pclineSec.size, 'pcline-site section');
    },
    source: prebuilt ? 'LLGOFTB1' : 'entry-sites',
    textEnd: prebuilt ? prebuilt.rows[prebuilt.rows.length - 1].entry : undefined,
    fpChain: fp ? img.bytes(fp.value, 1, '__llgo_fp_chain')[0] !== 0 : false,
  };
}

/** The tables of a sidecar, after checking it belongs to this very build (§10). */
function sidecarTables(elf: ElfFile, g: Map<string, ElfSymbol>, sc: Sidecar, bad: (w: string) => LlgiError): RawTables {
  const idSym = g.get(IDENTITY);
  const identity = idSym && new LinkImage(elf).bytes(idSym.value, 32, IDENTITY);
  if (!identity || !identity.equals(sc.identity)) {
    throw bad(`${sc.path} belongs to another build: its identity ${sc.identity.toString('hex').slice(0, 16)}… is not the image's ${identity?.toString('hex').slice(0, 16) ?? '(none)'}…`);
  }
  if (sc.machine !== elf.machine) throw bad(`${sc.path} is for ${sc.machine}, the binary is ${elf.machine}`);
  // llgo's loader adds the executable's own load address to site offsets and
  // never reads the header's image base: take the image's, and refuse a
  // header that disagrees rather than answer shifted pcs.
  const loads = elf.segments.filter((p) => p.type === 1);
  const base = loads.length ? Math.min(...loads.map((p) => p.vaddr - p.offset)) : 0;
  if (sc.imageBase !== base) throw bad(`${sc.path} says the image base is 0x${sc.imageBase.toString(16)}, the binary's is 0x${base.toString(16)}`);
  const s = sc.sections;
  const pool = s.strings.bytes;
  const sites = (b: Buffer, n: number, what: string): Row[] => {
    const rows: Row[] = [];
    for (let o = 0; o < 16 * n; o += 16) {
      const off = b.readBigUInt64LE(o);
      const pc = sc.imageBase + Number(off);
      // llgo's loader refuses a site outside the text (pclntab_external.go).
      if (off > BigInt(Number.MAX_SAFE_INTEGER) || pc < sc.textStart || pc >= sc.textEnd) throw bad(`${what} ${o / 16} at offset 0x${off.toString(16)} is outside the text`);
      rows.push({ pc, id: b.readBigUInt64LE(o + 8) });
    }
    return rows;
  };
  if (s.entrySites.count > Math.min(16 * s.records.count, LIMIT)) throw bad(`${s.entrySites.count} entry sites for ${s.records.count} records`);
  return {
    where: `${sc.path}: llgo tables`, count: s.records.count, stringCount: s.stringOffsets.count, pclineCount: s.pclines.count,
    records: () => s.records.bytes,
    offsets: () => s.stringOffsets.bytes,
    string: (off, what) => {
      if (off >= pool.length) throw bad(`${what} at pool offset ${off} is outside the pool (${pool.length} bytes)`);
      return pool.toString('utf8', off, pool.indexOf(0, off));
    },
    symbolIndex: () => (s.symbolIndex.count ? s.symbolIndex.bytes : null),
    pclines: () => s.pclines.bytes,
    entryRows: sites(s.entrySites.bytes, s.entrySites.count, 'entry site'),
    trueEntries: true,
    lineRows: () => sites(s.pcSites.bytes, s.pcSites.count, 'pc site'),
    source: 'LLGOPCL1',
    textEnd: sc.textEnd,
    fpChain: false,
    sidecar: sc.path,
  };
}

/** Checks and decodes raw tables into records, entries and statement sites. */
function decode(raw: RawTables, bad: (w: string) => LlgiError): LlgoTables {
  const { count, stringCount } = raw;
  if (count > LIMIT) throw bad(`${count} records (limit ${LIMIT})`);
  if (stringCount < 1 || stringCount > 6 * count + 2 * LIMIT) throw bad(`string count ${stringCount}`);
  const offsets = raw.offsets();
  if (offsets.readUInt32LE(0) !== 0) throw bad('string 0 is not at pool offset 0');
  const strings: string[] = [];
  for (let i = 0; i < stringCount; i++) {
    const chunk = raw.string(offsets.readUInt32LE(4 * i), `string ${i}`);
    if (i === 0 && chunk !== '') throw bad('string 0 is not empty');
    strings.push(chunk);
  }
  const str = (id: number, what: string) => {
    if (id >= stringCount) throw bad(`${what}: string ID ${id} >= ${stringCount}`);
    return strings[id];
  };

  const recs = raw.records();
  const funcs: LlgoFunc[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * FUNCINFO_RECORD_SIZE;
    const id = (k: number) => str(recs.readUInt32LE(o + 4 * k), `record ${i + 1}`);
    const symbol = joinQualified(id(0), id(1));
    if (!symbol) throw bad(`record ${i + 1} has no symbol`);
    funcs.push({ symbol, name: publicName(joinQualified(id(2), id(3)) || symbol), file: id(4) + id(5), line: recs.readUInt32LE(o + 24) });
  }

  const funcOf = new Map<bigint, number>();
  const idx = raw.symbolIndex();
  if (idx) {
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
  const entries: LlgoSite[] = [];
  if (raw.prebuiltRows) {
    for (const r of raw.prebuiltRows.slice(0, -1)) entries.push({ pc: r.entry, func: r.func - 1 });
  } else {
    if (raw.entryRows.length > Math.min(16 * count, LIMIT) + 8) throw bad(`${raw.entryRows.length} entry sites for ${count} records`);
    for (const r of raw.entryRows) {
      if (r.pc === 0 || r.id === 0n) continue;
      const fi = funcOf.get(r.id);
      if (fi !== undefined) entries.push({ pc: r.pc, func: fi });
    }
  }

  // Statement sites joined with the pcline records by ID.
  const lines: LlgoLineSite[] = [];
  const pclineCount = raw.pclineCount;
  if (pclineCount) {
    if (pclineCount > LIMIT || pclineCount > 1024 * count) throw bad(`${pclineCount} pcline records for ${count} functions`);
    const pl = raw.pclines();
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
    const siteRows = raw.lineRows();
    if (siteRows.length > Math.min(1024 * pclineCount, 1 << 22) + 1) throw bad(`${siteRows.length} pcline sites for ${pclineCount} records`);
    for (const r of siteRows) {
      if (r.pc === 0 || r.id === 0n) continue;
      const p = byId.get(r.id);
      if (p) lines.push({ pc: r.pc, func: p.func, file: p.file, line: p.line });
    }
  }
  return {
    funcs, entries, lines, prebuilt: raw.source === 'LLGOFTB1', source: raw.source, sidecar: raw.sidecar,
    textEnd: raw.textEnd, fpChain: raw.fpChain,
  };
}

/**
 * llgo's tables, or null for a binary without them (or with an empty table).
 * An executable built with -pclntab=external keeps them in its sidecar: a
 * missing sidecar is LLGI_LLGO_SIDECAR_MISSING, one of another build or a
 * damaged one LLGI_LLGO_INVALID.
 */
export function readLlgoTables(elf: ElfFile, opts: LlgoReadOptions = {}): LlgoTables | null {
  if (opts.sidecar !== undefined && opts.sidecar !== false && (typeof opts.sidecar !== 'string' || !opts.sidecar)) {
    throw new LlgiError('LLGI_BAD_ARGUMENT', `llgo sidecar must be a file path or false, got ${JSON.stringify(opts.sidecar)}`);
  }
  const g = globals(elf);
  if (!carriesLlgo(elf, g)) return null;
  const where = `${elf.name}: llgo tables`;
  const bad = (why: string) => new LlgiError('LLGI_LLGO_INVALID', `${where}: ${why}`);
  const inImage = imageTables(elf, g, bad, where);
  if (inImage) return decode(inImage, bad);
  // No tables in the image: -pclntab=external left them in the sidecar (§10).
  if (opts.sidecar === false || (!g.has(IDENTITY) && opts.sidecar === undefined)) return null;
  const file = opts.sidecar ?? sidecarPath(elf.name);
  if (opts.sidecar === undefined && !fs.existsSync(file)) {
    throw new LlgiError('LLGI_LLGO_SIDECAR_MISSING', `${elf.name}: built with -pclntab=external, but its llgo sidecar ${file} is not there`);
  }
  const sc = readSidecar(file);
  const sbad = (why: string) => new LlgiError('LLGI_LLGO_INVALID', `${sc.path}: llgo tables: ${why}`);
  return decode(sidecarTables(elf, g, sc, sbad), sbad);
}
