// funcForPC's cache (docs/in-process.md, "funcForPC"): a pc gets the same
// frozen Func back while cached; a closed module's pcs answer null and a
// re-loaded one's Funcs are new; past FUNC_CACHE_SIZE pcs the oldest is made
// again. Names are checked against dlsym, never against our own answers.

import { funcForPC, FUNC_CACHE_SIZE, load } from '../lib/index';
import { reservedMany } from './helpers/embed';
import { testWith } from './helpers/tools';

/** 1,000 small functions f_0..f_999: more text bytes than FUNC_CACHE_SIZE. */
const N = 1000;
const many = () => reservedMany('gcc', N, 64 * 1024);

testWith(['gcc'], 'funcForPC returns the same frozen Func for a cached pc, and a new one after close and re-load', (t) => {
  const so = many();
  const m = load(so);
  const entry = m.symbol('f_7')!;
  const pc = entry + 1n;
  const f = funcForPC(pc);
  t.is(f?.name, 'f_7');
  t.is(f?.entry, entry);
  t.is(f?.module, m);
  t.true(Object.isFrozen(f), 'a shared answer cannot be changed by one caller');
  t.is(funcForPC(pc), f, 'the same object');
  t.is(funcForPC(Number(pc)), f, 'whatever form the pc is given in');
  t.is(funcForPC(`0x${pc.toString(16)}`), f);
  t.not(funcForPC(entry), f, 'another pc of the same function has its own Func (its own file:line)');

  const rel = pc - m.base;
  m.close();
  t.is(funcForPC(pc), null, 'a closed module answers null, cached or not (gc: outside every module)');
  const again = load(so);
  const g = funcForPC(rel + again.base);
  t.not(g, f, 'a re-loaded module gets new Funcs (even at the same address)');
  t.is(g?.module, again);
  t.is(g?.name, 'f_7');
  again.close();
});

testWith(['gcc'], `funcForPC keeps at most FUNC_CACHE_SIZE (${FUNC_CACHE_SIZE}) Funcs: the oldest goes first`, (t) => {
  const m = load(many());
  try {
    const first = m.symbol('f_0')!;
    // Distinct pcs inside f_0..f_999, each answered (padding belongs to the function before it, as in gc).
    const pcs = Array.from({ length: FUNC_CACHE_SIZE }, (_, i) => first + 1n + BigInt(i));
    t.true(pcs[pcs.length - 1] < m.symbol(`f_${N - 1}`)!, 'all inside the generated functions');
    const f = funcForPC(first);
    t.is(f?.name, 'f_0');
    for (const pc of pcs.slice(0, -1)) t.truthy(funcForPC(pc));
    t.is(funcForPC(first), f, `still cached after ${FUNC_CACHE_SIZE - 1} other pcs`);
    t.truthy(funcForPC(pcs[pcs.length - 1]));
    const g = funcForPC(first);
    t.not(g, f, `made again after ${FUNC_CACHE_SIZE} other pcs`);
    const answer = (x: typeof f) => x && { name: x.name, gcName: x.gcName, entry: x.entry, file: x.file, line: x.line, module: x.module };
    t.deepEqual(answer(g), answer(f), 'with the same answer');
  } finally {
    m.close();
  }
});
