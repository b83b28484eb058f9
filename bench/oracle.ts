// llvm-symbolizer-19's JSON answers, for the benchmarks' agreement check.

import { spawnSync } from 'node:child_process';

export function llvmSymbolizeJson(llvm: string, obj: string, addrs: number[]) {
  const r = spawnSync(llvm, [`--obj=${obj}`, '--output-style=JSON'], {
    input: addrs.map((a) => `0x${a.toString(16)}`).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 30,
  });
  return r.stdout.split('\n').filter(Boolean).map((l) =>
    (JSON.parse(l).Symbol as { FunctionName: string; FileName: string; Line: number }[]).map((s) => ({ function: s.FunctionName, file: s.FileName, line: s.Line })));
}
