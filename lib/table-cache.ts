// Tables of loaded modules, cached on disk so a module's table is built once
// per binary. The key is the GNU build-id plus the file size: strip keeps the
// build-id but changes the size, and a table built from a stripped copy must
// not answer for the unstripped one. Files without a build-id are not cached.
// A cached table is validated by the C reader like any other; one it refuses
// is rebuilt and replaced.

import fs from 'node:fs';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { isLlgiError } from '../compiler/errors';
import { buildTable } from '../compiler/table/build';
import { VERSION } from '../compiler/table/format';
import { defaultCacheDir } from '../compiler/toolchain/cc';
import { Symbolizer } from './symbolize';

export type TableSource = 'built' | 'cache';

export function tableCacheDir(): string {
  return path.join(defaultCacheDir(), 'tables');
}

function cachePath(dir: string, buildId: string, size: number): string {
  return path.join(dir, `${buildId}-${size}.v${VERSION}.llgi`);
}

/**
 * The module's table, adopted, with its runtime bias; from the cache when
 * possible. `buildId` is the loaded image's (from its PT_NOTE), so a cache hit
 * reads only the table file; `elf`, when the caller already parsed the file,
 * spares a cache miss a second read.
 */
export function moduleTable(file: string, bias: bigint, buildId: string | null, cacheDir = tableCacheDir(), elf?: ElfFile): { sym: Symbolizer; source: TableSource } {
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
