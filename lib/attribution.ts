// Allocation attribution for unit tests: which source lines and functions of a
// module allocated how much, stated against marker comments in the sources
// (docs/memprofile.md). Works with any test runner: a mismatch throws.

import fs from 'node:fs';
import { LlgiError } from '../compiler/errors';
import { byFunction, byLine, type MemProfileRecord, type Totals } from './memprofile';
import { scaleHeapSample } from './pprof';
import { stackView, type StackView } from './shown';

/** What a key is expected to have allocated; fields left out are not checked. */
export interface ExpectedAllocations {
  objects?: number;
  bytes?: number;
  inUseObjects?: number;
  inUseBytes?: number;
}

export interface ExpectOptions {
  /** Count a record for the allocating frame only (default) or for every frame on its stack. */
  frame?: 'innermost' | 'any';
  /**
   * Which frames of a stack count: 'shown' (default) hides leading allocation
   * plumbing (llgo's runtime, malloc, operator new, ...; lib/shown.ts), so the
   * allocating frame is the user's line; 'raw' uses every frame.
   */
  stack?: StackView;
  /**
   * Compare estimates instead of raw sample counts: each key's summed counts
   * are scaled with scaleHeapSample at this rate (as gc's heapsampling test does).
   */
  rate?: number;
  /** Allowed relative difference, e.g. 0.1 for gc's heapsampling margin (default 0: exact). */
  tolerance?: number;
}

export interface AllocationRow {
  key: string;
  field: keyof ExpectedAllocations;
  want: number;
  got: number;
  ok: boolean;
}

/**
 * Thrown by expectAllocations: an AssertionError look-alike (`actual`,
 * `expected`, `operator`) whose message is the want/got table.
 */
export class AllocationMismatchError extends LlgiError {
  readonly rows: AllocationRow[];
  readonly actual: Record<string, ExpectedAllocations>;
  readonly expected: Record<string, ExpectedAllocations>;
  readonly operator = 'expectAllocations';
  readonly generatedMessage = true;
  constructor(message: string, rows: AllocationRow[], actual: Record<string, ExpectedAllocations>, expected: Record<string, ExpectedAllocations>) {
    super('LLGI_ASSERTION', message);
    this.name = 'AllocationMismatchError';
    this.rows = rows;
    this.actual = actual;
    this.expected = expected;
  }
}

const FIELDS: [keyof ExpectedAllocations, keyof Totals][] = [
  ['objects', 'allocObjects'], ['bytes', 'allocBytes'], ['inUseObjects', 'inUseObjects'], ['inUseBytes', 'inUseBytes'],
];

const LINE_KEY = /^(.*):(\d+)$/;

/** A "file:line" key matches a site whose file is the same path or ends with it at a '/'. */
function sameFile(file: string, want: string): boolean {
  return file === want || file.endsWith(`/${want.replace(/^\.\//, '')}`);
}

function sum(into: Totals, t: Totals): void {
  into.allocObjects += t.allocObjects;
  into.allocBytes += t.allocBytes;
  into.inUseObjects += t.inUseObjects;
  into.inUseBytes += t.inUseBytes;
}

/**
 * What `records` allocated per key: a key "file:line" (file as a path or a
 * path suffix: "heap.c:31") sums the records whose allocating line it is; any
 * other key is a function name. With opts.rate, the sums are scaled estimates.
 */
export function allocationsBy(records: MemProfileRecord[], keys: string[], opts: ExpectOptions = {}): Record<string, ExpectedAllocations> {
  const lines = byLine(records, { frame: opts.frame, stack: opts.stack });
  const funcs = byFunction(records, { frame: opts.frame, stack: opts.stack });
  const out: Record<string, ExpectedAllocations> = {};
  for (const key of keys) {
    const t: Totals = { allocObjects: 0, allocBytes: 0, inUseObjects: 0, inUseBytes: 0 };
    const m = LINE_KEY.exec(key);
    if (m) {
      for (const [site, v] of lines) {
        const s = LINE_KEY.exec(site);
        if (s && s[2] === m[2] && sameFile(s[1], m[1])) sum(t, v);
      }
    } else {
      const v = funcs.get(key);
      if (v) sum(t, v);
    }
    if (opts.rate !== undefined) {
      [t.allocObjects, t.allocBytes] = scaleHeapSample(t.allocObjects, t.allocBytes, opts.rate);
      [t.inUseObjects, t.inUseBytes] = scaleHeapSample(t.inUseObjects, t.inUseBytes, opts.rate);
    }
    out[key] = { objects: t.allocObjects, bytes: t.allocBytes, inUseObjects: t.inUseObjects, inUseBytes: t.inUseBytes };
  }
  return out;
}

/**
 * Checks what each key allocated (see allocationsBy for keys). Throws an
 * AllocationMismatchError (an LlgiError, code LLGI_ASSERTION) with a want/got
 * table of every checked value when one differs.
 *
 *   expectAllocations(memProfile(), {
 *     [siteOf(src, '@alloc:small')]: { objects: 15, bytes: 480, inUseObjects: 10 },
 *     big_block: { objects: 10 },
 *   });
 */
export function expectAllocations(records: MemProfileRecord[], expected: Record<string, ExpectedAllocations>, opts: ExpectOptions = {}): void {
  const tol = opts.tolerance ?? 0;
  if (!(tol >= 0)) throw new LlgiError('LLGI_BAD_ARGUMENT', `tolerance must be >= 0, got ${opts.tolerance}`);
  const actual = allocationsBy(records, Object.keys(expected), opts);
  const rows: AllocationRow[] = [];
  for (const [key, want] of Object.entries(expected)) {
    for (const [field] of FIELDS) {
      const w = want[field];
      if (w === undefined) continue;
      const got = actual[key][field] ?? 0;
      rows.push({ key, field, want: w, got, ok: Math.abs(got - w) <= tol * Math.abs(w) });
    }
  }
  const bad = rows.filter((r) => !r.ok).length;
  if (!bad) return;
  const how = `${opts.rate !== undefined ? `estimates at rate ${opts.rate}` : 'raw sample counts'}` +
    `${tol ? `, tolerance ${tol * 100}%` : ''}, ${opts.frame === 'any' ? 'any frame' : 'allocating frame'}` +
    `${stackView(opts.stack) === 'raw' ? ', raw stacks' : ''}`;
  const table = [['key', 'field', 'want', 'got', ''], ...rows.map((r) => [r.key, r.field, String(r.want), String(r.got), r.ok ? '' : '<- differs'])];
  const w = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const text = table.map((row) => row.map((c, i) => (i === 2 || i === 3 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd()).join('\n  ');
  throw new AllocationMismatchError(`expectAllocations: ${bad} of ${rows.length} values differ (${how}):\n  ${text}`, rows, actual, expected);
}

/** 1-based line of the first line of `file` containing `marker` (LLGI_BAD_ARGUMENT when there is none). */
export function markerLine(file: string, marker: string): number {
  let lines: string[];
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n');
  } catch (e) {
    throw new LlgiError('LLGI_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new LlgiError('LLGI_BAD_ARGUMENT', `marker ${JSON.stringify(marker)} is not in ${file}`);
  return i + 1;
}

/** The "file:line" key of the line of `file` containing `marker`. */
export function siteOf(file: string, marker: string): string {
  return `${file}:${markerLine(file, marker)}`;
}
