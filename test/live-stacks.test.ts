// In-process stacks (docs/in-process.md): fixtures loaded with load(), called
// through Module.func, stacks captured by llgi_probe()/trace() and by
// llgi_callers(), symbolized by callersFrames()/funcForPC() with gc's rules
// (docs/gc-semantics.md §5). Expected frames come from markers in
// test/fixtures/live/*.c; llvm-symbolizer-19 is the independent oracle, with
// the one documented difference that callersFrames hides the inlined
// llgi_probe/llgi_callers wrapper heading each stack. Every test runs on a gcc
// and a clang-19 build.

import { ElfFile, SHF_EXECINSTR, STT_FUNC } from '../compiler/elf';
import { LlgiError } from '../compiler/errors';
import { callersFrames, funcForPC, load, trace, type Module } from '../lib/index';
import type { Compiler } from './helpers/fixtures';
import {
  at, buildLive, ccTool, chainGroups, checkStack, COMPILERS, dropWrappers, entryOf, execMappings, intFn, storedPcs,
  view, type Group,
} from './helpers/live';
import { llvmSymbolize, type OracleFrame } from './helpers/oracle';
import { testWith } from './helpers/tools';

const C = 'chain.c';
const COR = 'corrupt.c';

const loaded = new Map<string, Module>();
function chainModule(cc: Compiler): Module {
  const so = buildLive(cc, [C]);
  let m = loaded.get(so);
  if (!m) loaded.set(so, (m = load(so)));
  return m;
}
function corruptModule(cc: Compiler): Module {
  const so = buildLive(cc, [COR]);
  let m = loaded.get(so);
  if (!m) loaded.set(so, (m = load(so)));
  return m;
}


function callersGroups(m: Module): Group[] {
  return [
    { frames: [at(C, 'callers_c', '@callers:c')], physical: 'callers_c', module: m },
    { frames: [at(C, 'callers_b', '@callers:b->c')], physical: 'callers_b', module: m },
    { frames: [at(C, 'callers_a', '@callers:a->b')], physical: 'callers_a', module: m },
  ];
}

function inlGroups(m: Module, first: 'probe' | 'callers'): Group[] {
  return [{
    frames: [
      at(C, 'inl_leaf', first === 'probe' ? '@inl:leaf-probe' : '@inl:leaf-callers', true),
      at(C, 'inl_mid', '@inl:mid->leaf', true),
      at(C, 'inl_outer', '@inl:outer->mid'),
    ],
    physical: 'inl_outer',
    module: m,
  }];
}

for (const cc of COMPILERS) {
  // ---- 1. trace(): a -> b -> c -> llgi_probe --------------------------------

  testWith([ccTool(cc)], `${cc}: trace() records a -> b -> c -> llgi_probe and the walk stops at the first pc outside registered modules`, (t) => {
    const m = chainModule(cc);
    const a = intFn(m, 'chain_a');
    const r = trace(() => a(1) + a(1));
    t.is(r.value, 210, 'trace returns the value of fn');
    t.is(r.dropped, 0);
    t.is(r.stacks.length, 2, 'one stack per llgi_probe() executed');
    t.deepEqual(r.stacks[1], r.stacks[0], 'the same call path gives the same pcs');
    // stacks[i][0] is the return address into chain_c; the frame after chain_a
    // (the JS -> native entry) is outside every module, so the stack ends there.
    checkStack(t, callersFrames(r.stacks[0]), r.stacks[0], chainGroups(m), 'trace');
    for (const pc of r.stacks[0]) t.true(pc >= m.textStart && pc < m.textEnd, 'every pc is in the module text');
  });

  testWith([ccTool(cc)], `${cc}: llgi_probe() outside trace() records nothing, and a trace sees only its own probes`, (t) => {
    const m = chainModule(cc);
    const a = intFn(m, 'chain_a');
    t.is(a(1), 105, 'a probe with no trace active is harmless');
    const empty = trace(() => 7);
    t.deepEqual(empty, { value: 7, stacks: [], dropped: 0, truncated: 0 });
    const one = trace(() => a(1));
    t.is(one.stacks.length, 1);
    a(1);
    t.is(trace(() => 0).stacks.length, 0, 'nothing leaks into the next trace');
  });

  testWith([ccTool(cc)], `${cc}: trace() keeps every probe or counts it in dropped`, (t) => {
    const m = chainModule(cc);
    const probeN = intFn(m, 'probe_n');
    const small = trace(() => probeN(5));
    t.is(small.value, 5);
    t.is(small.dropped, 0);
    t.is(small.stacks.length, 5);
    const g: Group[] = [{ frames: [at(C, 'probe_n', '@probe_n')], physical: 'probe_n', module: m }];
    for (const s of small.stacks) checkStack(t, callersFrames(s), s, g, 'probe_n');

    const N = 200_000;
    const big = trace(() => probeN(N));
    t.is(big.stacks.length + big.dropped, N, 'kept + dropped = probes executed');
    t.true(big.stacks.length > 0);
    t.true(big.stacks.every((s) => s.length === 1 && s[0] === small.stacks[0][0]), 'kept stacks are whole and right');
    t.log(`${N} probes: ${big.stacks.length} kept, ${big.dropped} dropped`);
  });

  testWith([ccTool(cc)], `${cc}: an exception thrown inside trace() is rethrown with the stacks recorded so far, and the next trace works`, (t) => {
    const m = chainModule(cc);
    const a = intFn(m, 'chain_a');
    const boom = new Error('boom');
    const e = t.throws(() => trace(() => {
      a(1);
      a(1);
      throw boom;
    }));
    t.is(e, boom, 'the error fn threw is rethrown');
    const carried = (e as unknown as { trace?: { stacks: bigint[][]; dropped: number; truncated: number } }).trace;
    t.truthy(carried, 'error.trace');
    if (carried) {
      t.is(carried.stacks.length, 2, 'both stacks recorded before the throw');
      t.is(carried.dropped, 0);
      t.is(carried.truncated, 0);
      checkStack(t, callersFrames(carried.stacks[0]), carried.stacks[0], chainGroups(m), 'carried');
    }
    // A thrown non-object comes out as is.
    let thrown: unknown;
    try {
      trace(() => {
        a(1);
        throw 'a string';
      });
    } catch (x) {
      thrown = x;
    }
    t.is(thrown, 'a string');
    a(1);
    const next = trace(() => a(1));
    t.is(next.stacks.length, 1, 'the trace that threw is over; the next one records exactly its own probe');
    checkStack(t, callersFrames(next.stacks[0]), next.stacks[0], chainGroups(m), 'after throw');
  });

  testWith([ccTool(cc)], `${cc}: nested trace(): the innermost receives the probes, the outer keeps the ones around it`, (t) => {
    const m = chainModule(cc);
    const a = intFn(m, 'chain_a');
    const probeN = intFn(m, 'probe_n');
    let inner: ReturnType<typeof trace<number>> | undefined;
    const outer = trace(() => {
      a(1);
      inner = trace(() => probeN(3));
      a(1);
      return 1;
    });
    t.is(inner?.stacks.length, 3, 'the inner trace has its 3 probe_n stacks');
    t.true(inner?.stacks.every((s) => s.length === 1 && callersFrames(s)[0].function === 'probe_n'));
    t.is(outer.stacks.length, 2, 'the outer trace has the two chain stacks, none of the inner ones');
    for (const s of outer.stacks) checkStack(t, callersFrames(s), s, chainGroups(m), 'outer');

    // An inner trace that throws ends only itself.
    const outer2 = trace(() => {
      try {
        trace(() => {
          probeN(2);
          throw new Error('inner');
        });
      } catch (e) {
        t.is((e as { trace?: { stacks: unknown[] } }).trace?.stacks.length, 2);
      }
      a(1);
      return 2;
    });
    t.is(outer2.stacks.length, 1);
    checkStack(t, callersFrames(outer2.stacks[0]), outer2.stacks[0], chainGroups(m), 'outer after inner throw');
  });

  testWith([ccTool(cc)], `${cc}: trace() options bound stacks and depth, counted in dropped and truncated`, (t) => {
    const m = chainModule(cc);
    const probeN = intFn(m, 'probe_n');
    const few = trace(() => probeN(10), { maxStacks: 3 });
    t.is(few.stacks.length, 3);
    t.is(few.dropped, 7);
    t.is(few.truncated, 0);

    const shallow = trace(() => intFn(m, 'rec_probe_entry')(512), { maxDepth: 100 });
    t.is(shallow.stacks.length, 1);
    t.is(shallow.stacks[0].length, 100, 'cut at maxDepth, innermost first');
    t.is(shallow.truncated, 1);
    const g: Group[] = Array.from({ length: 100 }, (_, i) => ({
      frames: [at(C, 'rec_probe', i === 0 ? '@rec:probe' : '@rec:probe-self')], physical: 'rec_probe', module: m,
    }));
    checkStack(t, callersFrames(shallow.stacks[0]), shallow.stacks[0], g, 'maxDepth 100');

    const tight = trace(() => intFn(m, 'chain_a')(1) + intFn(m, 'chain_a')(1), { maxPcs: 4 });
    t.is(tight.stacks.reduce((n, s) => n + s.length, 0) <= 4, true, 'never more than maxPcs pcs');
    t.is(tight.stacks.length + tight.dropped, 2, 'every probe is kept or dropped');
    t.true(tight.truncated + tight.dropped >= 1, 'the second 3-pc stack does not fit whole');

    for (const bad of [{ maxStacks: 0 }, { maxDepth: -1 }, { maxPcs: 1.5 }, { maxDepth: Number.NaN }]) {
      const e = t.throws(() => trace(() => 0, bad), { instanceOf: LlgiError });
      t.is(e?.code, 'LLGI_BAD_ARGUMENT', JSON.stringify(bad));
    }
  });

  // ---- 2. llgi_callers into a caller's buffer --------------------------------

  testWith([ccTool(cc)], `${cc}: llgi_callers() fills a caller's buffer; skip drops innermost pcs; max bounds the write`, (t) => {
    const m = chainModule(cc);
    const callers = m.func('callers_a', 'int (uint64_t *, int, int)') as (pcs: BigUint64Array, max: number, skip: number) => number;
    const SENTINEL = 0xdeadbeefn;
    const buf = (n: number) => new BigUint64Array(n).fill(SENTINEL);

    const b0 = buf(16);
    const n0 = callers(b0, 16, 0);
    t.is(n0, 3);
    const pcs = [...b0.subarray(0, n0)];
    t.true(b0.subarray(n0).every((x) => x === SENTINEL), 'nothing written past n');
    checkStack(t, callersFrames(pcs), pcs, callersGroups(m), 'skip 0');

    const b1 = buf(16);
    t.is(callers(b1, 16, 1), 2);
    t.deepEqual([...b1.subarray(0, 2)], pcs.slice(1), 'skip=1 starts at the return address into callers_b');
    checkStack(t, callersFrames(pcs.slice(1)), pcs.slice(1), callersGroups(m).slice(1), 'skip 1');

    const b2 = buf(16);
    t.is(callers(b2, 16, 2), 1);
    t.deepEqual([...b2.subarray(0, 1)], pcs.slice(2));

    const b3 = buf(16);
    t.is(callers(b3, 16, 3), 0, 'skip past the stack gives 0 (gc)');
    t.is(callers(b3, 16, 100), 0);
    t.true(b3.every((x) => x === SENTINEL));

    const b4 = buf(16);
    t.is(callers(b4, 2, 0), 2, 'max bounds the count');
    t.deepEqual([...b4.subarray(0, 2)], pcs.slice(0, 2));
    t.true(b4.subarray(2).every((x) => x === SENTINEL), 'max bounds the write');

    const b5 = buf(4);
    t.is(callers(b5, 0, 0), 0, 'max 0 gives 0 (gc: len(pc) == 0)');
    t.true(b5.every((x) => x === SENTINEL));
  });

  // ---- 3. recursion ---------------------------------------------------------

  testWith([ccTool(cc)], `${cc}: 512-deep recursion gives 512 frames of the recursive function, through trace() and llgi_callers()`, (t) => {
    const m = chainModule(cc);
    const DEPTH = 512;
    const recGroups = (first: 'probe' | 'callers'): Group[] => {
      const name = first === 'probe' ? 'rec_probe' : 'rec_callers';
      const g: Group[] = [{
        frames: [at(C, name, first === 'probe' ? '@rec:probe' : '@rec:callers')],
        physical: name, module: m,
      }];
      for (let i = 1; i < DEPTH; i++) {
        g.push({ frames: [at(C, name, first === 'probe' ? '@rec:probe-self' : '@rec:callers-self')], physical: name, module: m });
      }
      g.push({ frames: [at(C, `${name}_entry`, first === 'probe' ? '@rec:probe-entry' : '@rec:callers-entry')], physical: `${name}_entry`, module: m });
      return g;
    };

    const r = trace(() => intFn(m, 'rec_probe_entry')(DEPTH));
    t.is(r.value, DEPTH);
    t.is(r.stacks.length, 1);
    t.is(r.dropped, 0);
    t.is(r.stacks[0].length, DEPTH + 1, 'trace keeps 512 recursive frames and the entry');
    checkStack(t, callersFrames(r.stacks[0]), r.stacks[0], recGroups('probe'), 'rec_probe');

    t.is(intFn(m, 'rec_callers_entry')(DEPTH), DEPTH);
    const pcs = storedPcs(m);
    t.is(pcs.length, DEPTH + 1, 'llgi_callers with max 1024 keeps 512 recursive frames and the entry');
    checkStack(t, callersFrames(pcs), pcs, recGroups('callers'), 'rec_callers');
  });

  // ---- 4. function pointers and static functions ------------------------------

  testWith([ccTool(cc)], `${cc}: calls through function pointers into static functions`, (t) => {
    const m = chainModule(cc);
    const fp = intFn(m, 'fp_entry');
    const tail: Group[] = [
      { frames: [at(C, 'fp_mid', '@fp:mid->leaf')], physical: 'fp_mid', module: m },
      { frames: [at(C, 'fp_entry', '@fp:entry->mid')], physical: 'fp_entry', module: m },
    ];
    const r = trace(() => fp(1));
    t.is(r.value, 6);
    t.is(r.stacks.length, 1);
    checkStack(t, callersFrames(r.stacks[0]), r.stacks[0],
      [{ frames: [at(C, 'fp_leaf', '@fp:leaf-probe')], physical: 'fp_leaf', module: m }, ...tail], 'probe');
    const pcs = storedPcs(m);
    checkStack(t, callersFrames(pcs), pcs,
      [{ frames: [at(C, 'fp_leaf', '@fp:leaf-callers')], physical: 'fp_leaf', module: m }, ...tail], 'callers');
    t.is(m.symbol('fp_leaf'), null, 'static functions are not dynamic symbols');
  });

  // ---- 5. always_inline helpers ---------------------------------------------------

  testWith([ccTool(cc)], `${cc}: inlined helpers are expanded innermost first, then the physical function at the call site`, (t) => {
    const m = chainModule(cc);
    const r = trace(() => intFn(m, 'inl_outer')(1));
    t.is(r.value, 7);
    t.is(r.stacks.length, 1);
    t.is(r.stacks[0].length, 1, 'one physical frame: inl_outer, called from JavaScript');
    checkStack(t, callersFrames(r.stacks[0]), r.stacks[0], inlGroups(m, 'probe'), 'probe');
    const pcs = storedPcs(m);
    checkStack(t, callersFrames(pcs), pcs, inlGroups(m, 'callers'), 'callers');
  });

  // ---- 10. corrupted frame records --------------------------------------------

  testWith([ccTool(cc)], `${cc}: a walk through a corrupted frame record stops at the bad link without crashing`, (t) => {
    const m = corruptModule(cc);
    const entry = intFn(m, 'corrupt_entry');
    const full: Group[] = [
      { frames: [at(COR, 'corrupt_leaf', '@cor:leaf-callers')], physical: 'corrupt_leaf', module: m },
      { frames: [at(COR, 'corrupt_mid', '@cor:mid->leaf')], physical: 'corrupt_mid', module: m },
      { frames: [at(COR, 'corrupt_outer', '@cor:outer->mid')], physical: 'corrupt_outer', module: m },
      { frames: [at(COR, 'corrupt_entry', '@cor:entry->outer')], physical: 'corrupt_entry', module: m },
    ];
    const modes: [number, string, number][] = [
      [0, 'intact', 4],
      [1, 'saved fp = 0x1', 3],
      [2, 'saved fp = 0xfffffffffffff000', 3],
      [3, 'saved fp below the frame', 3],
      [4, 'saved fp misaligned', 3],
      [5, 'saved fp = NULL', 3],
      [6, 'saved fp = the frame itself', 3],
      [7, 'saved fp = a valid-looking record outside the stack', 3],
      [8, 'saved fp 2 MiB above', 3],
      [9, 'return address = 0x1', 2],
      [10, 'return address outside every module', 2],
    ];
    for (const [mode, what, n] of modes) {
      t.is(entry(mode), n, `${what}: ${n} pcs`);
      const pcs = storedPcs(m);
      checkStack(t, callersFrames(pcs), pcs, full.slice(0, n), what);
    }
    t.is(entry(0), 4, 'the process and the walk are fine afterwards');
  });

  // ---- 11. funcForPC ------------------------------------------------------------

  testWith([ccTool(cc), 'llvmSymbolizer'], `${cc}: funcForPC at entries, inside inlined code and outside every module (gc's FuncForPC)`, (t) => {
    const m = chainModule(cc);
    const elf = ElfFile.open(m.path);
    const exec = new Set(elf.sections.filter((s) => s.flags & SHF_EXECINSTR).map((s) => s.index));
    const text = elf.section('.text')!;
    const funcs = elf.symbols().filter((s) => s.type === STT_FUNC && exec.has(s.shndx) && s.size > 0);
    t.true(funcs.length > 10);

    // Entries: exact entry; the name is the function's, or, where the
    // compiler scheduled inlined code at the very entry, the innermost
    // inlined function there, as llvm-symbolizer-19 says (gc's rule). The
    // llgi_module.h wrappers are not named (docs/in-process.md): gcc puts
    // llgi_callers' hook load before callers_c's prologue, and funcForPC
    // answers callers_c there.
    const atEntry = llvmSymbolize(m.path, funcs.map((s) => s.value)).map(dropWrappers);
    let inlinedEntries = 0;
    for (const [i, s] of funcs.entries()) {
      const entry = BigInt(s.value) + m.base;
      const f = funcForPC(entry);
      if (!f) {
        t.fail(`funcForPC(${s.name} entry) is null`);
        continue;
      }
      const chain = atEntry[i];
      if (chain.length > 1) inlinedEntries++;
      t.is(f.name, chain.length > 1 ? chain[0].function : s.name, `name at ${s.name}'s entry`);
      if (chain.length === 1 && chain[0].function) t.is(chain[0].function, s.name, `llvm-symbolizer-19 agrees at ${s.name}'s entry`);
      t.is(f.entry, entry, `${s.name}'s entry`);
      t.is(f.module, m, `${s.name}'s module`);
    }
    t.log(`${funcs.length} function entries, ${inlinedEntries} of them inside inlined code`);
    for (const name of ['chain_a', 'chain_b', 'chain_c', 'inl_outer', 'rec_probe', 'fp_entry', 'probe_n']) {
      t.is(m.symbol(name), entryOf(m, name), `symbol(${name}) is the runtime entry`);
    }
    t.is(m.symbol('llgi_test_no_such_symbol'), null);

    // Every byte of every function in .text: name = innermost inlined
    // function at pc (exactly pc, no -1), entry = physical entry, fileLine(pc)
    // as llvm-symbolizer-19 at pc - base; gc's synthetic Func of an inlined pc
    // answers the file/line of that pc whatever FileLine is given.
    const addrs: number[] = [];
    const owner: typeof funcs = [];
    for (const s of funcs) {
      if (s.shndx !== text.index) continue;
      for (let a = s.value; a < s.value + s.size; a++) {
        addrs.push(a);
        owner.push(s);
      }
    }
    const oracle = llvmSymbolize(m.path, addrs).map(dropWrappers);
    const bad: string[] = [];
    let inlinedPcs = 0;
    addrs.forEach((a, i) => {
      const pc = BigInt(a) + m.base;
      const l = oracle[i];
      const f = funcForPC(pc);
      const entry = BigInt(owner[i].value) + m.base;
      const where = `0x${a.toString(16)} (${owner[i].name}+0x${(a - owner[i].value).toString(16)})`;
      if (!f) return void bad.push(`${where}: null`);
      const wantName = l[0].function || owner[i].name;
      if (f.name !== wantName) bad.push(`${where}: name ${f.name}, llvm ${wantName}`);
      if (f.entry !== entry) bad.push(`${where}: entry 0x${f.entry.toString(16)}, want 0x${entry.toString(16)}`);
      const fl = f.fileLine(pc);
      if (f.file !== fl.file || f.line !== fl.line) bad.push(`${where}: Func.file/line ${f.file}:${f.line}, fileLine(pc) ${fl.file}:${fl.line}`);
      if (f.module !== m) bad.push(`${where}: module ${f.module?.path}`);
      const wantFile = l[0].file || '?';
      if (fl.line !== l[0].line || fl.file !== wantFile) bad.push(`${where}: fileLine ${fl.file}:${fl.line}, llvm ${wantFile}:${l[0].line}`);
      if (l.length > 1) {
        inlinedPcs++;
        const other = f.fileLine(entry);
        if (other.line !== fl.line || other.file !== fl.file) bad.push(`${where}: inlined Func.fileLine(entry) ${other.file}:${other.line}, gc answers the funcForPC pc's ${fl.file}:${fl.line}`);
      }
    });
    t.log(`${addrs.length} pcs, ${inlinedPcs} inside inlined code`);
    t.true(inlinedPcs > 10, 'inlined code was exercised');
    t.deepEqual(bad.slice(0, 20), []);

    // Alignment padding after a function (not inside any sized symbol): that
    // function (gc's findfunc), file/line as llvm-symbolizer-19 has them.
    const sorted = [...funcs].filter((s) => s.shndx === text.index).sort((x, y) => x.value - y.value);
    const padAddrs: number[] = [];
    const padOwner: typeof funcs = [];
    sorted.forEach((s, i) => {
      const end = i + 1 < sorted.length ? sorted[i + 1].value : text.addr + text.size;
      for (let a = s.value + s.size; a < end; a++) {
        padAddrs.push(a);
        padOwner.push(s);
      }
    });
    const padOracle = padAddrs.length ? llvmSymbolize(m.path, padAddrs) : [];
    const badPad: string[] = [];
    padAddrs.forEach((a, i) => {
      const f = funcForPC(BigInt(a) + m.base);
      const where = `padding 0x${a.toString(16)} after ${padOwner[i].name}`;
      if (!f) return void badPad.push(`${where}: null`);
      if (f.name !== padOwner[i].name) badPad.push(`${where}: name ${f.name}`);
      if (f.entry !== BigInt(padOwner[i].value) + m.base) badPad.push(`${where}: entry`);
      const fl = f.fileLine(BigInt(a) + m.base);
      const l = padOracle[i][0];
      if (fl.line !== l.line || fl.file !== (l.file || '?')) badPad.push(`${where}: fileLine ${fl.file}:${fl.line}, llvm ${l.file || '?'}:${l.line}`);
    });
    t.log(`${padAddrs.length} padding bytes`);
    t.deepEqual(badPad.slice(0, 20), []);

    // The probe's return address - 1 lies in llgi_probe inlined into inl_leaf,
    // inl_mid, inl_outer: FuncForPC names the innermost inlined function
    // (inl_leaf: the llgi_module.h wrapper is not named) and the physical
    // entry; the raw return address itself is used as given.
    const r = trace(() => intFn(m, 'inl_outer')(1));
    const ret = r.stacks[0][0];
    const inner = funcForPC(ret - 1n);
    const leafProbe = at(C, 'inl_leaf', '@inl:leaf-probe', true);
    t.is(inner?.name, 'inl_leaf');
    t.is(inner?.entry, entryOf(m, 'inl_outer'));
    t.is(inner?.line, leafProbe.line);
    t.is(inner?.fileLine(0n).line, leafProbe.line, 'synthetic inlined Func: fileLine ignores its argument (gc)');
    const asGiven = funcForPC(ret);
    const l = dropWrappers(llvmSymbolize(m.path, [ret - m.base])[0]);
    t.is(asGiven?.name, l[0].function, 'funcForPC uses the pc exactly as given');
    t.is(asGiven?.fileLine(ret).line, l[0].line);

    // Outside every module: null.
    t.is(funcForPC(0n), null);
    t.is(funcForPC(1n), null);
    t.is(funcForPC(0xffffffffffffffffn), null);
    t.is(funcForPC(m.textStart - 1n), null, 'just below the module text');
    t.is(funcForPC(m.textEnd), null, 'the end of the text is outside (gc: pc == etext → nil)');
    const libc = execMappings((p) => /\/libc[.-]/.test(p));
    t.true(libc.length > 0, 'libc is mapped');
    for (const x of libc) t.is(funcForPC(x.lo + 0x100n), null, `libc text ${x.path} is not a registered module`);
    const node = execMappings((p) => p === process.execPath);
    for (const x of node) t.is(funcForPC(x.lo + 0x1000n), null, 'node text is not a registered module');
  });

  // ---- 12. live stacks agree with llvm-symbolizer-19 --------------------------

  testWith([ccTool(cc), 'llvmSymbolizer'], `${cc}: callersFrames of live stacks agrees with llvm-symbolizer-19 at pc - base - 1, inline chains included`, (t) => {
    const m = chainModule(cc);
    const cor = corruptModule(cc);
    const stacks: { m: Module; pcs: bigint[]; label: string }[] = [];
    const traced = (label: string, mod: Module, fn: () => unknown) => {
      for (const s of trace(fn).stacks) stacks.push({ m: mod, pcs: s, label });
    };
    const stored = (label: string, mod: Module, fn: () => unknown) => {
      fn();
      stacks.push({ m: mod, pcs: storedPcs(mod), label });
    };
    traced('chain', m, () => intFn(m, 'chain_a')(1));
    traced('rec', m, () => intFn(m, 'rec_probe_entry')(40));
    stored('rec callers', m, () => intFn(m, 'rec_callers_entry')(40));
    traced('fp', m, () => intFn(m, 'fp_entry')(1));
    stored('fp callers', m, () => {});
    traced('inl', m, () => intFn(m, 'inl_outer')(1));
    stored('inl callers', m, () => {});
    traced('probe_n', m, () => intFn(m, 'probe_n')(2));
    stored('corrupt', cor, () => intFn(cor, 'corrupt_entry')(0));
    const buf = new BigUint64Array(8);
    const n = (m.func('callers_a', 'int (uint64_t *, int, int)') as (b: BigUint64Array, max: number, skip: number) => number)(buf, 8, 0);
    stacks.push({ m, pcs: [...buf.subarray(0, n)], label: 'callers' });

    // The one documented difference: callersFrames hides the inlined
    // llgi_probe/llgi_callers wrapper at the head of a chain.
    let compared = 0;
    let inlined = 0;
    let wrappers = 0;
    for (const s of stacks) {
      t.true(s.pcs.length > 0, `${s.label}: a stack`);
      const oracle = llvmSymbolize(s.m.path, s.pcs.map((pc) => pc - s.m.base - 1n));
      const want: OracleFrame[] = [];
      s.pcs.forEach((pc, i) => {
        const chain = dropWrappers(oracle[i]);
        if (chain.length < oracle[i].length) wrappers++;
        // callersFrames of one pc alone expands the same chain.
        const one = callersFrames([pc]);
        t.deepEqual(one.map((f) => ({ function: f.function, file: f.file, line: f.line })), chain, `${s.label}: pc ${i}`);
        t.deepEqual(one.map((f) => f.inlined), chain.map((_, j) => j < chain.length - 1), `${s.label}: pc ${i} inlined flags`);
        if (chain.length > 1) inlined++;
        want.push(...chain);
        compared++;
      });
      const all = callersFrames(s.pcs);
      t.deepEqual(all.map((f) => ({ function: f.function, file: f.file, line: f.line })), want, `${s.label}: the whole stack`);
    }
    t.log(`${compared} pcs in ${stacks.length} stacks, ${inlined} with inline chains, ${wrappers} wrapper frames hidden`);
    t.is(wrappers, stacks.length, 'each stack starts in an inlined llgi_probe/llgi_callers, and only there');
    t.true(inlined >= 2, 'inline chains were compared (inl_outer)');
  });

  testWith([ccTool(cc)], `${cc}: callersFrames skips pcs outside every module and treats an entry pc as is`, (t) => {
    const m = chainModule(cc);
    const r = trace(() => intFn(m, 'chain_a')(1));
    const pcs = r.stacks[0];
    const libc = execMappings((p) => /\/libc[.-]/.test(p))[0];
    const mixed = [0n, pcs[0], libc.lo + 0x100n, pcs[1], 0xffffffffffffffffn, pcs[2], 1n];
    t.deepEqual(callersFrames(mixed).map(view), callersFrames(pcs).map(view), 'pcs with no function are skipped (gc)');
    t.deepEqual(callersFrames([]), []);
    // A pc equal to its function's entry is looked up as is (gc: pc > entry ? pc-1 : pc).
    const entry = entryOf(m, 'chain_b');
    const f = callersFrames([entry]);
    t.is(f.length, 1);
    t.is(f[0].pc, entry);
    t.is(f[0].function, 'chain_b');
    t.is(f[0].entry, entry);
    t.false(f[0].inlined);
  });
}
