// Independent answers to compare ours with: llvm-symbolizer-19 (JSON output).

import { spawnSync } from 'node:child_process';
import { tools } from './tools';

export interface OracleFrame {
  function: string;
  file: string;
  line: number;
}

/** llvm-symbolizer-19's frames for each address (inlined frames innermost first). */
export function llvmSymbolize(obj: string, addrs: readonly (number | bigint)[]): OracleFrame[][] {
  const input = addrs.map((a) => `0x${a.toString(16)}`).join('\n') + '\n';
  const r = spawnSync(tools.llvmSymbolizer!, [`--obj=${obj}`, '--output-style=JSON'], {
    input, encoding: 'utf8', maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`llvm-symbolizer-19 failed: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter(Boolean);
  if (lines.length !== addrs.length) throw new Error(`llvm-symbolizer-19 gave ${lines.length} answers for ${addrs.length} addresses`);
  return lines.map((l) => {
    const j = JSON.parse(l) as { Symbol: { FunctionName: string; FileName: string; Line: number }[] };
    return j.Symbol.map((s) => ({ function: s.FunctionName, file: s.FileName, line: s.Line }));
  });
}
