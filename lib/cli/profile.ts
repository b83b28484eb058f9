// `llgo-introspect profile`: a heap profile of one call into a module (docs/memprofile.md).

import path from 'node:path';
import { parseArgs } from 'node:util';
import { LlgiError } from '../../compiler/errors';
import { load } from '../live';
import { gc, memProfile, memProfileRate, setMemProfileRate } from '../memprofile';
import { formatTopLines, topLines, writeHeapProfile } from '../pprof';
import { UsageError, intOption } from './usage';

export function profileCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      call: { type: 'string' },
      arg: { type: 'string', multiple: true },
      rate: { type: 'string' },
      output: { type: 'string', short: 'o' },
      text: { type: 'boolean' },
    },
  });
  const [so, ...extra] = positionals;
  if (!so) throw new UsageError('profile needs a module');
  if (extra.length) throw new UsageError(`profile takes one module, got also ${extra.join(' ')}`);
  if (!values.call) throw new UsageError('profile needs --call <function>');
  const args = (values.arg ?? []).map((a) => intOption('--arg', a));
  const rate = values.rate === undefined ? undefined : intOption('--rate', values.rate);
  const format = values.text ? 'text' : 'proto';
  const output = values.output ?? (values.text ? 'heap.txt' : 'heap.pb.gz');
  const log = output === '-' ? process.stderr : process.stdout;

  const m = load(so);
  if (m.symbol(values.call) === null) throw new LlgiError('LLGI_BAD_ARGUMENT', `${m.path} exports no function ${values.call}`);
  if (rate !== undefined) setMemProfileRate(rate);
  // Module.call, not koffi: on the thread's own stack, which libgc (llgo modules) can scan.
  const result = BigInt.asIntN(32, m.call(values.call, ...args));
  gc();
  const records = memProfile({ inuseZero: true });
  writeHeapProfile(output === '-' ? process.stdout : output, { format, records });
  log.write(`${values.call}(${args.join(', ')})${args.length ? ` = ${result}` : ''}\n`);
  log.write(`wrote ${output === '-' ? 'stdout' : output}: ${format === 'text' ? 'legacy text' : 'profile.proto'}, rate ${memProfileRate()}, ${records.length} record(s)\n`);
  const top = topLines(records, { n: 10 });
  if (top.length) log.write(`top allocation sites (estimates, by alloc_space):\n${formatTopLines(top, { base: (f) => path.basename(f) })}`);
  return 0;
}
