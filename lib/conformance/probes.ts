// What a scenario's probes printed (go/probe): one JSON object a line, each
// what the Go runtime under test said about the stack (probe.Stack) or about
// its heap profile (probe.Heap) at that probe.

export interface RuntimeFrame { pc: bigint; function: string; file: string; line: number; entry: bigint }
export interface RuntimeFunc { pc: bigint; name: string; file: string; line: number; entry: bigint; nil?: boolean }
export interface ProbeReport {
  tag: string;
  pcs: bigint[];
  /** CallersFrames over pcs. */
  frames: RuntimeFrame[];
  /** FuncForPC(pc) with FileLine(pc), one per pc. */
  funcs: RuntimeFunc[];
  /** runtime.Caller(1) from the probe: its caller's pc, file and line. */
  caller: { pc: bigint; file: string; line: number; ok: boolean };
}

/** One runtime.MemProfileRecord, its stack through CallersFrames (empty: the runtime keeps no stacks). */
export interface HeapRecord {
  allocObjects: number;
  allocBytes: number;
  freeObjects: number;
  freeBytes: number;
  frames: { function: string; file: string; line: number }[];
}

export interface HeapReport {
  tag: string;
  /** The scenario's functions: a site is a record's first frame whose name starts with it. */
  prefix: string;
  /** runtime.MemProfileRate when the probe ran. */
  rate: number;
  /** The records whose stack has a function starting with the probe's prefix, and every stackless record. */
  records: HeapRecord[];
}

const big = (v: unknown) => BigInt(v as string);

/** Parses the probe.Stack lines (other lines are the program's own output and are skipped). */
export function parseProbes(text: string): ProbeReport[] {
  return text.split('\n').filter((l) => l.startsWith('{"tag":')).map((l) => {
    const j = JSON.parse(l);
    return {
      tag: j.tag,
      pcs: j.pcs.map(big),
      frames: j.frames.map((f: Record<string, unknown>) => ({ ...f, pc: big(f.pc), entry: big(f.entry) })),
      funcs: j.funcs.map((f: Record<string, unknown>) => ({ ...f, pc: big(f.pc), entry: f.nil ? 0n : big(f.entry) })),
      caller: { ...j.caller, pc: big(j.caller.pc) },
    } as ProbeReport;
  });
}

/** Parses the probe.Heap lines. */
export function parseHeapProbes(text: string): HeapReport[] {
  return text.split('\n').filter((l) => l.startsWith('{"heap":')).map((l) => {
    const j = JSON.parse(l);
    return { tag: j.heap, prefix: j.prefix, rate: j.rate, records: j.records } as HeapReport;
  });
}
