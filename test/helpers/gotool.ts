// The machine's Go toolchain as an oracle: `go tool pprof` reads our profiles.

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { tools } from './tools';

/** Go 1.26 first on PATH, no toolchain download, a cache even without HOME. */
export function goEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/local/go/bin:${process.env.PATH ?? ''}`, GOTOOLCHAIN: 'local' };
  if (!env.GOCACHE && !env.HOME && !env.XDG_CACHE_HOME) env.GOCACHE = path.join(os.tmpdir(), 'llgo-introspect-gocache');
  return env;
}

/** `go tool pprof <args> <file>`'s stdout (the first run builds pprof into the Go cache). */
export function pprof(args: string[], file: string): string {
  const r = spawnSync(tools.go!, ['tool', 'pprof', ...args, file], { encoding: 'utf8', env: goEnv(), cwd: path.dirname(file), maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`go tool pprof ${args.join(' ')} ${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** `-top` rows: name -> flat, cum (count units only). */
export function parseTop(out: string): Map<string, { flat: number; cum: number }> {
  const rows = new Map<string, { flat: number; cum: number }>();
  for (const l of out.split('\n')) {
    const m = /^\s*(\d+)\s+\S+%\s+\S+%\s+(\d+)\s+\S+%\s+(.+?)\s*$/.exec(l);
    if (m) rows.set(m[3], { flat: Number(m[1]), cum: Number(m[2]) });
  }
  return rows;
}
