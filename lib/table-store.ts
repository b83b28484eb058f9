// The on-disk table cache: LLGI tables (and their build reports) kept by
// GNU build-id in a user cache directory, so a binary's table is built once
// and every later process adopts it instead of parsing DWARF again
// (docs/table-cache.md). The caller adopts a cached table (the C reader
// validates it like any other); one it refuses counts as a miss.

import fs from 'node:fs';
import { isLlgiError } from '../compiler/errors';
import type { ElfFile } from '../compiler/elf';
import os from 'node:os';
import path from 'node:path';
import { BUILDER_REVISION } from '../compiler/table/revision';
import { VERSION } from '../compiler/table/format';
import type { BuildOptions, BuildReport } from '../compiler/table/build';

/** The environment variable that moves the cache (a directory) or turns it off (`off`, `0`, `false`, `no`, `none`). */
export const CACHE_ENV = 'LLGI_TABLE_CACHE';

const OFF = /^(off|0|false|no|none)$/i;

/**
 * The table cache directory, or null when caching is off: `option` (a
 * directory, or false for off), else $LLGI_TABLE_CACHE, else
 * $XDG_CACHE_HOME/llgo-introspect/tables (an absolute XDG_CACHE_HOME only,
 * as the XDG spec says), else ~/.cache/llgo-introspect/tables.
 */
export function tableCacheDir(option?: string | false): string | null {
  if (option === false) return null;
  if (option) return path.resolve(option);
  const env = process.env[CACHE_ENV];
  if (env) return OFF.test(env) ? null : path.resolve(env);
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir() || os.tmpdir(), '.cache');
  return path.join(base, 'llgo-introspect', 'tables');
}

/**
 * The cache file of a binary: its build-id and size (strip keeps the
 * build-id but not the size), the table format version, the builder
 * revision, and `extra` (the identity of other inputs, such as an llgo
 * sidecar) hashed.
 */
export function tableCacheKey(dir: string, buildId: string, size: number, extra = ''): string {
  // node:crypto only when there is something to hash: loading it costs a cache hit a millisecond.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const x = extra ? `.${(require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(extra).digest('hex').slice(0, 12)}` : '';
  return path.join(dir, `${buildId}-${size}${x}.v${VERSION}.r${BUILDER_REVISION}.llgi`);
}

/**
 * A cache file is the table, its build report as JSON, and a 16-byte
 * trailer: the table's length and the report's (u32 LE each), then MAGIC.
 * Whatever does not add up is a miss, never an error.
 */
const MAGIC = Buffer.from('LLGICACH', 'latin1');
const TRAILER = 16;

export interface CachedTable {
  table: Buffer;
  report: BuildReport;
}

/** The table and report stored at `file`, or null when it is missing, truncated or not a cache file. */
export function readCachedTable(file: string): CachedTable | null {
  let b: Buffer;
  try {
    b = fs.readFileSync(file);
  } catch {
    return null;
  }
  if (b.length < TRAILER || !b.subarray(b.length - 8).equals(MAGIC)) return null;
  const tableLen = b.readUInt32LE(b.length - TRAILER);
  const reportLen = b.readUInt32LE(b.length - TRAILER + 4);
  if (tableLen + reportLen + TRAILER !== b.length) return null;
  try {
    const report = JSON.parse(b.toString('utf8', tableLen, tableLen + reportLen)) as BuildReport;
    if (typeof report !== 'object' || report === null || !Array.isArray(report.warnings)) return null;
    return { table: b.subarray(0, tableLen), report };
  } catch {
    return null;
  }
}

/**
 * Stores a table at `file`: written to a file of its own beside it, then
 * renamed over it, so concurrent readers see the old file or the new one,
 * never a part, and concurrent writers of the same table each win whole.
 * Never throws: a read-only or full cache directory only costs the next
 * process a rebuild.
 */
export function writeCachedTable(file: string, table: Buffer, report: BuildReport): boolean {
  const json = Buffer.from(JSON.stringify(report));
  const trailer = Buffer.alloc(TRAILER);
  trailer.writeUInt32LE(table.length, 0);
  trailer.writeUInt32LE(json.length, 4);
  MAGIC.copy(trailer, 8);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, Buffer.concat([table, json, trailer]));
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Not even that: nothing of ours is there.
    }
    return false;
  }
}

/**
 * The table cached under `key`, adopted by `adopt`; null on a miss: no key,
 * no usable file, or a table the C reader refuses (LLGI_TABLE_INVALID), which
 * the caller's build then replaces.
 */
export function adoptCached<T>(key: string | null, adopt: (c: CachedTable) => T): T | null {
  const hit = key ? readCachedTable(key) : null;
  if (!hit) return null;
  try {
    return adopt(hit);
  } catch (e) {
    if (!isLlgiError(e, 'LLGI_TABLE_INVALID')) throw e;
    return null;
  }
}

/**
 * Builds the table of `elf` (the builder is loaded here, so a process whose
 * tables all come from the cache never loads it) and stores it under `key`,
 * unless its build had warnings: a degraded table, from a damaged file, must
 * not answer for an intact copy with the same build-id and size.
 */
export function buildAndStore(elf: ElfFile, key: string | null, opts?: BuildOptions): CachedTable {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildTable } = require('../compiler/table/build') as typeof import('../compiler/table/build');
  const built = buildTable(elf, opts);
  if (key && !built.report.warnings.length) writeCachedTable(key, built.table, built.report);
  return built;
}
