// Go panic tracebacks, as gc's runtime and llgo's print them (docs/crash.md,
// "Go tracebacks"): parsed into goroutines and frames, and with the binary
// at hand each physical frame (function + offset) checked against our own
// tables, inlined frames included.

import { ElfFile } from '../compiler/elf';
import { LlgiError, isLlgiError } from '../compiler/errors';
import { Binaries } from './crash-symbolize';
import type { Frame } from './symbolize';

export interface GoFrame {
  function: string;
  /** The argument text between the parentheses, as printed ('...' for an inlined frame). */
  args: string;
  file: string;
  line: number;
  /** `+0x..` from the function's entry; null for an inlined frame (or one at its entry). */
  offset: bigint | null;
  /** A frame printed as `pc=0x...` without file and line (llgo's runtime frames). */
  pc: bigint | null;
  /** Our frames at the binary's function entry + offset, when a binary was given and has the function. */
  resolved: Frame[] | null;
  /** Why the frame was not resolved, or where our answer differs from the text. */
  problem: string | null;
}

export interface GoGoroutine {
  id: number;
  state: string;
  frames: GoFrame[];
  /** `created by` for goroutines other than the first. */
  createdBy: GoFrame | null;
  /** `...N frames elided...` between the inner and outer frames. */
  elided: number;
}

export interface GoTraceback {
  /** The `panic: ...` lines (nested panics each on their own), and `fatal error:` lines. */
  panic: string[];
  signal: { name: string; code: bigint; addr: bigint; pc: bigint; line: string } | null;
  goroutines: GoGoroutine[];
  /** The traceback again, with each resolved frame checked: differences are marked `(ours: file:line)`. */
  text: string;
}

/** 1 when text holds a Go traceback (a goroutine header). */
export function isGoTraceback(text: string): boolean {
  return /^goroutine \d+ \[[^\]]*\]:$/m.test(text);
}

const bad = (msg: string) => new LlgiError('LLGI_CRASH_INVALID', msg);

/** Parses a Go traceback; LLGI_CRASH_INVALID when it has no goroutine or a frame without its location line. */
export function parseGoTraceback(text: string): Omit<GoTraceback, 'text'> {
  const lines = text.split('\n');
  const panic = lines.filter((l) => /^(panic|fatal error): /.test(l) || /^\t(panic): /.test(l));
  const sig = lines.map((l) => /^\[signal (SIG[A-Z]+): [^\]]*code=(0x[0-9a-f]+) addr=(0x[0-9a-f]+) pc=(0x[0-9a-f]+)\]$/.exec(l)).find((m) => m);
  const goroutines: GoGoroutine[] = [];
  let g: GoGoroutine | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const head = /^goroutine (\d+) \[([^\]]*)\]:$/.exec(l);
    if (head) {
      goroutines.push((g = { id: Number(head[1]), state: head[2], frames: [], createdBy: null, elided: 0 }));
      continue;
    }
    if (!g) continue;
    if (!l.trim()) {
      g = null;
      continue;
    }
    const elided = /^\.\.\.(\d+) frames elided\.\.\.$/.exec(l);
    if (elided) {
      g.elided = Number(elided[1]);
      continue;
    }
    const created = /^created by (\S+)(?: in goroutine \d+)?$/.exec(l);
    const call = /^(\S+)\((.*)\)$/.exec(l);
    if (!created && !call) throw bad(`line ${i + 1}: not a frame of goroutine ${g.id}: ${JSON.stringify(l.slice(0, 120))}`);
    const at = lines[++i] ?? '';
    const loc = /^\t(.*):(\d+)(?: \+(0x[0-9a-f]+))?(?: fp=.*)?$/.exec(at);
    const pcOnly = /^\tpc=(0x[0-9a-f]+)$/.exec(at);
    if (!loc && !pcOnly) throw bad(`line ${i + 1}: no file:line after ${JSON.stringify(l.slice(0, 120))}`);
    const f: GoFrame = {
      function: created ? created[1] : call![1], args: created ? '' : call![2],
      file: loc ? loc[1] : '?', line: loc ? Number(loc[2]) : 0, offset: loc?.[3] ? BigInt(loc[3]) : null,
      pc: pcOnly ? BigInt(pcOnly[1]) : null, resolved: null, problem: null,
    };
    if (created) g.createdBy = f;
    else g.frames.push(f);
  }
  if (!goroutines.length) throw bad('no goroutine in the traceback (expected a "goroutine N [state]:" line)');
  return {
    panic,
    signal: sig ? { name: sig[1], code: BigInt(sig[2]), addr: BigInt(sig[3]), pc: BigInt(sig[4]), line: sig[0] } : null,
    goroutines,
  };
}

/**
 * Parses a Go traceback and, given the binary that printed it, resolves each
 * physical frame: the function's symbol + the printed offset is an address in
 * the binary, symbolized with our tables (a caller's at address - 1, as gc
 * does). A frame whose function the binaries lack stays as printed, with the
 * reason; one where our file or line differs is marked in the text.
 */
export function symbolizeGoTraceback(text: string, opts: { binaries?: readonly string[] } = {}): GoTraceback {
  const tb = parseGoTraceback(text);
  const bins = new Binaries({ binaries: opts.binaries });
  const entries = new Map<string, Map<string, bigint>>();
  const entryOf = (file: string, fn: string) => {
    let m = entries.get(file);
    if (!m) {
      m = new Map();
      for (const s of ElfFile.open(file).symbols()) if (s.type === 2 && !m.has(s.name)) m.set(s.name, BigInt(s.value));
      entries.set(file, m);
    }
    return m.get(fn);
  };
  for (const g of tb.goroutines) {
    g.frames.forEach((f, i) => {
      if (f.offset === null || !opts.binaries?.length) return;
      for (const b of opts.binaries) {
        const entry = entryOf(b, f.function);
        if (entry === undefined) continue;
        try {
          const { sym } = bins.symbolizer(b); // symbol values are link-time addresses already
          const [chain] = sym.symbolize([entry + f.offset], { returnAddresses: i > 0 });
          f.resolved = chain;
          const phys = chain[chain.length - 1];
          if (!phys) f.problem = `${b}: no function at ${f.function}+0x${f.offset.toString(16)}`;
          else if (!sameLocation(phys, f)) f.problem = `ours: ${phys.file}:${phys.line}`;
        } catch (e) {
          if (!isLlgiError(e)) throw e;
          f.problem = `${b}: ${e.message}`;
        }
        return;
      }
      f.problem = `no binary has ${f.function}`;
    });
  }
  return { ...tb, text: formatGoTraceback(tb) };
}

/** The same file and line; an unknown location is one whether spelled `?:0` (gc) or `???:0` (llgo). */
function sameLocation(a: { file: string; line: number }, b: { file: string; line: number }): boolean {
  const unknown = (x: { file: string; line: number }) => x.line === 0 && /^\?+$/.test(x.file);
  return (a.file === b.file && a.line === b.line) || (unknown(a) && unknown(b));
}

function formatGoTraceback(tb: Omit<GoTraceback, 'text'>): string {
  const out: string[] = [...tb.panic];
  if (tb.signal) out.push(tb.signal.line);
  for (const g of tb.goroutines) {
    out.push('', `goroutine ${g.id} [${g.state}]:`);
    const frame = (f: GoFrame, prefix = '') => {
      out.push(`${prefix}${f.function}${prefix ? '' : `(${f.args})`}`);
      const where = f.pc !== null ? `pc=0x${f.pc.toString(16)}` : `${f.file}:${f.line}${f.offset !== null ? ` +0x${f.offset.toString(16)}` : ''}`;
      out.push(`\t${where}${f.problem?.startsWith('ours: ') ? ` (${f.problem})` : ''}`);
    };
    g.frames.forEach((f, i) => {
      if (g.elided && i === 50) out.push(`...${g.elided} frames elided...`);
      frame(f);
    });
    if (g.createdBy) frame(g.createdBy, 'created by ');
  }
  return `${out.join('\n')}\n`;
}
