// Tables of loaded modules: embedded in the image by the post-link writer
// (docs/embedding.md) first, since that needs no file at all; else the table
// cache (lib/table-store.ts, docs/table-cache.md), so a module's table is
// built once per binary; else built now. A cached table is validated by the
// C reader like any other; one it refuses is rebuilt and replaced.

import fs from 'node:fs';
import { ElfFile } from '../compiler/elf';
import { LlgiError, isLlgiError } from '../compiler/errors';
import { NOTE_SECTION } from '../compiler/embed/reserve';
import { coded, native } from './native';
import { Symbolizer } from './symbolize';
import { adoptCached, buildAndStore, tableCacheDir, tableCacheKey } from './table-store';

/**
 * Where a module's table came from: its own image (embedded), the sidecar
 * cache, built now from the file, or built now from an llgo module's own
 * memory (docs/llgo.md).
 */
export type TableSource = 'embedded' | 'built' | 'cache' | 'llgo-memory';

/**
 * When an embedded table is validated: 'first-use' (each 4 KiB bucket of
 * text by the first lookup in it; needs the checksum index postlink writes)
 * or 'load' (the whole table before load() returns). Other tables are always
 * validated whole at load.
 */
export type Validation = 'first-use' | 'load';

/** Which table load() builds when none is embedded or cached (LoadOptions.table). */
export type TableChoice = 'auto' | 'file' | 'llgo-memory';

export interface ModuleTableOptions {
  /** The table cache directory, or false for none (default: tableCacheDir()). */
  cacheDir?: string | false;
  /** The file, when the caller already parsed it (spares a second read on a cache miss). */
  elf?: ElfFile;
  /** The table embedded in the loaded image, if any. */
  embedded?: Buffer | null;
  /** Its checksum index, if any. */
  embeddedSums?: Buffer | null;
  /** When an embedded table with a checksum index is validated (LoadOptions.validate). */
  validate?: Validation;
  /** The module's dlopen handle: the in-memory llgo table is built from it. */
  handle?: bigint;
  /** Whether the file has DWARF ('auto' builds an llgo module's table in memory only when it has none). */
  hasDwarf?: boolean;
  table?: TableChoice;
}

/**
 * The module's table, adopted, with its runtime bias: the table `embedded` in
 * the loaded image when there is one (adopted in place, zero-copy; validated
 * at first use when it has a checksum index and `validate` is not 'load',
 * else whole now: a refused one is LLGI_TABLE_INVALID, never silently replaced),
 * else from the cache when possible, else built: for an llgo module without
 * DWARF from its own memory in C (nothing read, nothing cached; a file build
 * would add nothing but local symbols), otherwise from the file (then
 * cached). `buildId` is the loaded image's (from its PT_NOTE), so a cache hit
 * reads only the table file.
 */
export function moduleTable(file: string, bias: bigint, buildId: string | null, opts: ModuleTableOptions = {}): { sym: Symbolizer; source: TableSource } {
  const { embedded, table: choice = 'auto' } = opts;
  const cacheDir = tableCacheDir(opts.cacheDir);
  if (choice === 'llgo-memory') return llgoMemory(file, bias, buildId, opts.handle, true)!;
  if (embedded) {
    const sums = opts.validate === 'load' ? undefined : opts.embeddedSums ?? undefined;
    try {
      return { sym: Symbolizer.fromTable(embedded, file, bias, buildId, sums), source: 'embedded' };
    } catch (e) {
      if (!isLlgiError(e, 'LLGI_TABLE_INVALID')) throw e;
      throw new LlgiError('LLGI_TABLE_INVALID', `${file}: the table embedded in its ${NOTE_SECTION} note is invalid (${e.message}); run \`llgo-introspect postlink\` on it again`, { cause: e });
    }
  }
  const key = buildId && cacheDir ? tableCacheKey(cacheDir, buildId, fs.statSync(file).size) : null;
  const cached = adoptCached(key, (c) => Symbolizer.fromTable(c.table, file, bias, buildId, undefined, c.report));
  if (cached) return { sym: cached, source: 'cache' };
  if (choice === 'auto' && opts.hasDwarf === false) {
    const mem = llgoMemory(file, bias, buildId, opts.handle, false);
    if (mem) return mem;
  }
  const { table, report } = buildAndStore(opts.elf ?? ElfFile.open(file), key);
  return { sym: Symbolizer.fromTable(table, file, bias, buildId, undefined, report), source: 'built' };
}

/**
 * The table of an llgo module built from its memory (runtime/src/llgo.c);
 * null for another module unless `required` (then LLGI_BAD_ARGUMENT).
 * Inconsistent llgo tables are LLGI_LLGO_INVALID.
 */
function llgoMemory(file: string, bias: bigint, buildId: string | null, handle: bigint | undefined, required: boolean): { sym: Symbolizer; source: TableSource } | null {
  const table = handle === undefined ? null : coded(() => native().llgoTable(handle));
  if (!table) {
    if (required) throw new LlgiError('LLGI_BAD_ARGUMENT', `${file} carries no llgo funcinfo table: load it with table 'auto' or 'file'`);
    return null;
  }
  return { sym: Symbolizer.fromTable(table, file, bias, buildId), source: 'llgo-memory' };
}
