// Runs the CLI from source (tsx) as a user would run the bin.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** The command line that runs the CLI from source: node --import tsx lib/cli.ts. */
export const CLI = [process.execPath, '--import', 'tsx', path.join(ROOT, 'lib', 'cli.ts')];

export function runCli(args: string[], input?: string, env?: NodeJS.ProcessEnv) {
  const r = spawnSync(CLI[0], [...CLI.slice(1), ...args], {
    cwd: ROOT, input, encoding: 'utf8', maxBuffer: 1 << 28, env: env ?? process.env,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI as a child with piped stdio, for tests that talk to it as it runs. */
export function spawnCli(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(CLI[0], [...CLI.slice(1), ...args], { cwd: ROOT });
}

/** Runs the CLI with stdout a pipe whose reader is gone before it writes a byte (EPIPE on its first write). */
export async function intoClosedPipe(args: string[], input = ''): Promise<{ status: number | null; stderr: string }> {
  const child = spawnCli(args);
  child.stdout.destroy();
  const done = exited(child);
  child.stdin.on('error', () => {}); // the child may be gone before it reads
  child.stdin.end(input);
  return done;
}

/** Resolves with the child's exit status and everything it wrote to stderr. */
export function exited(child: ChildProcessWithoutNullStreams): Promise<{ status: number | null; stderr: string }> {
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

/**
 * `symbolize` as a coprocess: ask() writes one line, with stdin left open,
 * and resolves with the answer that comes back (up to the answer's end:
 * the empty line after text answers, the newline after a JSON line).
 */
export class Coprocess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly done: Promise<{ status: number | null; stderr: string }>;
  private out = '';
  private waiting: (() => void) | undefined;

  constructor(args: string[], private readonly end: string) {
    this.child = spawnCli(args);
    this.done = exited(this.child);
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.out += d;
      this.waiting?.();
    });
  }

  ask(line: string, timeoutMs = 60_000): Promise<string> {
    this.child.stdin.write(`${line}\n`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(line)} in ${timeoutMs} ms; got ${JSON.stringify(this.out)}`)), timeoutMs);
      this.waiting = () => {
        const at = this.out.indexOf(this.end);
        if (at < 0) return;
        clearTimeout(timer);
        this.waiting = undefined;
        const answer = this.out.slice(0, at + this.end.length);
        this.out = this.out.slice(answer.length);
        resolve(answer);
      };
      this.waiting();
    });
  }

  /** Closes stdin and resolves with the exit status, stderr, and any output after the last answer. */
  async close(): Promise<{ status: number | null; stderr: string; rest: string }> {
    this.child.stdin.end();
    const r = await this.done;
    return { ...r, rest: this.out };
  }
}

/** 1-based line of the first source line containing `marker`. */
export function markerLine(source: string, text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker ${JSON.stringify(marker)} not in ${source}`);
  return i + 1;
}
