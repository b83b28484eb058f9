// Fixtures with space reserved for an embedded LLGI table (docs/embedding.md):
// the generated assembler reservation (compiler/embed/reserve.ts) is added to
// the sources given to compile(), which caches the build by content.

import fs from 'node:fs';
import path from 'node:path';
import { reserveSource } from '../../compiler/embed/reserve';
import { compile, defaultCacheDir, writeIfChanged } from '../../compiler/toolchain/cc';
import { compilerPath, type Compiler } from './fixtures';
import { INCLUDE, liveSource } from './live';

/** The reservation of `bytes` as an assembler file (one per size, written once). */
export function reserveFile(bytes: number): string {
  const dir = path.join(defaultCacheDir(), 'embed');
  fs.mkdirSync(dir, { recursive: true });
  return writeIfChanged(path.join(dir, `llgi-reserve-${bytes}.s`), reserveSource(bytes));
}

export interface ReservedBuild {
  /** Bytes to reserve. */
  bytes: number;
  kind?: 'shared' | 'exe';
  flags?: string[];
  name?: string;
}

/** Builds C sources (absolute paths) with a table reservation, cached; never postlink the result in place (copy it). */
export function buildReserved(cc: Compiler, sources: string[], opts: ReservedBuild): string {
  const stem = opts.name ?? path.basename(sources[0]).replace(/\.c$/, '');
  return compile({
    compiler: compilerPath(cc),
    sources: [...sources, reserveFile(opts.bytes)],
    flags: opts.flags,
    kind: opts.kind ?? 'shared',
    name: `embed-${stem}-${opts.bytes}-${cc}`,
  });
}

/** The live fixture chain.c (test/fixtures/live) with a reservation. */
export function reservedChain(cc: Compiler, bytes: number, variant?: string): string {
  const flags = [`-I${INCLUDE}`];
  if (variant) flags.push(`-DLIVE_VARIANT="${variant}"`);
  return buildReserved(cc, [liveSource('chain.c')], { bytes, flags, name: `chain${variant ? `-${variant}` : ''}` });
}
