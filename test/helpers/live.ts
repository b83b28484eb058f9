// Shared by the in-process tests (test/live-*.test.ts): builds the live
// fixtures (test/fixtures/live) with the fixture flags plus the module header,
// and states expected frames from the markers in the fixture sources, never
// from our own output.

import type { ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ElfFile, STT_FUNC } from '../../compiler/elf';
import { compile } from '../../compiler/toolchain/cc';
import type { LiveFrame, Module } from '../../lib/index';
import { markerLine } from './cli';
import { compilerPath, FIXTURES, type Compiler } from './fixtures';
import type { Tool } from './tools';

export const ROOT = path.join(__dirname, '..', '..');
export const LIVE = path.join(FIXTURES, 'live');
export const INCLUDE = path.join(ROOT, 'runtime', 'include');
export const MODULE_H = path.join(INCLUDE, 'llgi_module.h');

export const COMPILERS: Compiler[] = ['gcc', 'clang'];
export const ccTool = (cc: Compiler): Tool => (cc === 'gcc' ? 'gcc' : 'clang');

export function liveSource(name: string): string {
  return path.join(LIVE, name);
}

const texts = new Map<string, string>();
function text(file: string): string {
  let s = texts.get(file);
  if (s === undefined) {
    s = fs.readFileSync(file, 'utf8');
    texts.set(file, s);
  }
  return s;
}

/** compile() hashes only the sources; the headers they include go into a -D so a header change rebuilds. */
function headersDigest(): string {
  const h = createHash('sha256');
  for (const f of [MODULE_H, liveSource('live.h')]) h.update(fs.readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

export interface LiveBuild {
  /** Extra compiler flags (after the fixture flags). */
  flags?: string[];
  /**
   * A distinct copy of the fixture (its own file and build id): tests that
   * close a module or count registrations use their own copy, so other tests
   * in the same process never see their module go away.
   */
  variant?: string;
}

/** Builds fixture sources (names under test/fixtures/live) into a shared object, cached by content. */
export function buildLive(cc: Compiler, sources: string[], opts: LiveBuild = {}): string {
  const stem = path.basename(sources[0]).replace(/\.c$/, '');
  const flags = [`-I${INCLUDE}`, `-DLIVE_HEADERS=0x${headersDigest()}`];
  if (opts.variant) flags.push(`-DLIVE_VARIANT="${opts.variant}"`);
  flags.push(...(opts.flags ?? []));
  return compile({
    compiler: compilerPath(cc),
    sources: sources.map(liveSource),
    flags,
    kind: 'shared',
    name: `live-${stem}${opts.variant ? `-${opts.variant}` : ''}-${cc}`,
  });
}

/** What a test states about one logical frame. */
export interface Want {
  function: string;
  file: string;
  line: number;
  inlined: boolean;
}

/** A frame of `fn` at the line of `marker` in the live fixture `source`. */
export function at(source: string, fn: string, marker: string, inlined = false): Want {
  const file = liveSource(source);
  return { function: fn, file, line: markerLine(file, text(file), marker), inlined };
}

/**
 * llgi_probe() and llgi_callers() are always_inline functions of
 * llgi_module.h, so the innermost return address's pc-1 lies in their inlined
 * body. callersFrames() does not show them (docs/in-process.md: as gc's stacks
 * do not show runtime.Callers once skipped); funcForPC() and
 * llvm-symbolizer-19 do. These are those frames.
 */
export function probeFrame(): Want {
  return { function: 'llgi_probe', file: MODULE_H, line: markerLine(MODULE_H, text(MODULE_H), 'if (fn) fn();'), inlined: true };
}
export function callersFrame(): Want {
  return { function: 'llgi_callers', file: MODULE_H, line: markerLine(MODULE_H, text(MODULE_H), 'fn(skip, pcs, max)'), inlined: true };
}

/** True for an inlined llgi_probe/llgi_callers frame of llgi_module.h. */
export function isWrapper(f: { function: string; file: string }): boolean {
  return (f.function === 'llgi_probe' || f.function === 'llgi_callers') && f.file === MODULE_H;
}

/** An llvm-symbolizer chain without the leading llgi_module.h wrapper frames (hidden by our API). */
export function dropWrappers<F extends { function: string; file: string }>(chain: F[]): F[] {
  let i = 0;
  while (i < chain.length - 1 && isWrapper(chain[i])) i++;
  return chain.slice(i);
}

/** Link-time address of a function symbol (static ones too) from .symtab. */
export function symbolValue(so: string, name: string): bigint {
  const s = ElfFile.open(so).symbols().find((x) => x.name === name && x.type === STT_FUNC);
  if (!s) throw new Error(`${so}: no function symbol ${name}`);
  return BigInt(s.value);
}

/** Runtime entry of a function of a loaded module (static functions through .symtab + base). */
export function entryOf(m: Module, name: string): bigint {
  return symbolValue(m.path, name) + m.base;
}

/** A frame reduced to what the tests compare. */
export function view(f: Pick<LiveFrame, 'function' | 'file' | 'line' | 'inlined'>) {
  return { function: f.function, file: f.file, line: f.line, inlined: f.inlined };
}

function moduleId(m: Module | null | undefined): string | null {
  return m ? `${m.path}@0x${m.base.toString(16)}` : null;
}

/**
 * One group per pc of a stack: its logical frames innermost first (inlined
 * frames, then the physical function), with the physical function's name and
 * the module whose code it is.
 */
export interface Group {
  frames: Want[];
  physical: string;
  module: Module;
}

/**
 * Checks callersFrames(pcs) against the groups, one group per pc, in order:
 * the logical frames (function/file/line/inlined), and for every frame of a
 * group: pc = pcs[i]-1 (return addresses; none of these is an entry), entry =
 * the physical function's entry, module = the group's module.
 */
export function checkStack(t: ExecutionContext, frames: readonly LiveFrame[], pcs: readonly bigint[], groups: Group[], label = '') {
  const want = groups.flatMap((g) => g.frames);
  t.is(pcs.length, groups.length, `${label}: one pc per physical frame`);
  t.deepEqual(frames.map(view), want, `${label}: logical frames`);
  if (frames.length !== want.length || pcs.length !== groups.length) return;
  let k = 0;
  groups.forEach((g, i) => {
    const entry = entryOf(g.module, g.physical);
    for (const _ of g.frames) {
      const f = frames[k++];
      t.is(f.pc, pcs[i] - 1n, `${label}: frame ${k - 1} (${f.function}) pc is the return address - 1`);
      t.is(f.entry, entry, `${label}: frame ${k - 1} (${f.function}) entry is ${g.physical}'s`);
      t.is(moduleId(f.module), moduleId(g.module), `${label}: frame ${k - 1} (${f.function}) module`);
    }
  });
}

/** Reads the fixture's static pc buffer (live.h) through its getters. */
export function storedPcs(m: Module): bigint[] {
  const count = m.func('live_count', 'int (void)') as () => number;
  const pc = m.func('live_pc', 'uint64_t (int)') as (i: number) => bigint | number;
  const n = count();
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) out.push(BigInt(pc(i)));
  return out;
}

/** Executable mappings of /proc/self/maps whose path matches. */
export function execMappings(match: (p: string) => boolean): { lo: bigint; hi: bigint; path: string }[] {
  const out: { lo: bigint; hi: bigint; path: string }[] = [];
  for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (!m || !m[3].includes('x') || !match(m[4])) continue;
    out.push({ lo: BigInt(`0x${m[1]}`), hi: BigInt(`0x${m[2]}`), path: m[4] });
  }
  return out;
}

/** A module function taking and returning an int, called through koffi. */
export function intFn(m: Module, name: string): (x: number) => number {
  return m.func(name, 'int (int)') as (x: number) => number;
}

/** The frames chain.c's chain_a -> chain_b -> chain_c -> probe must give, from its markers. */
export function chainGroups(m: Module): Group[] {
  return [
    { frames: [at('chain.c', 'chain_c', '@chain:c-probe')], physical: 'chain_c', module: m },
    { frames: [at('chain.c', 'chain_b', '@chain:b->c')], physical: 'chain_b', module: m },
    { frames: [at('chain.c', 'chain_a', '@chain:a->b')], physical: 'chain_a', module: m },
  ];
}
