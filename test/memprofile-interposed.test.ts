// Exact per-line attribution at rate 1 through the interposed allocators
// (malloc, calloc, realloc, strdup, C++ new/delete), from several functions and
// from module pthreads; frees and gc() move the in-use numbers as gc's
// publication rules say. Expected lines come from source markers, counts from
// the fixture's loops.

import path from 'node:path';
import { compile } from '../compiler/toolchain/cc';
import { gc, load, memProfile, memProfileRate, resetMemProfile, setMemProfileRate, type MemProfileRecord } from '../lib/index';
import { native } from '../lib/native';
import { FIXTURES } from './helpers/fixtures';
import { INCLUDE } from './helpers/live';
import { line, serialWith } from './helpers/mprof';
import { tools } from './helpers/tools';

const SRC = path.join(FIXTURES, 'mprof', 'interposed.cpp');
const at = (marker: string) => `${SRC}:${line('interposed.cpp', marker)}`;

/** Raw counts per innermost file:line and size. */
function bySite(records: MemProfileRecord[]): Map<string, { allocs: number; frees: number; bytes: number; freed: number }> {
  const m = new Map<string, { allocs: number; frees: number; bytes: number; freed: number }>();
  for (const r of records) {
    const f = r.frames()[0];
    if (!f) continue;
    const k = `${f.file}:${f.line} ${r.size}`;
    const e = m.get(k) ?? { allocs: 0, frees: 0, bytes: 0, freed: 0 };
    e.allocs += r.allocObjects;
    e.frees += r.freeObjects;
    e.bytes += r.allocBytes;
    e.freed += r.freeBytes;
    m.set(k, e);
  }
  return m;
}

for (const [cc, cxx] of [['gcc', 'gxx'], ['clang', 'clangxx']] as const) {
  serialWith([cxx], `${cc}: malloc, calloc, realloc, strdup and new at rate 1: every count exact per line, frees and gc() as gc publishes them`, (t) => {
    const so = compile({ compiler: tools[cxx]!, sources: [SRC], flags: [`-I${INCLUDE}`, '-pthread'], kind: 'shared', name: `mprof-interposed-${cc}` });
    const rate0 = memProfileRate();
    const m = load(so);
    const call = (name: string, sig: string) => m.func(name, sig) as (...a: number[]) => number;
    try {
      setMemProfileRate(1);
      resetMemProfile();
      call('ip_malloc', 'void (int)')(7);
      call('ip_calloc', 'void (int)')(5);
      call('ip_realloc', 'void (int)')(4);
      call('ip_strdup', 'void (int)')(6);
      call('ip_new', 'void (int)')(9);
      t.is(call('ip_threads', 'int (int, int)')(4, 250), 4);
      gc();
      const sites = bySite(memProfile({ inuseZero: true }));
      const want = new Map([
        // ip_malloc: 7 on the JS thread + 4 x 250 on pthreads, all freed.
        [`${at('@ip:malloc')} 40`, { allocs: 7 + 1000, frees: 7 + 1000, bytes: 40 * 1007, freed: 40 * 1007 }],
        // calloc(3, 24) = 72 bytes, kept (never freed here).
        [`${at('@ip:calloc')} 72`, { allocs: 5, frees: 0, bytes: 5 * 72, freed: 0 }],
        // malloc(16) then realloc to 4000: realloc frees the first and allocates the second.
        [`${at('@ip:first')} 16`, { allocs: 4, frees: 4, bytes: 64, freed: 64 }],
        [`${at('@ip:grow')} 4000`, { allocs: 4, frees: 4, bytes: 16000, freed: 16000 }],
        [`${at('@ip:strdup')} 17`, { allocs: 6, frees: 6, bytes: 102, freed: 102 }],
        [`${at('@ip:new')} 48`, { allocs: 9, frees: 9, bytes: 432, freed: 432 }],
      ]);
      for (const [k, w] of want) t.deepEqual(sites.get(k), w, k);
      // Nothing else of ours: every record's innermost frame is one of the marker lines.
      for (const k of sites.keys()) t.true(want.has(k), `unexpected record ${k}`);

      // Publication: after the gc() above, new events wait for the next gc().
      call('ip_calloc', 'void (int)')(3);
      const before = bySite(memProfile({ inuseZero: true })).get(`${at('@ip:calloc')} 72`);
      t.is(before?.allocs, 5, 'allocations after the last gc() are not visible yet');
      gc();
      t.is(bySite(memProfile()).get(`${at('@ip:calloc')} 72`)?.allocs, 8, 'one gc() publishes them');
      // inuseZero false hides records whose bytes were all freed.
      const inUse = new Set(bySite(memProfile()).keys());
      t.false(inUse.has(`${at('@ip:new')} 48`));
      t.true(inUse.has(`${at('@ip:calloc')} 72`));
    } finally {
      setMemProfileRate(rate0);
      m.close();
    }
  });
}

// The free gate (docs/interposition.md): free's PLT slot holds libc's free
// while no sampled pointer is live and the wrapper from the first sample on.
// At a sparse rate each sampled 40-byte block is freed right away, so the
// gate opens and closes hundreds of times while eight threads allocate: a
// sampled block freed past the wrapper would leave its record in use.
for (const [cc, cxx] of [['gcc', 'gxx'], ['clang', 'clangxx']] as const) {
  serialWith([cxx], `${cc}: the free gate under 8 pthreads x 20,000 malloc+free at rate 4096: every sampled block's free is counted`, (t) => {
    const so = compile({ compiler: tools[cxx]!, sources: [SRC], flags: [`-I${INCLUDE}`, '-pthread'], kind: 'shared', name: `mprof-interposed-${cc}` });
    const rate0 = memProfileRate();
    const m = load(so);
    try {
      setMemProfileRate(4096);
      resetMemProfile();
      const handle = (m as unknown as { handle: bigint }).handle;
      const gated = native().interpose(handle).slots.filter((s) => s.gated).map((s) => s.symbol);
      t.true(gated.includes('free'), `free's PLT slot is gated (gated: ${gated.join(' ')})`);
      t.is((m.func('ip_threads', 'int (int, int)') as (a: number, b: number) => number)(8, 20000), 8);
      gc();
      const site = bySite(memProfile({ inuseZero: true })).get(`${at('@ip:malloc')} 40`);
      // 160,000 blocks of 40 bytes at one sample per 4,096 bytes on average: about 1,560 samples.
      t.true(site !== undefined && site.allocs > 1200 && site.allocs < 2000, `samples: ${site?.allocs}`);
      t.is(site?.frees, site?.allocs, 'every sampled block was freed, and every free was counted');
      t.is(site?.freed, site?.bytes);
    } finally {
      setMemProfileRate(rate0);
      m.close();
    }
  });
}
