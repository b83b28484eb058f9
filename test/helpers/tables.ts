// Synthetic LLGI tables for reader tests that need a given shape.

import { FUNC_DWARF, FUNC_SIZED, FUNC_SYMTAB } from '../../compiler/table/format';
import { native, type TableShape } from '../../lib/native';

/**
 * A table of many chunks: 300 functions of 48 bytes (4 buckets of text), each
 * with three lines, every 5th with a two-deep inline chain.
 */
export function manyChunkTable(): Buffer {
  const nodes: TableShape['nodes'] = [];
  const funcs: TableShape['funcs'] = Array.from({ length: 300 }, (_, i) => {
    const entry = 0x1000 + 48 * i;
    const paints = [];
    if (i % 5 === 0) {
      nodes.push({ parent: -1, name: `outer_inl_${i}`, callFile: `src/f${i % 7}.c`, callLine: i + 1 });
      nodes.push({ parent: nodes.length - 1, name: `inner_inl_${i}`, callFile: `src/inl${i % 3}.h`, callLine: 2 * i + 1 });
      paints.push({ pc: entry + 16, node: nodes.length - 1 }, { pc: entry + 32, node: -1 });
    }
    return {
      entry, size: 40, name: `function_number_${i}`, flags: FUNC_SYMTAB | FUNC_DWARF | FUNC_SIZED, declFile: `src/f${i % 7}.c`, declLine: 10 * i,
      lines: [0, 16, 32].map((d, k) => ({ pc: entry + d, file: `src/f${i % 7}.c`, line: 10 * i + k })), paints,
    };
  });
  return native().writeTable({ textStart: 0x1000, textEnd: 0x1000 + 48 * 300, funcs, nodes });
}
