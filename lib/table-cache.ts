// Tables of loaded modules, cached on disk so a module's table is built once
// per binary. The key is the GNU build-id plus the file size: strip keeps the
// build-id but changes the size, and a table built from a stripped copy must
// not answer for the unstripped one. Files without a build-id are not cached.
// A cached table is validated by the C reader like any other; one it refuses
// is rebuilt and replaced. A table embedded in the binary by the post-link
// writer (docs/embedding.md) comes first: it needs no file at all.

import fs from 'node:fs';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { LlgiError, isLlgiError } from '../compiler/errors';
import { NOTE_SECTION } from '../compiler/embed/reserve';
import { BUILDER_REVISION, buildTable } from '../compiler/table/build';
import { VERSION } from '../compiler/table/format';
import { defaultCacheDir } from '../compiler/toolchain/cc';
import { coded, native } from './native';
import { Symbolizer } from './symbolize';

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
  cacheDir?: string;
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

export function tableCacheDir(): string {
  return path.join(defaultCacheDir(), 'tables');
}

function cachePath(dir: string, buildId: string, size: number): string {
  return path.join(dir, `${buildId}-${size}.v${VERSION}.r${BUILDER_REVISION}.llgi`);
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
  const cacheDir = opts.cacheDir ?? tableCacheDir();
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
  const key = buildId ? cachePath(cacheDir, buildId, fs.statSync(file).size) : undefined;
  if (key && fs.existsSync(key)) {
    try {
      return { sym: Symbolizer.fromTable(fs.readFileSync(key), file, bias, buildId), source: 'cache' };
    } catch (e) {
      if (!isLlgiError(e, 'LLGI_TABLE_INVALID')) throw e;
      // Fall through: rebuild and replace the refused file.
    }
  }
  if (choice === 'auto' && opts.hasDwarf === false) {
    const mem = llgoMemory(file, bias, buildId, opts.handle, false);
    if (mem) return mem;
  }
  const { table } = buildTable(opts.elf ?? ElfFile.open(file));
  if (key) {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${key}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, table);
      fs.renameSync(tmp, key);
    } catch {
      // A read-only or full cache directory only costs the next load a rebuild.
    }
  }
  return { sym: Symbolizer.fromTable(table, file, bias, buildId), source: 'built' };
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
