// The in-process fault handler (docs/crash.md): a Go-style traceback of a
// fatal signal inside a loaded module, and a JSON crash record for offline
// symbolization. The handler itself is C (runtime/src/crash.c); this file
// checks options and keeps what was installed.

import fs from 'node:fs';
import path from 'node:path';
import { LlgiError } from '../compiler/errors';
import { coded, native } from './native';

/** The signals the handler can take, with their numbers on Linux. */
export const CRASH_SIGNALS = { SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGSEGV: 11 } as const;
export type CrashSignal = keyof typeof CRASH_SIGNALS;

export interface CrashHandlerOptions {
  /** Where the traceback goes: 'stderr' (default), a file descriptor, or null for none. */
  output?: 'stderr' | number | null;
  /** The crash record's file (JSON), created or truncated at a crash; default none. Relative paths resolve now. */
  record?: string | null;
  /** Signals to handle (default all six). */
  signals?: readonly CrashSignal[];
}

export interface CrashHandlerState {
  output: number | null;
  record: string | null;
  signals: CrashSignal[];
}

let installed: CrashHandlerState | null = null;

/**
 * Installs the fault handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP and
 * SIGABRT (or `opts.signals`), on an alternate signal stack for this thread.
 * A fatal signal whose stack touches a loaded module gets a traceback and a
 * record; then the process dies of it as it would have. Any other signal goes
 * to the handler that was there before. Calling it again replaces the options.
 */
export function installCrashHandler(opts: CrashHandlerOptions = {}): CrashHandlerState {
  const output = opts.output === undefined || opts.output === 'stderr' ? 2 : opts.output;
  if (output !== null && !(Number.isInteger(output) && output >= 0 && output <= 0x7fffffff)) {
    throw new LlgiError('LLGI_BAD_ARGUMENT', `crash handler output must be 'stderr', a file descriptor or null, got ${JSON.stringify(opts.output)}`);
  }
  let record: string | null = null;
  if (opts.record !== undefined && opts.record !== null) {
    if (typeof opts.record !== 'string' || !opts.record) throw new LlgiError('LLGI_BAD_ARGUMENT', `crash handler record must be a file path, got ${JSON.stringify(opts.record)}`);
    record = path.resolve(opts.record);
    if (Buffer.byteLength(record) >= 4096) throw new LlgiError('LLGI_BAD_ARGUMENT', `crash record path is too long (${Buffer.byteLength(record)} bytes, at most 4095)`);
    if (!fs.existsSync(path.dirname(record))) throw new LlgiError('LLGI_IO', `crash record directory ${path.dirname(record)} does not exist`);
  }
  const signals = [...(opts.signals ?? (Object.keys(CRASH_SIGNALS) as CrashSignal[]))];
  if (!signals.length) throw new LlgiError('LLGI_BAD_ARGUMENT', 'crash handler signals: name at least one (or call uninstallCrashHandler)');
  let mask = 0;
  for (const s of signals) {
    const n = CRASH_SIGNALS[s as CrashSignal];
    if (n === undefined) throw new LlgiError('LLGI_BAD_ARGUMENT', `crash handler signal ${JSON.stringify(s)}: expected one of ${Object.keys(CRASH_SIGNALS).join(', ')}`);
    mask |= 1 << n;
  }
  coded(() => native().crashInstall(output ?? -1, record, mask >>> 0));
  installed = { output, record, signals };
  return { ...installed, signals: [...signals] };
}

/** Puts back the handlers installCrashHandler replaced. */
export function uninstallCrashHandler(): void {
  native().crashUninstall();
  installed = null;
}

/** What is installed, or null. */
export function crashHandler(): CrashHandlerState | null {
  return installed && { ...installed, signals: [...installed.signals] };
}

