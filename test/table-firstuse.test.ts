// Validation at first use (llgi_table_adopt_lazy) under concurrency: threads
// and a SIGPROF handler that interrupts them look up a table no bucket of
// which was validated yet, so several of them validate the same bucket at
// once, or one validation is interrupted by another. Valid: every answer
// equals whole adoption's. Damaged: every thread sees the refusal, and no
// lookup of a thread is answered after it saw one. Built twice: with
// ThreadSanitizer, and optimized without it.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSums } from '../compiler/embed/sums';
import { compile } from '../compiler/toolchain/cc';
import { native } from '../lib/native';
import { INCLUDE, ROOT } from './helpers/live';
import { RUNTIME_SRC } from './helpers/mprof';
import { manyChunkTable } from './helpers/tables';
import { testWith, tools } from './helpers/tools';

const THREADS = 4;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-firstuse-'));

function harness(sanitize: string[]): string {
  return compile({
    compiler: tools.gcc!, kind: 'exe', replaceFlags: true,
    name: `table_threads-${sanitize.join('-').replace(/[^a-z]+/g, '') || 'plain'}`,
    sources: [path.join(ROOT, 'test', 'c', 'table_threads.c'), path.join(RUNTIME_SRC, 'table.c')],
    flags: ['-std=gnu11', '-O2', '-g', '-pthread', ...sanitize, '-Wall', '-Wextra', '-Werror', `-I${INCLUDE}`, `-I${path.join(ROOT, 'bench')}`],
  });
}

/** The synthetic table and its index as files; `damage` flips one byte of the table after the index was made. */
function files(name: string, damage?: number): [string, string] {
  const table = manyChunkTable();
  const sums = buildSums(table, new (native().Table)(table).info().maxDepth);
  if (damage !== undefined) table[damage] ^= 0x20;
  const t = path.join(dir, `${name}.tbl`);
  const s = path.join(dir, `${name}.sums`);
  fs.writeFileSync(t, table);
  fs.writeFileSync(s, sums);
  return [t, s];
}

function run(exe: string, args: string[]) {
  const r = spawnSync(exe, args, { encoding: 'utf8', env: { ...process.env, TSAN_OPTIONS: 'halt_on_error=1' }, timeout: 240_000 });
  return { status: r.status, out: r.stdout.trim(), err: `${r.error?.message ?? ''}${r.stderr}`.slice(0, 6000) };
}

for (const [label, sanitize, rounds] of [['TSan', ['-fsanitize=thread'], 20], ['-O2', [], 200]] as const) {
  testWith(['gcc'], `${label}: ${THREADS} threads and a SIGPROF handler validate the same buckets at once, ${rounds} fresh adoptions: every answer equals whole adoption's`, (t) => {
    const exe = harness([...sanitize]);
    const r = run(exe, [...files('clean'), String(THREADS), String(rounds)]);
    t.is(r.status, 0, r.err);
    t.is(r.err, '', 'no sanitizer report');
    const m = /^ok (\d+) (\d+) (\d+)$/.exec(r.out);
    if (!m) return t.fail(r.out);
    t.log(`${m[1]} lookups in threads, ${m[2]} in the signal handler`);
    t.is(Number(m[3]), 0, 'no answer differs from whole adoption');
    t.true(Number(m[1]) > 0);
  });

  testWith(['gcc'], `${label}: a damaged bucket met by racing threads refuses the table for every one of them, for good`, (t) => {
    // A line row of function 200 (past the first chunks): the bucket holding it is refused.
    const table = manyChunkTable();
    const rows = table.readUInt32LE(40 + 8 * 3);
    const exe = harness([...sanitize]);
    const r = run(exe, [...files('damaged', rows + 12 * 3 * 200 + 8), String(THREADS), String(rounds)]);
    t.is(r.status, 0, r.err);
    t.is(r.err, '', 'no sanitizer report');
    const m = /^refused (.+) (\d+) (\d+)$/.exec(r.out);
    if (!m) return t.fail(r.out);
    t.is(m[1], 'table bytes fail their chunk checksum');
    t.is(Number(m[2]), 0, 'no lookup answered after its thread saw the refusal');
    t.is(Number(m[3]), THREADS * rounds, 'every thread saw it, in every round (each adopts afresh)');
  });
}
