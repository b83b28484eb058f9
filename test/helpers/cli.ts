// Runs the CLI from source (tsx) as a user would run the bin.

import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export function runCli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'lib', 'cli.ts'), ...args], {
    cwd: ROOT, input, encoding: 'utf8', maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** 1-based line of the first source line containing `marker`. */
export function markerLine(source: string, text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker ${JSON.stringify(marker)} not in ${source}`);
  return i + 1;
}
