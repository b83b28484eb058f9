// The one table of known deviations: differences from gc that a subject
// compiler has on purpose or by a known limitation, each with its reason and
// the scenario that shows it (docs/conformance.md lists the same table). A
// difference that matches none of them is a regression.

import type { Difference, ShownFrame } from './compare';
import type { HeapSite } from './heap';

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
/** A standard-library function, as the go command tells them: no dot in the first element of its package path. */
const isStd = (name: string) => {
  const cut = name.search(/[[(]/);
  const head = cut < 0 ? name : name.slice(0, cut);
  const dot = head.indexOf('.', head.lastIndexOf('/') + 1);
  const pkg = dot < 0 ? head : head.slice(0, dot);
  return pkg !== 'main' && pkg !== '' && !pkg.split('/')[0].includes('.');
};
/** A file of gccgo's libgo or the libffi it carries (paths relative to GCC's build tree). */
const isLibgoFile = (file: string) => /(?:^|\/)src\/lib(?:go|ffi)\//.test(file);

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
    id: 'llgo-stack-after-recover',
    subject: 'llgo',
    reason: "after a recovered panic, llgo's stacks keep the panic's frames: a later call from the function that called the recovering one shows llgo's runtime Panic and the recovering function between callee and caller, and the caller's line is that of the recovering call",
    shownBy: 'shapes: probe "after-recover"',
    matches: (d) => !!d.stacks && d.stacks.got.some((f) => LLGO_RUNTIME.test(f) && /\.Panic$/.test(f)) && !d.stacks.want.includes('runtime.gopanic') &&
      (d.kind === 'extra-frame' || (d.kind === 'line' && d.got!.line < d.want!.line)),
  },
  {
    id: 'llgo-cgo-callback-frames',
    subject: 'llgo',
    reason: "gc enters a function exported from a c-shared library through cgo's callback frames (_cgoexp_..., runtime.cgocallbackg1, cgocallbackg, cgocallback, goexit); llgo's export is the function itself, called straight from C, and its stacks end there",
    shownBy: 'shapes built c-shared (go/scenarios/cmd/cshared), in Node: every probe',
    matches: (d) => d.kind === 'missing-frame' && /^_cgoexp_[0-9a-f]+_/.test(d.truncatedAt ?? ''),
  },
  {
    id: 'llgo-loop-header-line',
    subject: 'llgo',
    reason: "llgo's line table places an allocation in a loop body on the loop's header line: the heap site is the same function's earlier line (two allocating statements of one body share it)",
    shownBy: "heap built c-shared, through our sampler in Node: every site; heapsampling.go's loops (llgo -O0)",
    matches: (d) => (d.kind === 'heap-site-line' && d.got!.line < d.want!.line) ||
      (d.kind === 'heap-missing-site' && !!d.sibling && d.sibling.line < d.want!.line),
  },
  closureName('llgo', "llgo numbers nested closures in its own scheme (f$1.func1); gc's spelling changed across Go versions (f.func1.2, f.f.func1.func2)"),
  {
    id: 'llgo-inlined-frame',
    subject: 'llgo',
    reason: "llgo's tables have no inlining records: a call LLVM inlined (a closure, a small library function) has no frame of its own, where gc shows it from its inline tree",
    shownBy: 'shapes: probes "closure", "sort-less", "json-marshaler"',
    matches: (d) => d.kind === 'missing-frame' && !d.truncatedAt && !isRuntime(d.want),
  },
  {
    id: 'llgo-library-lines',
    subject: 'llgo',
    reason: "llgo's line table is coarser in standard-library functions: a call's line is an earlier line of the same function (the statement that opens its block)",
    shownBy: 'shapes: probes "sort-less", "strings-map", "fmt-stringer", "json-marshaler", "regexp-replace"',
    matches: (d) => d.kind === 'line' && isStd(d.want!.function) && d.got!.line < d.want!.line,
  },
  {
    id: 'llgo-wrapper-frame',
    subject: 'llgo',
    reason: 'llgo calls a value method through an interface by a generated pointer-receiver wrapper (*T).M that keeps a frame of its own; gc elides its wrappers from stacks',
    shownBy: 'shapes: probes "fmt-stringer", "json-marshaler", "template-method"',
    matches: (d) => (d.kind === 'extra-frame' || d.kind === 'function') && !!d.callee &&
      d.got!.gcFunction.replace(/\(\*([^)]+)\)/, '$1') === d.callee.gcFunction && d.got!.gcFunction !== d.callee.gcFunction,
  },
  {
    id: 'llgo-method-value-thunk',
    subject: 'llgo',
    reason: "llgo's method-value thunk M$bound is a frame of its own, with the method inlined into it (gc's M-fm wrapper is elided and the method keeps its frame)",
    shownBy: 'shapes: probe "json-marshaler"',
    matches: (d) => (d.kind === 'function' || d.kind === 'extra-frame') && /\$bound$/.test(d.got!.function),
  },
  {
    id: 'llgo-reflect-call-cut',
    subject: 'llgo',
    reason: "llgo's reflect.Value.Call calls the method through libffi, whose frames keep no frame-pointer chain: the stack ends at the called method",
    shownBy: 'shapes: probe "template-method"',
    matches: (d) => d.kind === 'missing-frame' && /^reflect\.Value\.[cC]all$/.test(d.truncatedAt ?? ''),
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
    id: 'gccgo-libgo-library',
    subject: 'gccgo',
    reason: "gccgo's standard library is libgo's copy of an older Go release (Go 1.18 in gccgo 12): its frames have libgo's files and lines, its own internal functions (sort's quickSort_func for pdqsort_func), gccgo's receiver spelling, and libffi frames below reflect calls",
    shownBy: 'shapes: probes "sort-less", "strings-map", "fmt-stringer", "json-marshaler", "regexp-replace", "template-method"',
    matches: (d) => (d.got !== undefined && isLibgoFile(d.got.file) && (d.want === undefined || isStd(d.want.function))) ||
      (d.kind === 'missing-frame' && isStd(d.want!.function)),
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
  {
    id: 'llgo-memprofile-no-stacks',
    subject: 'llgo',
    reason: "llgo's runtime.MemProfile keeps counts per size class, without stacks: no allocation has a site (llgo-introspect's sampler gives llgo modules gc's profile, docs/conformance.md)",
    shownBy: 'heap: probe "heap"',
    matches: (d) => d.kind === 'heap-no-stacks',
  },
  {
    id: 'tiny-allocator',
    subject: '*',
    reason: "gc packs pointer-free objects under 16 bytes into 16-byte blocks and profiles a block when it is allocated, not each object: such a site's count depends on how the blocks fill (gccgo does the same from other offsets; a malloc-based runtime counts every object)",
    shownBy: 'heap: sites tinyObjects, newObjects, boxing, itoa, convert',
    matches: (d) => (d.kind === 'heap-objects' || d.kind === 'heap-bytes') && sizesOf(d.want).every((z) => z === 16) && sizesOf(d.got).every((z) => z <= 16),
  },
  {
    id: 'gc-append-stack-buffer',
    subject: '*',
    reason: "gc 1.26 gives append's first growths a 32-byte buffer on the stack (growsliceBuf) and moves the slice to the heap only when it outgrows it or escapes: the heap has no record of those growths",
    shownBy: 'heap: site appendGrowth',
    matches: (d) => d.kind === 'heap-objects' && d.got!.line === d.want!.line && extraSizes(d.want, d.got).every((z) => z <= 32) &&
      Object.entries(site(d.want).sizes).every(([z, n]) => site(d.got).sizes[z] === n),
  },
  {
    id: 'heap-object-layout',
    subject: '*',
    reason: "the runtimes lay an object out differently (a channel's header, a map's groups, size classes): the site and its number of objects agree, the bytes differ (by less than a factor of two)",
    shownBy: 'heap: site makeChans',
    matches: (d) => d.kind === 'heap-bytes' && site(d.want).allocObjects === site(d.got).allocObjects &&
      site(d.got).allocBytes < 2 * site(d.want).allocBytes && site(d.want).allocBytes < 2 * site(d.got).allocBytes,
  },
  {
    id: 'gccgo-escape-captured',
    subject: 'gccgo',
    reason: "gccgo's escape analysis moves a variable that a closure captures to the heap (a site of its own, on the variable's line), where gc copies its value into the closure",
    shownBy: 'heap: site closures',
    matches: (d) => d.kind === 'heap-extra-site' && !!d.sibling && d.got!.line < d.sibling.line,
  },
  {
    id: 'llgo-extra-allocations',
    subject: 'llgo',
    reason: "llgo heap-allocates what gc keeps on the stack or inside one object: append's one-element argument array (charged to the function's first line), a captured variable beside its closure's context, strconv's digit buffer, a channel's buffer apart from its header",
    shownBy: 'heap built c-shared, through our sampler in Node: sites appendGrowth, closures, itoa, makeChans',
    matches: (d) => (d.kind === 'heap-objects' && site(d.got).allocObjects > site(d.want).allocObjects) ||
      (d.kind === 'heap-extra-site' && !!d.sibling),
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

const site = (f?: ShownFrame) => f as HeapSite;
const sizesOf = (f?: ShownFrame) => (f ? Object.keys(site(f).sizes).map(Number) : []);
/** Object sizes the subject's site has and gc's has not. */
const extraSizes = (want?: ShownFrame, got?: ShownFrame) => sizesOf(got).filter((z) => !(String(z) in site(want).sizes));

/** The known deviation a difference is, for `subject`, or undefined (a regression). */
export function classify(d: Difference, subject: string, table: readonly KnownDeviation[] = KNOWN_DEVIATIONS): KnownDeviation | undefined {
  return table.find((k) => (k.subject === '*' || k.subject === subject) && k.matches(d));
}
