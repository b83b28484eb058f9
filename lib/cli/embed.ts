// `llgo-introspect reserve` and `llgo-introspect postlink` (docs/embedding.md).

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { postlink } from '../../compiler/embed/postlink';
import { reserveSource } from '../../compiler/embed/reserve';
import { UsageError, intOption } from './usage';

const outputOption = { output: { type: 'string', short: 'o' } } as const;

export function reserveCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: outputOption });
  if (positionals.length !== 1) throw new UsageError('reserve needs one size in bytes');
  const text = reserveSource(intOption('reserve', positionals[0]));
  if (values.output && values.output !== '-') fs.writeFileSync(values.output, text);
  else process.stdout.write(text);
  return 0;
}

export function postlinkCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: outputOption });
  if (positionals.length !== 1) throw new UsageError('postlink needs one binary');
  const r = postlink(positionals[0], { output: values.output });
  for (const w of r.report.warnings) process.stderr.write(`llgo-introspect: warning: ${w}\n`);
  const index = r.sumsBytes ? ` + ${r.sumsBytes}-byte checksum index` : ', no checksum index';
  process.stdout.write(`${r.output}: embedded ${r.tableBytes}${index} in ${r.reservedBytes} reserved bytes (${r.functions} functions)\n`);
  return 0;
}
