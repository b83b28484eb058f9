// Drives gc, the reference Go toolchain (the machine's `go`, Go 1.26 here),
// to build Go packages for conformance ground truth, cached by the package
// sources (local replaces included), the build mode and `go version`.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LlgiError } from '../errors';
import { defaultCacheDir, which } from './cc';
import { moduleFiles } from './llgo';

export interface GoToolchain {
  bin: string;
  /** `go version`, e.g. "go version go1.26.8 linux/amd64". */
  version: string;
  env: NodeJS.ProcessEnv;
}

/**
 * gc from $LLGI_GO, else /usr/local/go/bin/go, else `go` on PATH (Debian's
 * golang-go can shadow the machine's newer Go on PATH, so the fixed place
 * comes first); null when there is none.
 */
export function findGo(env: NodeJS.ProcessEnv = process.env): GoToolchain | null {
  const bin = env.LLGI_GO || (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : which('go'));
  if (!bin) return null;
  const runEnv: NodeJS.ProcessEnv = { ...env, PATH: [path.dirname(bin), env.PATH ?? ''].join(path.delimiter), GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };
  const v = spawnSync(bin, ['version'], { encoding: 'utf8', env: runEnv });
  if (v.error || v.status !== 0) return null;
  return { bin, version: v.stdout.trim(), env: runEnv };
}

export interface GoBuildRequest {
  /** The Go module's root directory (holds go.mod). */
  module: string;
  /** gc (default), or gccgo through the go command's -compiler flag (see findGccgo). */
  compiler?: 'gc' | 'gccgo';
  /** The package to build, relative to the module: './cmd/app'. */
  pkg: string;
  name?: string;
  cacheDir?: string;
  /** 'exe' (default) or 'c-shared': a shared library with the package's //export functions (gc only). */
  buildMode?: 'exe' | 'c-shared';
}

/** Builds (or reuses) `req.pkg` as an executable, or a c-shared library, with gc (or gccgo). */
export function goBuild(tc: GoToolchain, req: GoBuildRequest): string {
  const module = path.resolve(req.module);
  const compiler = req.compiler ?? 'gc';
  const mode = req.buildMode ?? 'exe';
  if (mode === 'c-shared' && compiler !== 'gc') throw new LlgiError('LLGI_BAD_ARGUMENT', 'goBuild: c-shared libraries are built with gc only');
  const h = createHash('sha256').update(tc.version).update(JSON.stringify([req.pkg, compiler, mode]));
  // The binary records its sources' absolute paths: another checkout is another build.
  h.update(module);
  for (const f of moduleFiles(module)) h.update(path.relative(module, f)).update(fs.readFileSync(f));
  const stem = (req.name ?? path.basename(req.pkg === '.' ? module : req.pkg)) + (mode === 'c-shared' ? '.so' : '');
  if (compiler === 'gccgo') h.update(gccgoVersion() ?? '');
  const dir = path.join(req.cacheDir ?? defaultCacheDir(), compiler, h.digest('hex').slice(0, 16));
  const out = path.join(dir, stem);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const flags = [...(compiler === 'gccgo' ? ['-compiler', 'gccgo'] : []), ...(mode === 'c-shared' ? ['-buildmode=c-shared'] : [])];
  const r = spawnSync(tc.bin, ['build', ...flags, '-o', tmp, req.pkg], {
    cwd: module, encoding: 'utf8', env: tc.env, maxBuffer: 64 << 20,
  });
  if (r.error || r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new LlgiError('LLGI_IO', `go build ${[...flags, req.pkg].join(' ')} in ${module} failed (${r.error?.message ?? `status ${r.status}`}):\n${r.stderr}`);
  }
  fs.renameSync(tmp, out);
  return out;
}

let gccgoSeen: string | null | undefined;

/**
 * `gccgo --version`'s first line (Debian's gccgo), or null when gccgo is not
 * installed. gccgo builds go through the machine's go command
 * (`go build -compiler gccgo`), which finds gccgo on PATH.
 */
export function gccgoVersion(): string | null {
  if (gccgoSeen === undefined) {
    const bin = which('gccgo');
    const r = bin ? spawnSync(bin, ['--version'], { encoding: 'utf8' }) : null;
    gccgoSeen = r && r.status === 0 ? r.stdout.split('\n')[0].trim() : null;
  }
  return gccgoSeen;
}
