#!/usr/bin/env node
// The llgo-introspect command line.

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { isLlgiError } from '../compiler/errors';
import { runDemo } from './demo';
import { Symbolizer, formatFrames, type Frame } from './symbolize';

const USAGE = `usage: llgo-introspect <command> [options]

commands:
  symbolize <binary> [addr...]   symbolize link-time addresses (hex 0x... or decimal);
                                 with no addr arguments, addresses are read from stdin
      --json                     machine-readable output
      -r, --return-addresses     treat addresses as return addresses (look up addr-1)
      --strict                   fail on corrupt DWARF instead of answering from symbols
  demo                           build the bundled example with cc and show what the toolkit does
  help                           this text
`;

class UsageError extends Error {}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function frameJson(f: Frame) {
  return { pc: hex(f.pc), function: f.function, file: f.file, line: f.line, entry: hex(f.entry), inlined: f.inlined };
}

function symbolizeCommand(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      'return-addresses': { type: 'boolean', short: 'r' },
      strict: { type: 'boolean' },
    },
  });
  const [binary, ...words] = positionals;
  if (!binary) throw new UsageError('symbolize needs a binary');
  const addrs = words.length ? words : fs.readFileSync(0, 'utf8').split(/\s+/).filter(Boolean);
  const sym = Symbolizer.open(binary, { strict: values.strict });
  for (const w of sym.report?.warnings ?? []) process.stderr.write(`llgo-introspect: warning: ${w}\n`);
  const results = sym.symbolize(addrs, { returnAddresses: values['return-addresses'] });
  if (values.json) {
    const out = results.map((frames, i) => ({ address: addrs[i], frames: frames.map(frameJson) }));
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  process.stdout.write(results.map((frames) => (frames.length ? formatFrames(frames) : '?\n\t?:0\n')).join('\n'));
}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'symbolize':
        symbolizeCommand(rest);
        return 0;
      case 'demo':
        runDemo(process.stdout);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    }
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

if (require.main === module) process.exitCode = main(process.argv.slice(2));

