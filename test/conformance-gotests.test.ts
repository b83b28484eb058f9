// The Go-test-suite mode of the conformance harness (lib/conformance/gotests.ts,
// docs/conformance.md "Go's own test programs"): the runtime-introspection
// programs of GOROOT/test selected by their recipe, gc passing every one it
// runs (the ground truth), and llgo and gccgo each giving a complete,
// consistent pass/fail report, also through the CLI.

import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  evalBuildExpr, formatGoTestReport, goTestPrograms, readProgram, runGoTests, splitQuoted, type GoTestReport,
} from '../lib/conformance/gotests';
import { runCli } from './helpers/cli';
import { testWithLlgo } from './helpers/llgo-real';
import { testWith } from './helpers/tools';

/** The programs the conformance issue names as calling the introspection APIs. */
const KNOWN = [
  'inline_callers.go', 'inline_caller.go', 'inline_literal.go', 'heapsampling.go', 'fixedbugs/issue58300.go',
  'fixedbugs/issue5856.go', 'fixedbugs/issue4562.go', 'fixedbugs/bug348.go', 'fixedbugs/issue34123.go', 'fixedbugs/issue18149.go',
];
const GOROOT = '/usr/local/go';

test('splitQuoted and evalBuildExpr read recipes and constraints as cmd/internal/testdir does', (t) => {
  t.deepEqual(splitQuoted('run -gcflags "-l=4 -N" a\\ b \'c d\''), ['run', '-gcflags', '-l=4 -N', 'a b', 'c d']);
  t.deepEqual(splitQuoted('run'), ['run']);
  const m = (tag: string) => ['linux', 'amd64', 'gc'].includes(tag);
  t.true(evalBuildExpr('linux && (amd64 || arm64)', m));
  t.false(evalBuildExpr('!wasm && !amd64', m));
  t.true(evalBuildExpr('!(windows || darwin) && gc', m));
});

test('readProgram: the recipe is the first line past the build constraints; only `// run [args]` runs', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-gotests-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const prog = (name: string, header: string) => {
    fs.writeFileSync(path.join(dir, name), `${header}\n\npackage main\n\nimport "runtime"\n\nfunc main() { runtime.Caller(0) }\n`);
    return readProgram(dir, name, 26)!;
  };
  const plain = prog('a.go', '// run');
  t.is(plain.skip, null);
  t.deepEqual(plain.args, []);
  t.deepEqual(plain.apis, ['runtime.Caller']);
  const withArgs = prog('b.go', '//go:build linux || !linux\n\n// run hello "two words"');
  t.is(withArgs.skip, null);
  t.deepEqual(withArgs.args, ['hello', 'two words']);
  t.regex(prog('c.go', '// run -gcflags=-l=4').skip ?? '', /go command flags \(-gcflags=-l=4\)/);
  t.regex(prog('d.go', '// buildrun').skip ?? '', /only "\/\/ run"/);
  t.regex(prog('e.go', '// runoutput').skip ?? '', /only "\/\/ run"/);
  t.regex(prog('f.go', '//go:build wasm\n\n// run').skip ?? '', /build constraint/);
  fs.writeFileSync(path.join(dir, 'g.go'), '// run\n\npackage main\n\nfunc main() {}\n');
  t.is(readProgram(dir, 'g.go'), null, 'a program that calls none of the APIs is not selected');
});

testWith(['go'], 'goTestPrograms selects the known introspection programs that exist in GOROOT/test', (t) => {
  const programs = goTestPrograms(GOROOT);
  const names = programs.map((p) => p.name);
  t.log(`${programs.length} selected, ${programs.filter((p) => !p.skip).length} run: ${names.join(' ')}`);
  for (const k of KNOWN) t.is(names.includes(k), fs.existsSync(path.join(GOROOT, 'test', k)), k);
  t.is(new Set(names).size, names.length);
  for (const p of programs) {
    t.true(p.apis.length > 0 || p.name === 'heapsampling.go', p.name);
    if (p.skip) t.false(/^run$/.test(p.recipe), `${p.name} is plain "// run" yet skipped: ${p.skip}`);
  }
  // The inliner tests ask the go command for -gcflags -l=4: selected, but skipped, saying why.
  for (const n of ['inline_caller.go', 'inline_callers.go'].filter((n) => names.includes(n))) {
    t.regex(programs.find((p) => p.name === n)!.skip ?? '', /-gcflags/, n);
  }
});

/** Every selected program has exactly one result, in order, and the counts agree with the results. */
function assertComplete(t: ExecutionContext, r: GoTestReport) {
  const programs = goTestPrograms(GOROOT);
  t.deepEqual(r.results.map((x) => x.name), programs.map((p) => p.name));
  for (const [i, x] of r.results.entries()) {
    const p = programs[i];
    t.is(x.subject, r.subject);
    t.is(x.status === 'skip', !!p.skip, x.name);
    t.is(x.passed, x.status === 'pass', x.name);
    if (x.status !== 'pass') t.truthy(x.reason, `${x.name} says why it is ${x.status}`);
    if (x.status === 'build-failed') t.true(x.output.length > 0, `${x.name}: the compiler's first error line`);
    if (x.status !== 'skip') t.is(typeof x.gcPassed, 'boolean', x.name);
    t.is(x.regression, !!x.gcPassed && !x.passed, x.name);
  }
  const ran = r.results.filter((x) => x.status !== 'skip');
  t.is(r.total, ran.length);
  t.is(r.passed, ran.filter((x) => x.passed).length);
  t.deepEqual(r.regressions, r.results.filter((x) => x.regression).map((x) => x.name));
  t.true(formatGoTestReport(r).endsWith(`${r.passed} of ${r.total} pass${r.results.length > r.total ? ` (${r.results.length - r.total} skipped)` : ''}${r.regressions.length ? `; gc passes but ${r.subject} fails: ${r.regressions.join(', ')}` : ''}\n`));
}

function logReport(t: ExecutionContext, r: GoTestReport) {
  t.log(`${r.subject} (${r.version}): ${r.passed} of ${r.total} pass`);
  for (const x of r.results) if (x.status === 'fail' || x.status === 'build-failed') t.log(`${x.status} ${x.name}: ${x.reason}`);
}

testWith(['go'], 'gc passes every Go test program the harness runs (the ground truth)', (t) => {
  const r = runGoTests('gc', { goroot: GOROOT });
  logReport(t, r);
  assertComplete(t, r);
  t.true(r.total > 0);
  t.deepEqual(r.results.filter((x) => x.status !== 'skip' && !x.passed).map((x) => `${x.name}: ${x.reason}`), []);
});

testWithLlgo('llgo: a complete pass/fail report over the Go test programs', (t) => {
  const r = runGoTests('llgo', { goroot: GOROOT });
  logReport(t, r);
  assertComplete(t, r);
  t.true(r.total > 0);
});

testWith(['go', 'gccgo'], 'gccgo: a complete pass/fail report over the Go test programs', (t) => {
  const r = runGoTests('gccgo', { goroot: GOROOT });
  logReport(t, r);
  assertComplete(t, r);
  t.true(r.total > 0);
});

testWith(['go'], 'CLI: conformance --go-tests prints a line per program and the summary; exit 0 for gc against itself', (t) => {
  const r = runCli(['conformance', '--go-tests', '--subject', 'gc']);
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.regex(lines.at(-1)!, /^\d+ of \d+ pass/);
  t.true(lines.some((l) => /^PASS\s+fixedbugs\/issue5856\.go$/.test(l)), r.stdout);
  t.true(lines.some((l) => /^SKIP\s+inline_callers\.go\s+recipe/.test(l)), r.stdout);
  const j = runCli(['conformance', '--go-tests', '--subject', 'gc', '--json']);
  t.is(j.status, 0, j.stderr);
  const report = JSON.parse(j.stdout) as GoTestReport;
  t.is(report.subject, 'gc');
  t.is(report.results.length, goTestPrograms(GOROOT).length);
  t.is(runCli(['conformance', '--go-tests', 'a', 'b']).status, 2);
});
