// `llgo-introspect demo`: builds the bundled example (examples/demo.c) with the
// system C compiler and shows what the toolkit answers about it.

import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { compile } from '../compiler/toolchain/cc';
import { callersFrames, load, trace } from './live';
import { gc, memProfile, memProfileRate, resetMemProfile, setMemProfileRate } from './memprofile';
import { formatTopLines, topLines } from './pprof';
import { Symbolizer, formatFrames } from './symbolize';

const DEMO_FUNCTIONS = ['demo_main', 'apply', 'fib', 'scale'];

/** The package root: lib/ and dist/lib/ both sit below it. */
export function packageRoot(): string {
  return path.resolve(__dirname, path.basename(path.dirname(__dirname)) === 'dist' ? '../..' : '..');
}

export function demoSource(): string {
  return path.join(packageRoot(), 'examples', 'demo.c');
}

export function runDemo(out: NodeJS.WritableStream): void {
  const so = compile({
    compiler: 'cc', sources: [demoSource()], kind: 'shared', name: 'demo',
    flags: [`-I${path.join(packageRoot(), 'runtime', 'include')}`],
  });
  out.write(`built ${so}\n  from ${demoSource()} with cc\n\n`);
  const elf = ElfFile.open(so);
  const sym = Symbolizer.open(so);
  const r = sym.report!;
  out.write(`LLGI table: ${sym.table.length} bytes, ${r.functions} functions (${r.functionsWithDwarf} with DWARF), ` +
    `${r.lineRows} line rows, ${r.inlineNodes} inlined calls\n\n`);

  const byName = new Map(elf.symbols().map((s) => [s.name, s]));
  for (const name of DEMO_FUNCTIONS) {
    const s = byName.get(name);
    if (!s) continue;
    out.write(`== ${name} at 0x${s.value.toString(16)} (${s.size} bytes)\n`);
    // Every distinct logical stack inside the function, in address order:
    // inlined helpers show up as extra innermost frames.
    const pcs = Array.from({ length: s.size }, (_, i) => BigInt(s.value + i));
    let prev = '';
    sym.symbolize(pcs).forEach((frames, i) => {
      const text = formatFrames(frames);
      if (text === prev) return;
      prev = text;
      out.write(`pc 0x${(s.value + i).toString(16)}:\n${text}`);
    });
    out.write('\n');
  }

  // Live: load the module into this process, call demo_main(7) through koffi,
  // and show the stack llgi_probe() recorded inside scale().
  const m = load(so);
  const demoMain = m.func('demo_main', 'int (int)');
  const t = trace(() => demoMain(7));
  out.write(`== live: demo_main(7) returned ${t.value}; llgi_probe() in scale recorded ${t.stacks.length} stack(s)\n`);
  for (const stack of t.stacks) out.write(formatFrames(callersFrames(stack)));

  // Heap profile: demo_heap(10) at MemProfileRate 1, so every allocation is a sample.
  const rate = memProfileRate();
  resetMemProfile();
  setMemProfileRate(1);
  (m.func('demo_heap', 'int (int)') as (n: number) => number)(10);
  gc();
  const records = memProfile();
  setMemProfileRate(rate);
  out.write(`\n== heap profile: demo_heap(10) at MemProfileRate 1 (llgi_alloc at demo.c's @demo:alloc), ${records.length} record(s)\n`);
  out.write(formatTopLines(topLines(records, { rate: 1, n: 5 }), { base: (f) => path.basename(f) }));
  for (const r of records) out.write(formatFrames(r.frames()));
  out.write('(llgo-introspect profile <module.so> --call <fn> writes such a profile for go tool pprof)\n');
  m.close();
}
