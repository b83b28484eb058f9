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
import { buildTable } from '../compiler/table/build';
import { VERSION } from '../compiler/table/format';
import { defaultCacheDir } from '../compiler/toolchain/cc';
import { Symbolizer } from './symbolize';

/** Where a module's table came from: its own image (embedded), the sidecar cache, or built now. */
export type TableSource = 'embedded' | 'built' | 'cache';

export function tableCacheDir(): string {
  return path.join(defaultCacheDir(), 'tables');
}

function cachePath(dir: string, buildId: string, size: number): string {
  return path.join(dir, `${buildId}-${size}.v${VERSION}.llgi`);
}

/**
 * The module's table, adopted, with its runtime bias: the table `embedded` in
 * the loaded image when there is one (adopted in place, zero-copy, after full
 * validation: a refused one is LLGI_TABLE_INVALID, never silently replaced),
 * else from the cache when possible, else built. `buildId` is the loaded
 * image's (from its PT_NOTE), so a cache hit reads only the table file;
 * `elf`, when the caller already parsed the file, spares a cache miss a
 * second read.
 */
export function moduleTable(file: string, bias: bigint, buildId: string | null, cacheDir = tableCacheDir(), elf?: ElfFile,
  embedded?: Buffer | null): { sym: Symbolizer; source: TableSource } {
  if (embedded) {
    try {
      return { sym: Symbolizer.fromTable(embedded, file, bias, buildId), source: 'embedded' };
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
  const { table } = buildTable(elf ?? ElfFile.open(file));
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
