// `llgo-introspect conformance` (docs/conformance.md).

import path from 'node:path';
import { parseArgs } from 'node:util';
import { goTestsCommand } from '../conformance/gotests';
import { SUBJECTS, bundledScenarios, check, formatReport, type Subject } from '../conformance/index';
import { bigintHex } from './json';
import { UsageError } from './usage';

/** Exit status of `conformance` when a difference is not a known deviation. */
const REGRESSIONS = 3;

export function conformanceCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, options: { subject: { type: 'string' }, json: { type: 'boolean' }, 'go-tests': { type: 'boolean' } },
  });
  const subject = (values.subject ?? 'llgo') as Subject;
  if (!SUBJECTS.includes(subject)) throw new UsageError(`unknown subject ${JSON.stringify(values.subject)}: expected ${SUBJECTS.join(' or ')}`);
  if (values['go-tests']) {
    if (positionals.length) throw new UsageError('conformance --go-tests takes no module or package');
    return goTestsCommand(subject, !!values.json);
  }
  if (positionals.length !== 0 && positionals.length !== 2) throw new UsageError('conformance takes a Go module directory and a package, or nothing');
  const scenarios = positionals.length
    ? [{ name: path.basename(positionals[1]), module: path.resolve(positionals[0]), pkg: positionals[1] }]
    : bundledScenarios();
  const reports = scenarios.map((s) => ({ scenario: s.name, ...check(s, subject) }));
  if (values.json) process.stdout.write(JSON.stringify(reports, bigintHex, 2) + '\n');
  else for (const r of reports) process.stdout.write(`scenario ${r.scenario}: ${formatReport(r)}`);
  return reports.some((r) => r.regressions.length) ? REGRESSIONS : 0;
}
