// Independent answers to compare ours with: llvm-symbolizer-19 (JSON output).

import { spawnSync } from 'node:child_process';
import { tools } from './tools';

export interface OracleFrame {
  function: string;
  file: string;
  line: number;
}

/** llvm-symbolizer-19's frames for each line of its stdin, as it prints them. */
function llvmAnswers(args: readonly string[], lines: readonly string[]): OracleFrame[][] {
  const r = spawnSync(tools.llvmSymbolizer!, [...args, '--output-style=JSON'], {
    input: lines.map((l) => `${l}\n`).join(''), encoding: 'utf8', maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`llvm-symbolizer-19 failed: ${r.stderr}`);
  const answers = r.stdout.split('\n').filter(Boolean);
  if (answers.length !== lines.length) throw new Error(`llvm-symbolizer-19 gave ${answers.length} answers for ${lines.length} lines`);
  return answers.map((l) => {
    const j = JSON.parse(l) as { Symbol?: { FunctionName: string; FileName: string; Line: number }[] };
    return (j.Symbol ?? []).map((s) => ({ function: s.FunctionName, file: s.FileName, line: s.Line }));
  });
}

/** llvm-symbolizer-19's frames for each address (inlined frames innermost first). */
export function llvmSymbolize(obj: string, addrs: readonly (number | bigint)[]): OracleFrame[][] {
  return llvmAnswers([`--obj=${obj}`], addrs.map((a) => `0x${a.toString(16)}`));
}

/**
 * llvm-symbolizer-19's frames for each input line, as it reads its stdin
 * (`<module> <address>` lines, or addresses with --obj in `args`); [] where
 * it answers "??" (a line it cannot read, a module it cannot open, an address
 * outside every function).
 */
export function llvmSymbolizeLines(lines: readonly string[], args: readonly string[] = []): OracleFrame[][] {
  return llvmAnswers(args, lines).map((frames) => (frames.every((f) => !f.function && !f.file) ? [] : frames));
}
