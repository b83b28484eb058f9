// The JSON shapes the commands print (--json): addresses as 0x hex strings.

import type { Frame } from '../symbolize';

export function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

/** A replacer for JSON.stringify: bigints as 0x hex. */
export const bigintHex = (_: string, v: unknown) => (typeof v === 'bigint' ? hex(v) : v);

export function frameJson(f: Frame) {
  return {
    pc: hex(f.pc), function: f.function, gcFunction: f.gcFunction, file: f.file, line: f.line, entry: hex(f.entry), inlined: f.inlined,
    functionSource: f.functionSource, lineSource: f.lineSource,
  };
}
