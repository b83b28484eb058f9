// The conformance harness (lib/conformance, docs/conformance.md): frames
// aligned by function so one missing frame is one difference, differences
// classified against the known-deviation table, gc against itself identical,
// llgo (when present) with no regression, and the CLI's report and exit status.

import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {
  KNOWN_DEVIATIONS, alignFrames, bundledScenarios, check, classify, compareRuns, expectConformance, formatReport, groundTruth, heapSites,
  type Difference, type HeapRecord, type Run,
} from '../lib/conformance/index';
import { markerLine } from '../lib/index';
import { isLlgiError } from '../compiler/errors';
import { runCli } from './helpers/cli';
import { testWithLlgo } from './helpers/llgo-real';
import { testWith } from './helpers/tools';

const [SHAPES, HEAP] = bundledScenarios();
const HEAP_GO = path.join(HEAP.module, 'heap', 'heap.go');
/** The heap scenario's allocations of each kind (go/scenarios/cmd/heap). */
const N = 100;

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
  const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'conformance.md'), 'utf8');
  for (const k of KNOWN_DEVIATIONS) {
    t.regex(k.id, /^[a-z]+(-[a-z]+)+$/);
    t.true(k.reason.length > 20 && k.shownBy.length > 5, k.id);
    t.true(doc.includes(`| \`${k.id}\` |`), `docs/conformance.md lists ${k.id}`);
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
  t.is(truth.reports.length, 22);
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
  // Two runs of gc: tiny blocks fill from where the run's earlier allocations left them.
  t.regex(r.stdout, /^scenario heap: gc .*\nheap sites: \d+ of 13 identical \([\d.]+%\); \d+ known deviations, 0 regressions$/m);
  t.notRegex(r.stdout.slice(r.stdout.indexOf('scenario heap:')), /known (?!tiny-allocator|deviations)/);
  const j = runCli(['conformance', '--subject', 'gc', '--json']);
  const [report] = JSON.parse(j.stdout);
  t.is(report.scenario, 'shapes');
  t.deepEqual(report.regressions, []);
  t.is(runCli(['conformance', '--subject', 'tcc']).status, 2);
});

testWith(['go'], "gc's heap profile at rate 1 on the heap scenario: every allocation of a kind at its marked line; gc against itself identical", (t) => {
  const truth = groundTruth(HEAP);
  t.is(truth.heap!.length, 1);
  t.is(truth.heap![0].rate, 1);
  const sites = heapSites(truth.heap![0], 'gc');
  const at = (marker: string) => sites.filter((s) => s.file === HEAP_GO && s.line === markerLine(HEAP_GO, `@heap:${marker}`));
  // One object per allocation for every kind gc does not pack into tiny blocks
  // (the 12- and 13-byte strings and byte slices of convert may share them).
  for (const kind of ['composite', 'make-slice', 'make-map', 'make-chan', 'closure']) {
    t.deepEqual(at(kind).map((s) => s.allocObjects), [N], kind);
  }
  t.is(at('make-slice')[0].allocBytes, N * 16 * 8);
  // append doubles the backing array up to 128 ints; the growths under 32 bytes stay in gc's stack buffer.
  t.deepEqual(at('append')[0].sizes, { 64: 1, 128: 1, 256: 1, 512: 1, 1024: 1 });
  // 8-byte pointer-free objects share 16-byte tiny blocks: about half as many
  // records as objects (one more when the first block was already half full).
  const [tiny] = at('new');
  t.deepEqual(Object.keys(tiny.sizes), ['16']);
  t.true(tiny.allocObjects === N / 2 || tiny.allocObjects === N / 2 + 1, `${tiny.allocObjects}`);
  const r = compareRuns(truth, truth);
  t.deepEqual(r.differences, []);
  t.is(r.heap.compared, sites.length);
  t.is(r.heap.equal, sites.length);
  t.regex(formatReport(r), /heap sites: (\d+) of \1 identical \(100\.0%\); 0 known deviations, 0 regressions/);
});

testWith(['go'], 'a heap site with another count is one heap-objects regression; a site on another line of the function is heap-site-line', (t) => {
  const truth = groundTruth(HEAP);
  const slices = markerLine(HEAP_GO, '@heap:make-slice');
  const edit = (f: (r: HeapRecord) => HeapRecord): Run => ({
    // A subject without deviations of its own: only gc's ('any') apply.
    ...truth, subject: 'other', heap: truth.heap!.map((h) => ({ ...h, records: h.records.map(f) })),
  });
  const isSlices = (r: HeapRecord) => r.frames.some((f) => f.file === HEAP_GO && f.line === slices);
  const more = compareRuns(truth, edit((r) => (isSlices(r) ? { ...r, allocObjects: r.allocObjects + 1, allocBytes: r.allocBytes + 128 } : r)));
  t.is(more.regressions.length, 1);
  t.like(more.regressions[0], { kind: 'heap-objects', want: { line: slices, allocObjects: N }, got: { line: slices, allocObjects: N + 1 } });
  const moved = compareRuns(truth, edit((r) => (isSlices(r) ? { ...r, frames: r.frames.map((f) => (f.line === slices ? { ...f, line: slices - 1 } : f)) } : r)));
  t.is(moved.differences.length, 1);
  t.like(moved.differences[0], { kind: 'heap-site-line', want: { line: slices }, got: { line: slices - 1, allocObjects: N } });
  t.is(moved.heap.equal, moved.heap.compared - 1);
});

testWithLlgo('llgo against gc on the bundled scenarios: no regression; every difference is a listed deviation', (t) => {
  const r = check(SHAPES, 'llgo');
  t.log(`llgo: ${r.frames.equal} of ${r.frames.compared} frames identical`);
  t.deepEqual(r.regressions, []);
  const ids = new Set(r.differences.map((d) => d.deviation!.id));
  t.deepEqual([...ids].sort(), [
    'llgo-closure-name', 'llgo-goroutine-entry', 'llgo-init-frames', 'llgo-inlined-frame', 'llgo-library-lines', 'llgo-method-value-thunk',
    'llgo-panic-frame', 'llgo-reflect-call-cut', 'llgo-runtime-tail', 'llgo-stack-after-recover', 'llgo-wrapper-frame',
  ]);
  // What llgo gets right: every user frame away from those.
  t.true(r.frames.equal >= 95, `${r.frames.equal}`);
  // The frames after a recovered panic: llgo's runtime Panic and the recovering function are still on the stack.
  const after = r.differences.filter((d) => d.probe === 'after-recover' && d.kind === 'extra-frame').map((d) => d.got!.function.replace(/^.*\//, ''));
  t.deepEqual(after, ['runtime.Panic', 'shapes.recovered']);
  const h = check(HEAP, 'llgo');
  t.deepEqual(h.differences.map((d) => [d.kind, d.deviation?.id]), [['heap-no-stacks', 'llgo-memprofile-no-stacks']]);
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
    'gccgo-closure-name', 'gccgo-init-frames', 'gccgo-libgo-library', 'gccgo-method-receiver', 'gccgo-no-generics', 'gccgo-recover-thunk', 'gccgo-runtime-frames',
  ]);
  // The user frames gccgo names and places as gc does.
  t.true(r.frames.equal >= 80, `${r.frames.equal}`);
  const h = check(HEAP, 'gccgo');
  t.log(`gccgo: ${h.heap.equal} of ${h.heap.compared} heap sites identical`);
  t.deepEqual(h.regressions, []);
  const heapIds = new Set(h.differences.map((d) => d.deviation!.id));
  for (const id of ['gc-append-stack-buffer', 'gccgo-escape-captured', 'heap-object-layout']) t.true(heapIds.has(id), id);
  // Sites gc's tiny blocks, append's stack buffer and the object layout leave alone are identical.
  const differing = new Set(h.differences.flatMap((d) => [d.want?.line, d.got?.line]));
  for (const kind of ['composite', 'make-slice', 'make-map', 'concat']) t.false(differing.has(markerLine(HEAP_GO, `@heap:${kind}`)), kind);
});
