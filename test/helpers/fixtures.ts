// Builds the C fixtures the tests symbolize, with the fixture flags
// (compiler/toolchain/cc.ts), cached across test runs by content hash.

import path from 'node:path';
import { compile } from '../../compiler/toolchain/cc';
import { findGo, goBuild } from '../../compiler/toolchain/gc';
import { tools } from './tools';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

export const SYM_SOURCES = ['main.c', 'util.c', 'work.c'].map((f) => path.join(FIXTURES, 'sym', f));

export type Compiler = 'gcc' | 'clang';

export function compilerPath(c: Compiler): string {
  const p = c === 'gcc' ? tools.gcc : tools.clang;
  if (!p) throw new Error(`${c} is not installed`);
  return p;
}

/** The two-unit symbolization fixture as a shared object (or executable). */
export function symFixture(c: Compiler, flags: string[] = [], kind: 'shared' | 'exe' = 'shared'): string {
  const sources = kind === 'exe' ? [...SYM_SOURCES, path.join(FIXTURES, 'sym', 'exe_main.c')] : SYM_SOURCES;
  return compile({ compiler: compilerPath(c), sources, flags, kind, name: `sym-${c}` });
}

/** A gc program of some 180 compilation units and megabytes of DWARF: its table takes a second or so to build. */
export function bigTableFixture(): string {
  return goBuild(findGo()!, { module: path.join(FIXTURES, 'cli', 'bigtable'), pkg: '.', name: 'bigtable' });
}
