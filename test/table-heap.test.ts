// A table build that would not fit in V8's heap (compiler/table/heap.ts): the API
// refuses it with LLGI_OUT_OF_HEAP and the process lives on; the CLI runs itself
// again with a heap that fits and answers as an unconstrained run does.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { CLI } from './helpers/cli';
import { bigTableFixture } from './helpers/fixtures';
import { testWith } from './helpers/tools';

const ROOT = path.join(__dirname, '..');
/** A heap too small for the fixture's table (some 7 MiB of DWARF, 140 MiB by the estimate), enough for the rest. */
const SMALL_HEAP = '--max-old-space-size=64';


function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(args[0], args.slice(1), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LLGI_TABLE_CACHE: 'off', ...env } });
}

testWith(['go'], 'Symbolizer.open in a heap too small for the build: LLGI_OUT_OF_HEAP naming what it needs, and the process lives on', (t) => {
  const bin = bigTableFixture();
  t.true(ElfFile.probe(bin).dwarfBytes! > 4 << 20, 'the fixture has megabytes of DWARF');
  const script = `const { Symbolizer } = require('./lib/index');
try { Symbolizer.open(${JSON.stringify(bin)}); console.log('built'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
console.log('alive');`;
  const r = run([process.execPath, SMALL_HEAP, '--import', 'tsx', '-e', script]);
  t.is(r.status, 0, r.stderr);
  const [line, alive] = r.stdout.trim().split('\n');
  const e = JSON.parse(line);
  t.is(e.code, 'LLGI_OUT_OF_HEAP');
  t.regex(e.message, /--max-old-space-size=\d+/);
  t.is(alive, 'alive');
});

testWith(['go'], 'the CLI reruns itself with a heap that fits the build and answers as an unconstrained run; without the rerun, a typed error', (t) => {
  const bin = bigTableFixture();
  const main = ElfFile.open(bin).symbols().find((s) => s.name === 'main.main')!.value;
  const args = ['symbolize', bin, `0x${main.toString(16)}`];
  const free = run([...CLI, ...args]);
  t.is(free.status, 0, free.stderr);
  t.regex(free.stdout, /^main\.main\n\t.*bigtable\/main\.go:\d+\n\n$/);
  const [node, ...rest] = CLI;
  const small = run([node, SMALL_HEAP, ...rest, ...args]);
  t.is(small.status, 0, small.stderr);
  t.is(small.stdout, free.stdout);
  const refused = run([node, SMALL_HEAP, ...rest, ...args], { LLGI_HEAP_RERUN: '1' });
  t.is(refused.status, 1);
  t.regex(refused.stderr, /building its table from \d+ MiB of DWARF needs about .* \[LLGI_OUT_OF_HEAP\]/);
});
