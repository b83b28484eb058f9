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
const isRuntime = (f?: { function: string }) => !!f && f.function.startsWith('runtime.');
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
  closureName('llgo', "llgo numbers nested closures in its own scheme (f$1.func1); gc's spelling changed across Go versions (f.func1.2, f.f.func1.func2)"),
  {
    id: 'llgo-closure-inlined',
    subject: 'llgo',
    reason: 'llgo (LLVM) inlines a closure that gc keeps as a frame of its own',
    shownBy: 'shapes: probe "closure"',
    matches: (d) => d.kind === 'missing-frame' && isClosure(d.want!.function),
  },
  {
    id: 'gccgo-runtime-frames',
    subject: 'gccgo',
    reason: "gccgo's runtime is libgo: its runtime frames have libgo's files and lines, no runtime.goexit below main, and runtime.kickoff where gc has runtime.goexit below a goroutine",
    shownBy: 'shapes: every probe',
    matches: (d) => ((d.kind === 'file' || d.kind === 'line') && isRuntime(d.want)) ||
      (d.kind === 'missing-frame' && d.want!.function === 'runtime.goexit') ||
      (d.kind === 'function' && d.want!.function === 'runtime.goexit' && d.got!.function === 'runtime.kickoff'),
  },
  {
    id: 'gccgo-init-frames',
    subject: 'gccgo',
    reason: "gc runs package initialisers through runtime.doInit/doInit1; gccgo through the package's ..import function and __go_init_main",
    shownBy: 'shapes: probe "init"',
    matches: (d) => (d.want !== undefined && /^runtime\.doInit\d*$/.test(d.want.function)) ||
      (d.got !== undefined && (/\.\.import$/.test(d.got.function) || d.got.function === '__go_init_main')),
  },
  closureName('gccgo', 'gccgo names closures f..funcN and numbers nested ones flat (f..func2 for the closure inside f..func1)'),
  {
    id: 'gccgo-method-receiver',
    subject: 'gccgo',
    reason: "gccgo's names leave out a pointer receiver: (*T).M is T.M",
    shownBy: 'shapes: probe "pointer-method"',
    matches: (d) => d.kind === 'function' && d.want!.function.replace(/\(\*([^)]+)\)/, '$1') === d.got!.gcFunction &&
      d.want!.file === d.got!.file && d.want!.line === d.got!.line,
  },
  {
    id: 'gccgo-recover-thunk',
    subject: 'gccgo',
    reason: "gccgo runs a deferred function that calls recover() through a thunk: its frame's line is the function literal's, not the call's",
    shownBy: 'shapes: probe "recover"',
    matches: (d) => d.kind === 'line' && isClosure(d.want!.function) && d.got!.line < d.want!.line,
  },
  {
    id: 'gccgo-no-generics',
    subject: 'gccgo',
    reason: 'gccgo 12 has no generics: a scenario builds its generic probes only for other compilers (//go:build !gccgo)',
    shownBy: 'shapes: probes "generic-*"',
    matches: (d) => d.kind === 'missing-probe' && d.probe.startsWith('generic-'),
  },
];

/** Both frames are closures at the same file and line: the same closure, named another way. */
function closureName(subject: string, why: string): KnownDeviation {
  return {
    id: `${subject}-closure-name`,
    subject,
    reason: `${why}. Both frames are closures at the same file and line: the same closure`,
    shownBy: 'shapes: probe "closure"',
    matches: (d) => d.kind === 'function' && isClosure(d.want!.function) && isClosure(d.got!.gcFunction) &&
      d.want!.file === d.got!.file && d.want!.line === d.got!.line,
  };
}

/** The known deviation a difference is, for `subject`, or undefined (a regression). */
export function classify(d: Difference, subject: string, table: readonly KnownDeviation[] = KNOWN_DEVIATIONS): KnownDeviation | undefined {
  return table.find((k) => (k.subject === '*' || k.subject === subject) && k.matches(d));
}
