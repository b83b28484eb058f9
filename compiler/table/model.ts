// The in-memory model a table is written from: what the builder (build.ts)
// knows about a binary, before it is laid out in bytes by write.ts.
// Addresses are link-time virtual addresses of the described ELF.

/** A change point: from `pc` on (until the next point or the function's end). */
export interface LinePoint {
  pc: number;
  /** undefined: no line information from here on. */
  file?: string;
  line: number;
}

export interface PaintPoint {
  pc: number;
  /** Index into TableModel.nodes of the innermost inlined call, or -1. */
  node: number;
}

export interface FuncModel {
  entry: number;
  /** Bytes from entry when known (symbol st_size or DWARF range). */
  size?: number;
  name: string;
  fromSymtab: boolean;
  fromDwarf: boolean;
  /** The name is llgo's display name (compiler/llgo/merge.ts). */
  llgoName?: boolean;
  /** The lines are llgo's record line and statement anchors. */
  llgoLines?: boolean;
  /** A gc wrapper (DW_AT_trampoline): gc's stacks elide it above the function it wraps. */
  wrapper?: boolean;
  declFile?: string;
  declLine?: number;
  /** STT_FILE name of a local symbol: llvm-symbolizer's file fallback. */
  symFile?: string;
  lines: LinePoint[];
  paints: PaintPoint[];
}

export interface InlineNode {
  /** Enclosing inline node (a smaller index), or -1 when the physical function encloses it. */
  parent: number;
  name: string;
  callFile?: string;
  callLine: number;
}

export interface TableModel {
  /** Entry of the first function. */
  textStart: number;
  /** End of the last function (exclusive). */
  textEnd: number;
  /** Sorted by entry, strictly increasing, all inside [textStart, textEnd). */
  funcs: FuncModel[];
  nodes: InlineNode[];
}
