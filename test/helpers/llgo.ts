// llgo-format fixtures (compiler/llgo/fixture.ts) and what tests expect of
// them: names from docs/llgo-format.md §8, lines from the fixture's marks, label
// addresses from llvm-nm-19.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildLlgoFixture, type LlgoFixture } from '../../compiler/llgo/fixture';
import { pclineId } from '../../compiler/llgo/encode';
import { FIXTURES } from './fixtures';
import { markerLine } from './cli';
import { INCLUDE } from './live';
import { tools } from './tools';

export const LLGO = path.join(FIXTURES, 'llgo');
export const APP_C = path.join(LLGO, 'app.c');
export const EXE_MAIN_C = path.join(LLGO, 'exe_main.c');

/** C name -> llgo's printed name and gc's name for it (§8.2's table). */
export const NAMES: Record<string, { name: string; gc: string }> = {
  method_m: { name: 'example.com/p.(*T).M', gc: 'example.com/p.(*T).M' },
  closure2: { name: 'main.work$1.func2', gc: 'main.work.func1.2' },
  closure1: { name: 'main.work.func1', gc: 'main.work.func1' },
  quiet: { name: 'main.quiet', gc: 'main.quiet' },
  generic_map: { name: 'example.com/p.Map[int,string]', gc: 'example.com/p.Map[...]' },
  user_init: { name: 'main.init#1', gc: 'main.init.0' },
  bound_m: { name: 'main.T.M$bound', gc: 'main.T.M-fm' },
  work: { name: 'main.work', gc: 'main.work' },
  go_alloc: { name: 'main.allocOne', gc: 'main.allocOne' },
  go_main: { name: 'main.main', gc: 'main.main' },
};

export function appShared(opts: { dwarf?: boolean } = {}): LlgoFixture {
  return buildLlgoFixture({ sources: [APP_C], kind: 'shared', flags: [`-I${INCLUDE}`], dwarf: opts.dwarf, compiler: tools.clang! });
}

export function appExe(prebuilt = true): LlgoFixture {
  return buildLlgoFixture({ sources: [APP_C, EXE_MAIN_C], kind: 'exe', flags: [`-I${INCLUDE}`], prebuilt, compiler: tools.clang! });
}

export function line(source: string, marker: string): number {
  return markerLine(source, fs.readFileSync(source, 'utf8'), marker);
}

/** Symbol -> address, from llvm-nm-19 (defined symbols only). */
export function nm(file: string): Map<string, number> {
  const r = spawnSync(tools.llvmNm!, ['--defined-only', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`llvm-nm-19 ${file}: ${r.stderr}`);
  const out = new Map<string, number>();
  for (const l of r.stdout.split('\n')) {
    const m = /^([0-9a-f]+) \w (.+)$/.exec(l);
    if (m) out.set(m[2], parseInt(m[1], 16));
  }
  return out;
}

export interface Anchor {
  cname: string;
  seq: number;
  file: string;
  line: number;
  /** Addresses of its __llgo_pcsite_<id>_<uid> labels. */
  addrs: number[];
}

/** Every LLGO_LINE mark of the sources with its label addresses in `bin`. */
export function anchors(bin: string, sources: string[], symbolOf: (cname: string) => string): Anchor[] {
  const syms = nm(bin);
  const out: Anchor[] = [];
  for (const src of sources) {
    fs.readFileSync(src, 'utf8').split('\n').forEach((l, i) => {
      for (const m of l.matchAll(/\bLLGO_LINE\((\w+),\s*(\d+)\)/g)) {
        const prefix = `__llgo_pcsite_${pclineId(symbolOf(m[1]), Number(m[2])).toString(16).padStart(16, '0')}_`;
        const addrs = [...syms].filter(([n]) => n.startsWith(prefix)).map(([, a]) => a);
        out.push({ cname: m[1], seq: Number(m[2]), file: src, line: i + 1, addrs });
      }
    });
  }
  return out;
}
