// Which frames an allocation stack shows (docs/memprofile.md, "Which frames an
// allocation stack shows"). The one place that decides what is "allocation
// plumbing": gc's rule from runtime/pprof (Go 1.26: printStackRecord in
// pprof.go, writeHeapProto in protomem.go), extended to llgo's runtime
// packages and to the C allocator entry points. Only leading frames are
// hidden; a stack made only of plumbing is shown whole.

import { LlgiError } from '../compiler/errors';
import { callersFrames, type LiveFrame } from './live';
import type { Frame } from './symbolize';

/** Which frames of an allocation stack a view uses: 'shown' (gc's trimming, the default) or 'raw' (every frame). */
export type StackView = 'shown' | 'raw';

/** Checks an option's stack view: undefined means 'shown' (LLGI_BAD_ARGUMENT for anything else). */
export function stackView(v: unknown): StackView {
  if (v === undefined || v === 'shown') return 'shown';
  if (v === 'raw') return 'raw';
  throw new LlgiError('LLGI_BAD_ARGUMENT', `stack must be 'shown' or 'raw', got ${JSON.stringify(v)}`);
}

/** gc's prefixes (printStackRecord, writeHeapProto): the runtime and its internal packages. */
export const GC_RUNTIME_PREFIXES: readonly string[] = ['runtime.', 'internal/runtime/'];

/**
 * llgo's runtime packages (current and older module path). llgo's public
 * `runtime` package is named `runtime.` and is already covered by gc's rule.
 */
export const LLGO_RUNTIME_PREFIXES: readonly string[] = [
  'github.com/xgo-dev/llgo/runtime/internal/',
  'github.com/goplus/llgo/runtime/internal/',
];

/** The C library's allocation entry points, by exact name. */
export const C_ALLOCATORS: ReadonlySet<string> = new Set([
  'malloc', 'calloc', 'realloc', 'reallocarray', 'free', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc', 'pvalloc',
  'strdup', 'strndup',
]);

/**
 * The Boehm GC's entry points: GC_malloc*, GC_<kind>_malloc* (GC_debug_malloc,
 * GC_debug_malloc_atomic, ...), GC_realloc, GC_free, GC_memalign,
 * GC_posix_memalign, GC_strdup, GC_strndup, and their GC_debug_ forms.
 */
const BOEHM = /^GC_(?:\w+_)?malloc|^GC_(?:debug_)?(?:realloc|free|memalign|posix_memalign|strdup|strndup)$/;

/** C++ operator new / new[] (`_Znwm`, `_Znam`, `_ZnwmRKSt9nothrow_t`, `_ZnwmSt11align_val_t`, ...) and delete / delete[] (`_ZdlPv`, `_ZdaPv`, ...). */
const CXX = /^_Z(?:nw|na|dl|da)/;

/** gc hides this frame anywhere in a stack (printStackRecord; writeHeapProto's allFrames). */
export const GOEXIT = 'runtime.goexit';

/**
 * True for a function that is allocation plumbing: hidden from the front of
 * an allocation stack. gc's rule (name starts with "runtime." or
 * "internal/runtime/"), llgo's runtime packages, the C allocators, the Boehm
 * GC's entry points and C++ operator new/delete.
 */
export function isAllocationPlumbing(name: string): boolean {
  for (const p of GC_RUNTIME_PREFIXES) if (name.startsWith(p)) return true;
  for (const p of LLGO_RUNTIME_PREFIXES) if (name.startsWith(p)) return true;
  return C_ALLOCATORS.has(name) || BOEHM.test(name) || CXX.test(name);
}

/**
 * gc's printStackRecord on logical frames: runtime.goexit is never shown;
 * leading plumbing frames are hidden until the first other frame (a frame
 * without a name counts as shown); if that hides everything, every frame but
 * runtime.goexit is shown. Returns the index of the first shown frame, or -1
 * when everything was hidden.
 */
function firstShown(frames: Frame[]): number {
  for (let i = 0; i < frames.length; i++) {
    const name = frames[i].function;
    if (name === GOEXIT) continue;
    if (name === '' || !isAllocationPlumbing(name)) return i;
  }
  return -1;
}

/** The frames of an allocation stack that gc would show (see firstShown). */
export function shownFrames<F extends Frame>(frames: F[]): F[] {
  const i = firstShown(frames);
  return frames.slice(i < 0 ? 0 : i).filter((f) => f.function !== GOEXIT);
}

/** An allocation stack with its leading plumbing hidden. */
export interface TrimmedStack {
  /** The raw pcs from the physical frame holding the first shown frame on. */
  stack: bigint[];
  /** How many leading pcs were hidden. */
  hiddenPcs: number;
  /** How many leading logical frames of stack[0] (inlined plumbing) are hidden. */
  hiddenInline: number;
  /** The shown logical frames (runtime.goexit left out). */
  frames: LiveFrame[];
  /** Every logical frame of the raw stack. */
  rawFrames: LiveFrame[];
  /** True when every frame is plumbing, so all are shown (gc's fallback). */
  allPlumbing: boolean;
}

/**
 * Trims a record's raw stack (return addresses, innermost first) by the
 * frame rule of shownFrames. The pcs are cut before the physical frame that
 * holds the first shown frame; a pc no loaded module answers for stops the
 * cut too, as gc's FuncForPC == nil does in writeHeapProto.
 */
export function trimAllocationStack(stack: bigint[]): TrimmedStack {
  const perPc = stack.map((pc) => callersFrames([pc]));
  const rawFrames = perPc.flat();
  for (let i = 0; i < perPc.length; i++) {
    const fr = perPc[i];
    const j = fr.length ? firstShown(fr) : 0;
    if (j < 0) continue;
    const frames = [...fr.slice(j), ...perPc.slice(i + 1).flat()].filter((f) => f.function !== GOEXIT);
    // A pc without frames stops the pc cut, but the frame rule still hides
    // the plumbing after it (gc's printStackRecord never sees such a pc).
    return { stack: stack.slice(i), hiddenPcs: i, hiddenInline: j, frames: fr.length ? frames : shownFrames(frames), rawFrames, allPlumbing: false };
  }
  return { stack: [...stack], hiddenPcs: 0, hiddenInline: 0, frames: rawFrames.filter((f) => f.function !== GOEXIT), rawFrames, allPlumbing: stack.length > 0 };
}
