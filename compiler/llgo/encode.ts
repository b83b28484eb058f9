// llgo's funcinfo encoders (docs/llgo-format.md §2-§3): FNV hashes,
// symbol and pcline IDs, the qualified-name split, the string pool with
// suffix sharing, the symbol hash table and the symbol index. The fixture
// generator writes tables with them; the reader checks hashes with them.

/** FNV-1a 32 (offset 0x811c9dc5, prime 0x01000193), xor then multiply. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

const M64 = (1n << 64n) - 1n;
const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;

function fnv64Continue(h: bigint, bytes: Uint8Array): bigint {
  for (const b of bytes) h = ((h ^ BigInt(b)) * FNV64_PRIME) & M64;
  return h;
}

/** FNV-1a 64 without the zero fix-up. */
export function fnv1a64(bytes: Uint8Array): bigint {
  return fnv64Continue(FNV64_OFFSET, bytes);
}

/** symbolID (§2.5): FNV-1a 64 of the linker symbol; 0 becomes 1. */
export function symbolId(symbol: string): bigint {
  return fnv1a64(Buffer.from(symbol, 'utf8')) || 1n;
}

/** pcline ID (§3.2): FNV-1a 64 over the function's symbol, then the 8 LE bytes of seq; 0 becomes 1. */
export function pclineId(symbol: string, seq: number | bigint): bigint {
  const s = Buffer.alloc(8);
  s.writeBigUInt64LE(BigInt(seq));
  return fnv64Continue(fnv1a64(Buffer.from(symbol, 'utf8')), s) || 1n;
}

/** The qualified-name split (§2.3): last '/', then the first '.' after it. */
export function splitQualified(name: string): [pkg: string, local: string] {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  return dot < 0 ? ['', name] : [name.slice(0, dot), name.slice(dot + 1)];
}

export function joinQualified(pkg: string, local: string): string {
  if (!pkg) return local;
  if (!local) return pkg;
  return `${pkg}.${local}`;
}

/** File split (§2.3): root up to and including the last '/'. */
export function splitFile(file: string): [root: string, name: string] {
  const slash = file.lastIndexOf('/');
  return [file.slice(0, slash + 1), file.slice(slash + 1)];
}

export interface StringTable {
  /** string -> ID (0 is ""). */
  ids: Map<string, number>;
  /** ID -> pool offset. */
  offsets: number[];
  pool: Buffer;
}

/**
 * String IDs and pool (§2.3): non-empty strings deduplicated, sorted by length
 * descending then bytes ascending, IDs from 1; each string reuses the first
 * occurrence of `s + NUL` already in the pool (suffix sharing) or is appended.
 */
export function buildStrings(parts: Iterable<string>): StringTable {
  const uniq = [...new Set([...parts].filter((s) => s !== ''))].map((s) => Buffer.from(s, 'utf8'));
  uniq.sort((a, b) => b.length - a.length || Buffer.compare(a, b));
  const ids = new Map<string, number>([['', 0]]);
  const offsets = [0];
  let pool = Buffer.from([0]);
  for (const s of uniq) {
    const z = Buffer.concat([s, Buffer.from([0])]);
    let off = pool.indexOf(z);
    if (off < 0) {
      off = pool.length;
      pool = Buffer.concat([pool, z]);
    }
    ids.set(s.toString('utf8'), ids.size);
    offsets.push(off);
  }
  return { ids, offsets, pool };
}

/** Hash table (§2.4) of 1-based funcIndexes by FNV-1a 32 of the joined symbol; null when omitted (> 65535 records). */
export function buildHash(symbols: string[]): Uint16Array | null {
  if (symbols.length > 65535) return null;
  let size = 1;
  while (3 * size < 4 * symbols.length) size *= 2;
  const mask = size - 1;
  const slots = new Uint16Array(size);
  symbols.forEach((s, i) => {
    let slot = fnv1a32(Buffer.from(s, 'utf8')) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = i + 1;
  });
  return slots;
}

/** Symbol index rows (§2.5): symbolID -> funcIndex, sorted by ID; IDs shared by two records are dropped. */
export function buildSymbolIndex(symbols: string[]): { id: bigint; index: number }[] {
  const byId = new Map<bigint, number>();
  const shared = new Set<bigint>();
  symbols.forEach((s, i) => {
    const id = symbolId(s);
    if (byId.has(id)) shared.add(id);
    else byId.set(id, i + 1);
  });
  return [...byId].filter(([id]) => !shared.has(id)).map(([id, index]) => ({ id, index }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** One funcinfo row before encoding (§1.1). */
export interface FuncInfo {
  symbol: string;
  name: string;
  file: string;
  line: number;
}

/** One pcline row before encoding (§2.6). */
export interface PcLineInfo {
  id: bigint;
  /** Linker symbol of the containing function. */
  symbol: string;
  file: string;
  line: number;
}

export interface EncodedTables {
  records: Buffer;
  count: number;
  strings: StringTable;
  hash: Uint16Array | null;
  symbolIndex: Buffer;
  symbolIndexCount: number;
  pcline: Buffer;
  pclineCount: number;
}

/** The meta record's magic (§3.3), `LLGOMET1` as a little-endian u64. */
export const LLGOMET1 = 0x3154454d4f474c4cn;

export const FUNCINFO_RECORD_SIZE = 28;
export const PCLINE_RECORD_SIZE = 24;
export const SITE_RECORD_SIZE = 16;

/**
 * The data arrays of §2 from funcinfo and pcline rows: records deduplicated
 * by symbol (first wins) and sorted by symbol bytes; `tail` rows (the
 * executable's runtime.main/goexit pair) are appended unsorted.
 */
export function encodeTables(funcs: FuncInfo[], pclines: PcLineInfo[], tail: FuncInfo[] = []): EncodedTables {
  const seen = new Set<string>();
  const sorted = funcs.filter((f) => !seen.has(f.symbol) && seen.add(f.symbol))
    .sort((a, b) => Buffer.compare(Buffer.from(a.symbol), Buffer.from(b.symbol)));
  const recs = [...sorted, ...tail];
  const funcIndex = new Map<string, number>();
  recs.forEach((f, i) => { if (!funcIndex.has(f.symbol)) funcIndex.set(f.symbol, i + 1); });
  const uniqLines = [...new Map(pclines.filter((p) => p.id !== 0n && funcIndex.has(p.symbol)).map((p) => [p.id, p])).values()]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const parts: string[] = [];
  for (const f of recs) parts.push(...splitQualified(f.symbol), ...splitQualified(f.name), ...splitFile(f.file));
  for (const p of uniqLines) parts.push(...splitFile(p.file));
  const strings = buildStrings(parts);
  const sid = (s: string) => strings.ids.get(s)!;

  const records = Buffer.alloc(recs.length * FUNCINFO_RECORD_SIZE);
  recs.forEach((f, i) => {
    const v = [...splitQualified(f.symbol), ...splitQualified(f.name), ...splitFile(f.file)].map(sid);
    v.forEach((x, k) => records.writeUInt32LE(x, i * FUNCINFO_RECORD_SIZE + 4 * k));
    records.writeUInt32LE(f.line, i * FUNCINFO_RECORD_SIZE + 24);
  });
  const pcline = Buffer.alloc(uniqLines.length * PCLINE_RECORD_SIZE);
  uniqLines.forEach((p, i) => {
    const o = i * PCLINE_RECORD_SIZE;
    const [root, name] = splitFile(p.file);
    pcline.writeBigUInt64LE(p.id, o);
    pcline.writeUInt32LE(funcIndex.get(p.symbol)!, o + 8);
    pcline.writeUInt32LE(sid(root), o + 12);
    pcline.writeUInt32LE(sid(name), o + 16);
    pcline.writeUInt32LE(p.line, o + 20);
  });
  const rows = buildSymbolIndex(recs.map((f) => f.symbol));
  const symbolIndex = Buffer.alloc(rows.length * 16);
  rows.forEach((r, i) => {
    symbolIndex.writeBigUInt64LE(r.id, i * 16);
    symbolIndex.writeUInt32LE(r.index, i * 16 + 8);
  });
  return {
    records, count: recs.length, strings, hash: buildHash(recs.map((f) => f.symbol)),
    symbolIndex, symbolIndexCount: rows.length, pcline, pclineCount: uniqLines.length,
  };
}

/** llgo's stored display name (§8.2): only a trailing `$N` becomes `.funcN`. */
export function displayName(symbol: string): string {
  return symbol.replace(/\$(\d+)$/, '.func$1');
}
