#!/usr/bin/env node
// The llgo-introspect command line. Each command's modules are required when
// it runs: `--help` loads this file, lib/cli/usage.ts and compiler/errors.ts,
// and `symbolize` never loads the profiler, the crash readers or pprof-format.

import { isLlgiError } from '../compiler/errors';
import { USAGE, UsageError } from './cli/usage';

/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS = new Map<string, () => (argv: string[]) => number | Promise<number>>([
  ['symbolize', () => (require('./cli/symbolize') as typeof import('./cli/symbolize')).symbolizeCommand],
  ['profile', () => (require('./cli/profile') as typeof import('./cli/profile')).profileCommand],
  ['crash', () => (require('./cli/crash') as typeof import('./cli/crash')).crashCommand],
  ['core', () => (require('./cli/crash') as typeof import('./cli/crash')).coreCommand],
  ['reserve', () => (require('./cli/embed') as typeof import('./cli/embed')).reserveCommand],
  ['postlink', () => (require('./cli/embed') as typeof import('./cli/embed')).postlinkCommand],
  ['conformance', () => (require('./cli/conformance') as typeof import('./cli/conformance')).conformanceCommand],
  ['demo', () => () => {
    (require('./demo') as typeof import('./demo')).runDemo(process.stdout);
    return 0;
  }],
]);
/* eslint-enable @typescript-eslint/no-require-imports */

const HELP = new Set(['help', '--help', '-h']);

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || HELP.has(cmd)) {
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    }
    const command = COMMANDS.get(cmd);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    return await command()(rest);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`llgo-introspect: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (isLlgiError(e)) {
      process.stderr.write(`llgo-introspect: ${e.message} [${e.code}]\n`);
      return 1;
    }
    throw e;
  }
}

/**
 * Output into a closed pipe (`| head`) ends the run quietly with status 0, as
 * llvm-symbolizer and grep end (Node ignores SIGPIPE, so a write fails with
 * EPIPE instead); a closed stderr only loses the diagnostics.
 */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

if (require.main === module) {
  quietOnClosedPipe();
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
