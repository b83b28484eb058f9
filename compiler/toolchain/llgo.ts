// Drives the real llgo compiler (github.com/xgo-dev/llgo) to build Go
// packages in each of the shapes it writes tables in (docs/llgo.md, "Build
// modes"), cached by a hash of the package sources, the mode and llgo's own
// identity. llgo is found as $LLGO or `llgo` on PATH, with LLGO_ROOT passed
// through as llgo needs it; nothing here installs or builds llgo.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LlgiError } from '../errors';
import { defaultCacheDir, which } from './cc';

/** How llgo is asked to build, and what each mode leaves in the binary. */
export const LLGO_MODES = {
  /** `llgo build`: executable, post-link LLGOFTB1 in a cut entry section. */
  'exe': { args: [], env: {}, shared: false },
  /** `-O0`: the same tables over unoptimized code. */
  'exe-O0': { args: ['-O0'], env: {}, shared: false },
  /** `-ldflags=-w=false`: DWARF kept beside llgo's tables. */
  'exe-dwarf': { args: ['-ldflags=-w=false'], env: {}, shared: false },
  /** `LLGO_PCLNPOST=0`: no post-link rewrite, raw entry sites. */
  'exe-nopost': { args: [], env: { LLGO_PCLNPOST: '0' }, shared: false },
  /** `-pclntab=external`: tables in the `<exe>.pclntab` sidecar (LLGOPCL1), site sections zeroed. */
  'exe-external': { args: ['-pclntab=external'], env: {}, shared: false },
  /** `-pclntab=none`: no funcinfo tables at all, only the symbol table. */
  'exe-none': { args: ['-pclntab=none'], env: {}, shared: false },
  /** `-buildmode c-shared`: raw entry sites, relocated at load; the host calls `main.init`. */
  'c-shared': { args: ['-buildmode', 'c-shared'], env: {}, shared: true },
  /** c-shared with DWARF kept. */
  'c-shared-dwarf': { args: ['-buildmode', 'c-shared', '-ldflags=-w=false'], env: {}, shared: true },
  /** c-shared, unoptimized, DWARF kept: every Go frame stays (no tail calls, no inlining). */
  'c-shared-O0': { args: ['-buildmode', 'c-shared', '-O0', '-ldflags=-w=false'], env: {}, shared: true },
} as const;
export type LlgoMode = keyof typeof LLGO_MODES;

export interface LlgoToolchain {
  /** The llgo binary. */
  bin: string;
  /** LLGO_ROOT (llgo's source tree with its runtime), when set. */
  root: string | null;
  /** `llgo version`. */
  version: string;
  /** The commit of LLGO_ROOT when it is a git checkout. */
  commit: string | null;
  /** The environment llgo runs with. */
  env: NodeJS.ProcessEnv;
}

/** The machine's Go first on PATH: llgo runs `go list`, and Debian's older go can shadow it. */
function buildEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dirs = ['/usr/local/go/bin', '/usr/lib/llvm-19/bin'].filter((d) => fs.existsSync(d));
  return { ...base, PATH: [...dirs, base.PATH ?? ''].join(path.delimiter) };
}

/** llgo from $LLGO or PATH, or null when there is none (or it does not run). */
export function findLlgo(env: NodeJS.ProcessEnv = process.env): LlgoToolchain | null {
  const bin = env.LLGO || which('llgo');
  if (!bin || !fs.existsSync(bin)) return null;
  const runEnv = buildEnv(env);
  const v = spawnSync(bin, ['version'], { encoding: 'utf8', env: runEnv });
  if (v.error || v.status !== 0) return null;
  const root = env.LLGO_ROOT || null;
  let commit: string | null = null;
  if (root) {
    const g = spawnSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
    if (g.status === 0) commit = g.stdout.trim();
  }
  return { bin, root, version: v.stdout.trim(), commit, env: runEnv };
}

export interface LlgoBuildRequest {
  /** The Go module's root directory (holds go.mod). */
  module: string;
  /** The package to build, relative to the module: './cmd/app'. */
  pkg: string;
  mode: LlgoMode;
  /** Output file stem (default: the package's last element). */
  name?: string;
  cacheDir?: string;
}

export interface LlgoBuild {
  path: string;
  mode: LlgoMode;
  /** `<path>.pclntab` when the mode writes the external sidecar. */
  sidecar: string | null;
  shared: boolean;
}

/**
 * Every .go file and go.mod/go.sum below `dir` and below the local
 * directories its go.mod replaces modules with (the probe package), in a
 * stable order: what a build of the module reads besides the toolchain.
 */
export function moduleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.go$|^go\.(mod|sum)$/.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  const mod = path.join(dir, 'go.mod');
  const text = fs.existsSync(mod) ? fs.readFileSync(mod, 'utf8') : '';
  for (const m of text.matchAll(/=>\s*(\.{1,2}\/\S*|\/\S+)\s*$/gm)) {
    const target = path.resolve(dir, m[1]);
    if (fs.existsSync(target) && fs.statSync(target).isDirectory()) walk(target);
  }
  return out;
}

/** Builds (or reuses) `req.pkg` with llgo in `req.mode`. */
export function llgoBuild(tc: LlgoToolchain, req: LlgoBuildRequest): LlgoBuild {
  const mode = LLGO_MODES[req.mode];
  if (!mode) throw new LlgiError('LLGI_BAD_ARGUMENT', `unknown llgo mode ${JSON.stringify(req.mode)}: expected one of ${Object.keys(LLGO_MODES).join(', ')}`);
  const module = path.resolve(req.module);
  const h = createHash('sha256').update(tc.version).update(tc.commit ?? '').update(String(fs.statSync(tc.bin).mtimeMs));
  // A mode's flags, not only its name: a changed flag is another build.
  h.update(JSON.stringify([req.pkg, req.mode, mode.args, mode.env]));
  // The binary records its sources' absolute paths: another checkout is another build.
  h.update(module);
  for (const f of moduleFiles(module)) h.update(path.relative(module, f)).update(fs.readFileSync(f));
  // llgo names a c-shared library lib<name>.so whatever -o says: ask for that name.
  const stem = req.name ?? path.basename(req.pkg);
  const name = mode.shared ? `lib${stem.replace(/^lib/, '').replace(/\.so$/, '')}.so` : stem;
  const dir = path.join(req.cacheDir ?? defaultCacheDir(), 'llgo-real', `${req.mode}-${h.digest('hex').slice(0, 16)}`);
  const out = path.join(dir, name);
  const sidecar = req.mode === 'exe-external' ? `${out}.pclntab` : null;
  if (!fs.existsSync(out) || (sidecar && !fs.existsSync(sidecar))) {
    fs.mkdirSync(dir, { recursive: true });
    // Build beside the final name, then rename: a concurrent or killed build never leaves half a binary.
    const tmp = path.join(dir, `.tmp-${process.pid}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
    const tmpOut = path.join(tmp, name);
    const r = spawnSync(tc.bin, ['build', ...mode.args, '-o', tmpOut, req.pkg], {
      cwd: module, encoding: 'utf8', env: { ...tc.env, ...mode.env }, maxBuffer: 64 << 20,
    });
    if (r.error || r.status !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new LlgiError('LLGI_IO', `llgo build ${mode.args.join(' ')} ${req.pkg} failed (${r.error?.message ?? `status ${r.status}`}):\n${(r.stderr ?? '').split('\n').slice(-30).join('\n')}`);
    }
    if (sidecar) fs.renameSync(`${tmpOut}.pclntab`, sidecar);
    fs.renameSync(tmpOut, out);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { path: out, mode: req.mode, sidecar, shared: mode.shared };
}
