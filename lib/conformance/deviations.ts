// The one table of known deviations: differences from gc that a subject
// compiler has on purpose or by a known limitation, each with its reason and
// the scenario that shows it (docs/conformance.md lists the same table). A
// difference that matches none of them is a regression.

import type { Difference } from './compare';

export interface KnownDeviation {
  id: string;
  /** The subject it applies to ('*': every subject). */
  subject: string;
  reason: string;
  /** The bundled scenario and probe that show it. */
  shownBy: string;
  matches(d: Difference): boolean;
}

const RUNTIME_TAIL = new Set(['runtime.main', 'runtime.goexit']);
/** A closure's name: `pkg.f.func1`, `pkg.f.func1.2`, `pkg.f.f.func1.func2`, llgo's `pkg.f$1.func1`. */
const isClosure = (name: string) => /(?:\.func\d+|\$\d+)(?:\.\d+|\.func\d+)*$/.test(name);
const LLGO_RUNTIME = /^github\.com\/(?:xgo-dev|goplus)\/llgo\/runtime\/internal\//;

export const KNOWN_DEVIATIONS: KnownDeviation[] = [
  {
    id: 'llgo-runtime-tail',
    subject: 'llgo',
    reason: "llgo's runtime.main and runtime.goexit are the C main and a synthetic record: no file and no line",
    shownBy: 'shapes: every probe of the main goroutine',
    matches: (d) => (d.kind === 'file' || d.kind === 'line') && RUNTIME_TAIL.has(d.want!.function) && d.got!.file === '' && d.got!.line === 0,
  },
  {
    id: 'llgo-init-frames',
    subject: 'llgo',
    reason: "gc runs package initialisers through runtime.doInit/doInit1; llgo calls them from the package's synthesized init function (no file, no line)",
    shownBy: 'shapes: probe "init"',
    matches: (d) => (d.want !== undefined && /^runtime\.doInit\d*$/.test(d.want.function)) ||
      (d.got !== undefined && /\.init$/.test(d.got.function) && d.got.file === '' && d.got.line === 0),
  },
  {
    id: 'llgo-goroutine-entry',
    subject: 'llgo',
    reason: "gc ends a goroutine's stack with runtime.goexit; llgo starts goroutines through a trampoline <pkg>._llgo_routine$N without a funcinfo record, which its tables answer with the function before it",
    shownBy: 'shapes: probe "goroutine"',
    matches: (d) => (d.want?.function === 'runtime.goexit' && (d.kind === 'missing-frame' || d.kind === 'function')) ||
      (d.kind === 'extra-frame' && d.last === true),
  },
  {
    id: 'llgo-panic-frame',
    subject: 'llgo',
    reason: "below a deferred call run by a panic, gc shows runtime.gopanic, llgo its runtime's Panic",
    shownBy: 'shapes: probe "recover"',
    matches: (d) => d.want?.function === 'runtime.gopanic' && (d.kind === 'missing-frame' || (d.kind === 'function' && LLGO_RUNTIME.test(d.got!.function))),
  },
  {
    id: 'llgo-closure-name',
    subject: 'llgo',
    reason: "llgo numbers nested closures in its own scheme (f$1.func1); gc's spelling changed across Go versions (f.func1.2, f.f.func1.func2). Both frames are closures at the same file and line: the same closure",
    shownBy: 'shapes: probe "closure"',
    matches: (d) => d.kind === 'function' && isClosure(d.want!.function) && isClosure(d.got!.function) &&
      d.want!.file === d.got!.file && d.want!.line === d.got!.line,
  },
  {
    id: 'llgo-closure-inlined',
    subject: 'llgo',
    reason: 'llgo (LLVM) inlines a closure that gc keeps as a frame of its own',
    shownBy: 'shapes: probe "closure"',
    matches: (d) => d.kind === 'missing-frame' && isClosure(d.want!.function),
  },
];

/** The known deviation a difference is, for `subject`, or undefined (a regression). */
export function classify(d: Difference, subject: string, table: readonly KnownDeviation[] = KNOWN_DEVIATIONS): KnownDeviation | undefined {
  return table.find((k) => (k.subject === '*' || k.subject === subject) && k.matches(d));
}
