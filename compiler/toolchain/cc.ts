// Drives C compilers (gcc as `cc`, clang-19) to build shared objects and
// executables with the flags frame-pointer walks need, cached by a hash of
// everything that affects the output (sources, compiler identity, flags).

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LlgiError } from '../errors';

/** ARCHITECTURE.md: frame pointers everywhere, no sibling calls (they erase frames). */
export const FIXTURE_FLAGS = [
  '-O2', '-g', '-fPIC', '-fno-omit-frame-pointer', '-mno-omit-leaf-frame-pointer', '-fno-optimize-sibling-calls',
];

export interface CompileRequest {
  /** Compiler command: 'cc', 'gcc', 'clang-19', ... */
  compiler: string;
  sources: string[];
  /** Extra flags after FIXTURE_FLAGS (unless `replaceFlags`). */
  flags?: string[];
  replaceFlags?: boolean;
  kind: 'shared' | 'exe';
  /** Cache directory; default: $LLGI_CACHE_DIR or <tmpdir>/llgo-introspect-cache. */
  cacheDir?: string;
  /** File name stem for readability of the cache. */
  name?: string;
}

/** Path of a tool on PATH, or null. */
export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

const versions = new Map<string, string>();
function compilerVersion(cc: string): string {
  let v = versions.get(cc);
  if (v === undefined) {
    const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new LlgiError('LLGI_IO', `compiler ${cc} is not usable: ${r.error?.message ?? r.stderr}`);
    v = r.stdout;
    versions.set(cc, v);
  }
  return v;
}

/**
 * Writes `text` to `file` unless it already holds exactly that (compile()
 * caches by content, so an unchanged generated source keeps its build);
 * through a temporary file, so concurrent test processes never read half of
 * it. Returns `file`.
 */
export function writeIfChanged(file: string, text: string): string {
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

export function defaultCacheDir(): string {
  return process.env.LLGI_CACHE_DIR ?? path.join(os.tmpdir(), 'llgo-introspect-cache');
}

/** Compiles (or reuses a cached build) and returns the output path. */
export function compile(req: CompileRequest): string {
  const flags = [...(req.replaceFlags ? [] : FIXTURE_FLAGS), ...(req.flags ?? [])];
  if (req.kind === 'shared') flags.push('-shared');
  const h = createHash('sha256');
  h.update(compilerVersion(req.compiler)).update(req.compiler).update(JSON.stringify(flags));
  for (const s of req.sources) h.update(s).update(fs.readFileSync(s));
  // Headers change outputs too: hash every header of every -I directory and of
  // the sources' own directories.
  const dirs = new Set([...flags.filter((f) => f.startsWith('-I')).map((f) => f.slice(2)), ...req.sources.map((s) => path.dirname(s))]);
  for (const d of [...dirs].sort()) {
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d).filter((n) => /\.(h|hh|hpp)$/.test(n)).sort()) h.update(f).update(fs.readFileSync(path.join(d, f)));
  }
  const dir = req.cacheDir ?? defaultCacheDir();
  fs.mkdirSync(dir, { recursive: true });
  const stem = req.name ?? path.basename(req.sources[0]).replace(/\.\w+$/, '');
  const out = path.join(dir, `${stem}-${h.digest('hex').slice(0, 16)}${req.kind === 'shared' ? '.so' : ''}`);
  if (fs.existsSync(out)) return out;
  // Build beside the final name, then rename: concurrent test processes never see half a file.
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync(req.compiler, [...flags, ...req.sources, '-o', tmp], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new LlgiError('LLGI_IO', `${req.compiler} failed to build ${req.sources.join(' ')}: ${r.error?.message ?? r.stderr}`);
  }
  fs.renameSync(tmp, out);
  return out;
}
