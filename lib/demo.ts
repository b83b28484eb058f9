// `llgo-introspect demo`: builds the bundled example (examples/demo.c) with the
// system C compiler and shows what the toolkit answers about it.

import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { compile } from '../compiler/toolchain/cc';
import { Symbolizer, formatFrames } from './symbolize';

const DEMO_FUNCTIONS = ['demo_main', 'apply', 'fib', 'scale'];

export function demoSource(): string {
  // lib/ and dist/lib/ both sit below the package root.
  const up = path.basename(path.dirname(__dirname)) === 'dist' ? '../..' : '..';
  return path.resolve(__dirname, up, 'examples', 'demo.c');
}

export function runDemo(out: NodeJS.WritableStream): void {
  const so = compile({ compiler: 'cc', sources: [demoSource()], kind: 'shared', name: 'demo' });
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
}
