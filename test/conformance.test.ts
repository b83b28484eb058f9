// The conformance harness (lib/conformance, docs/conformance.md): frames
// aligned by function so one missing frame is one difference, differences
// classified against the known-deviation table, gc against itself identical,
// llgo (when present) with no regression, and the CLI's report and exit status.

import test from 'ava';
import {
  KNOWN_DEVIATIONS, alignFrames, bundledScenarios, check, classify, compareRuns, expectConformance, groundTruth,
  type Difference, type Run,
} from '../lib/conformance/index';
import { isLlgiError } from '../compiler/errors';
import { runCli } from './helpers/cli';
import { testWithLlgo } from './helpers/llgo-real';
import { testWith } from './helpers/tools';

const [SHAPES] = bundledScenarios();

test('alignFrames: a frame one side lacks is one unpaired frame, the rest stay paired', (t) => {
  const want = ['a', 'b', 'c', 'd'];
  const got = ['a', 'c', 'd', 'e'];
  const pairs = alignFrames(want, got, (f) => f).map((p) => [p.want ?? '-', p.got ?? '-']);
  t.deepEqual(pairs, [['a', 'a'], ['b', '-'], ['c', 'c'], ['d', 'd'], ['-', 'e']]);
});

test('alignFrames: unmatched frames between two matched ones pair in order (a renamed frame)', (t) => {
  const pairs = alignFrames(['m', 'x', 'y', 'n'], ['m', 'X', 'n'], (f) => f).map((p) => [p.want ?? '-', p.got ?? '-']);
  t.deepEqual(pairs, [['m', 'm'], ['x', 'X'], ['y', '-'], ['n', 'n']]);
});

test('classify: every known deviation names its subject, reason and scenario; an unmatched difference is a regression', (t) => {
  for (const k of KNOWN_DEVIATIONS) {
    t.regex(k.id, /^[a-z]+(-[a-z]+)+$/);
    t.true(k.reason.length > 20 && k.shownBy.length > 5, k.id);
  }
  const frame = (function_: string, file: string, line: number) => ({ function: function_, gcFunction: function_, file, line });
  const tail: Difference = { probe: 'p', kind: 'file', want: frame('runtime.main', '/go/src/runtime/proc.go', 290), got: frame('runtime.main', '', 0) };
  t.is(classify(tail, 'llgo')?.id, 'llgo-runtime-tail');
  t.is(classify(tail, 'gccgo')?.id, 'gccgo-runtime-frames', 'deviations are per subject');
  t.is(classify(tail, 'tinygo'), undefined);
  const line: Difference = { probe: 'p', kind: 'line', want: frame('main.f', '/x/main.go', 10), got: frame('main.f', '/x/main.go', 11) };
  t.is(classify(line, 'llgo'), undefined);
});

/** A copy of `r` whose first report's frame `i` has another line. */
function withLine(r: Run, i: number, line: number): Run {
  const reports = r.reports.map((p, k) => (k ? p : { ...p, frames: p.frames.map((f, j) => (j === i ? { ...f, line } : f)) }));
  return { ...r, subject: 'llgo', reports };
}

testWith(['go'], 'gc against itself on the bundled scenario: every frame identical, no difference', (t) => {
  const truth = groundTruth(SHAPES);
  t.is(truth.reports.length, 15);
  const r = compareRuns(truth, truth);
  t.deepEqual(r.differences, []);
  t.is(r.frames.equal, r.frames.compared);
  t.true(r.frames.compared > 80);
  t.regex(r.truth.version, /^go version go1\.\d+/);
  t.notThrows(() => expectConformance(r));
});

testWith(['go'], 'a wrong line is one regression at that frame, and expectConformance throws the report', (t) => {
  const truth = groundTruth(SHAPES);
  const f = truth.reports[0].frames[1];
  const r = compareRuns(truth, withLine(truth, 1, f.line + 3));
  t.is(r.regressions.length, 1);
  t.like(r.regressions[0], { probe: truth.reports[0].tag, kind: 'line', wantIndex: 1, gotIndex: 1, want: { line: f.line }, got: { line: f.line + 3 } });
  t.is(r.frames.equal, r.frames.compared - 1);
  const e = t.throws(() => expectConformance(r))!;
  t.true(isLlgiError(e, 'LLGI_ASSERTION'));
  t.regex(e.message, /1 regression/);
  t.regex(e.message, /REGRESSION: line/);
});

testWith(['go'], 'CLI: conformance --subject gc prints the match rate and exits 0; --json is the structured report', (t) => {
  const r = runCli(['conformance', '--subject', 'gc']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^scenario shapes: gc \(go version go1\.[\d.]+ [\w/]+\) against gc/m);
  t.regex(r.stdout, /frames: (\d+) of \1 identical \(100\.0%\); 0 known deviations, 0 regressions/);
  const j = runCli(['conformance', '--subject', 'gc', '--json']);
  const [report] = JSON.parse(j.stdout);
  t.is(report.scenario, 'shapes');
  t.deepEqual(report.regressions, []);
  t.is(runCli(['conformance', '--subject', 'tcc']).status, 2);
});

testWithLlgo('llgo against gc on the bundled scenario: no regression; every difference is a listed deviation', (t) => {
  const r = check(SHAPES, 'llgo');
  t.log(`llgo: ${r.frames.equal} of ${r.frames.compared} frames identical`);
  t.deepEqual(r.regressions, []);
  const ids = new Set(r.differences.map((d) => d.deviation!.id));
  t.deepEqual([...ids].sort(), [
    'llgo-closure-inlined', 'llgo-closure-name', 'llgo-goroutine-entry', 'llgo-init-frames', 'llgo-panic-frame', 'llgo-runtime-tail',
  ]);
  // What llgo gets right: every user frame away from those.
  t.true(r.frames.equal >= 60, `${r.frames.equal}`);
  t.notThrows(() => expectConformance(r, { deviations: [...ids] }));
  t.throws(() => expectConformance(r, { deviations: ['llgo-runtime-tail'] }), { message: /not expected here: .*llgo-init-frames/ });
});

testWithLlgo('CLI: conformance (llgo by default) exits 0 and lists each known deviation', (t) => {
  const r = runCli(['conformance']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^scenario shapes: llgo /m);
  t.regex(r.stdout, /known llgo-goroutine-entry: function/);
});

testWith(['go', 'gccgo'], 'gccgo against gc on the bundled scenario: no regression; every difference is a listed deviation', (t) => {
  const r = check(SHAPES, 'gccgo');
  t.log(`gccgo: ${r.frames.equal} of ${r.frames.compared} frames identical`);
  t.regex(r.subject.version, /^gccgo /);
  t.deepEqual(r.regressions, []);
  t.deepEqual([...new Set(r.differences.map((d) => d.deviation!.id))].sort(), [
    'gccgo-closure-name', 'gccgo-init-frames', 'gccgo-method-receiver', 'gccgo-no-generics', 'gccgo-recover-thunk', 'gccgo-runtime-frames',
  ]);
  // The user frames gccgo names and places as gc does.
  t.true(r.frames.equal >= 45, `${r.frames.equal}`);
});
