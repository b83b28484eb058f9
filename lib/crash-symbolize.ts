// Offline crash symbolization (docs/crash.md, "Symbolizing later"): a crash
// record written by the fault handler, or a list of `module+offset`
// addresses, symbolized on any machine that has the binaries, found by path
// or by build-id, and printed in gc's traceback layout.

import fs from 'node:fs';
import path from 'node:path';
import { ElfFile } from '../compiler/elf';
import { LlgiError, isLlgiError } from '../compiler/errors';
import type { Frame, Symbolizer } from './symbolize';
import { moduleTable } from './table-cache';

/** One frame of a crash record: the raw pc and, when it was in a mapped file, where. */
export interface CrashRecordFrame {
  pc: string;
  module?: string;
  buildId?: string | null;
  offset?: string;
}

/** What the fault handler writes (docs/crash.md, "The record"). */
export interface CrashRecord {
  signal: string;
  signo: number;
  code: number;
  addr: string;
  pid: number;
  thread: number;
  frames: CrashRecordFrame[];
  totalFrames: number;
  elided: number;
}

export interface CrashSymbolizeOptions {
  /** Binaries to use, matched to frames by build-id (or by file name when a frame has none). */
  binaries?: readonly string[];
  /** Directories searched for a frame's binary: `.build-id/xx/rest.debug` layouts, then the files in it. */
  dirs?: readonly string[];
}

export interface CrashFrame {
  /** The raw pc (0 when the input gave only module+offset). */
  pc: bigint;
  module: string | null;
  buildId: string | null;
  offset: bigint | null;
  /** The file the frame was symbolized with. */
  binary: string | null;
  /** The frame's link-time address in that file (offset + the file's link bias), before any pc - 1. */
  address: bigint | null;
  /** Logical frames, inlined ones first; empty when the frame could not be symbolized. */
  frames: Frame[];
  /** Why it could not be symbolized, or null. */
  problem: string | null;
}

export interface SymbolizedCrash {
  /** From a record; null for an address list. */
  signal: { name: string; signo: number; code: number; addr: bigint } | null;
  pid: number | null;
  thread: number | null;
  frames: CrashFrame[];
  totalFrames: number;
  elided: number;
  /** gc's traceback layout, as the handler prints it. */
  text: string;
}

const bad = (msg: string) => new LlgiError('LLGI_CRASH_INVALID', msg);
const HEX = /^0x[0-9a-f]+$/i;

/** Validates a parsed crash record field by field (LLGI_CRASH_INVALID naming the first bad one). */
export function checkCrashRecord(v: unknown): CrashRecord {
  const r = v as Record<string, unknown>;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw bad('a crash record is a JSON object');
  for (const k of ['signo', 'code', 'pid', 'thread', 'totalFrames', 'elided']) {
    if (!Number.isInteger(r[k])) throw bad(`crash record: ${k} must be an integer, got ${JSON.stringify(r[k])}`);
  }
  if (typeof r.signal !== 'string' || !/^SIG[A-Z]+$/.test(r.signal)) throw bad(`crash record: signal must be a signal name, got ${JSON.stringify(r.signal)}`);
  if (typeof r.addr !== 'string' || !HEX.test(r.addr)) throw bad(`crash record: addr must be a hex string, got ${JSON.stringify(r.addr)}`);
  if (!Array.isArray(r.frames) || !r.frames.length) throw bad('crash record: frames must be a non-empty array');
  r.frames.forEach((f: Record<string, unknown>, i: number) => {
    if (typeof f !== 'object' || f === null) throw bad(`crash record: frame ${i} is not an object`);
    if (typeof f.pc !== 'string' || !HEX.test(f.pc)) throw bad(`crash record: frame ${i} pc must be a hex string`);
    if (f.module !== undefined && typeof f.module !== 'string') throw bad(`crash record: frame ${i} module must be a string`);
    if (f.offset !== undefined && (typeof f.offset !== 'string' || !HEX.test(f.offset))) throw bad(`crash record: frame ${i} offset must be a hex string`);
    if (f.buildId !== undefined && f.buildId !== null && (typeof f.buildId !== 'string' || !/^[0-9a-f]+$/.test(f.buildId))) throw bad(`crash record: frame ${i} buildId must be hex or null`);
    if ((f.module === undefined) !== (f.offset === undefined)) throw bad(`crash record: frame ${i} has a module without an offset or the reverse`);
  });
  if ((r.totalFrames as number) !== r.frames.length + (r.elided as number)) throw bad(`crash record: totalFrames ${r.totalFrames} is not frames (${r.frames.length}) + elided (${r.elided})`);
  return r as unknown as CrashRecord;
}

/**
 * An address list, one frame per line: `path+0xoff`, `?? path+0xoff` (the
 * handler's own unknown frames) or glibc's backtrace_symbols
 * `path(+0xoff) [0xpc]` / `path(symbol+0xoff) [0xpc]`. Blank lines are skipped;
 * anything else is LLGI_CRASH_INVALID with its line number.
 */
export function parseAddressList(text: string): CrashRecordFrame[] {
  const out: CrashRecordFrame[] = [];
  const symbols = new Map<string, Map<string, bigint>>();
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    if (!l) return;
    let m: RegExpExecArray | null;
    if ((m = /^(?:\?\? )?(\/\S*?)\+(0x[0-9a-f]+)$/i.exec(l))) out.push({ pc: '0x0', module: m[1], offset: m[2].toLowerCase() });
    else if ((m = /^(\/\S*?)\(([^()+]*)\+(0x[0-9a-f]+)\)\s*\[(0x[0-9a-f]+)\]$/i.exec(l))) {
      const offset = m[2] ? symbolOffset(symbols, m[1], m[2], BigInt(m[3])) : BigInt(m[3]);
      out.push({ pc: m[4].toLowerCase(), module: m[1], offset: `0x${offset.toString(16)}` });
    } else throw bad(`line ${i + 1}: not an address (expected path+0xoff or path(symbol+0xoff) [0xpc]): ${JSON.stringify(l.slice(0, 120))}`);
  });
  if (!out.length) throw bad('no addresses in the input');
  return out;
}

/**
 * backtrace_symbols' `symbol+off` as an offset from the file's first mapped
 * byte. Each file is read once per list: `cache` keeps its symbols, already
 * less its link bias.
 */
function symbolOffset(cache: Map<string, Map<string, bigint>>, file: string, symbol: string, off: bigint): bigint {
  let offsets = cache.get(file);
  if (!offsets) {
    let elf: ElfFile;
    try {
      elf = ElfFile.open(file);
    } catch (e) {
      throw bad(`${file}(${symbol}+0x${off.toString(16)}): the binary is needed to resolve the symbol: ${(e as Error).message}`);
    }
    const bias = ElfFile.probe(file).linkBias ?? 0n;
    offsets = new Map();
    for (const x of [...elf.symbols(), ...elf.dynamicSymbols()]) if (!offsets.has(x.name)) offsets.set(x.name, BigInt(x.value) - bias);
    cache.set(file, offsets);
  }
  const at = offsets.get(symbol);
  if (at === undefined) throw bad(`${file} has no symbol ${symbol}`);
  return at + off;
}

/** Binaries by path: their build-id, symbolizer and link bias, read once. */
export class Binaries {
  private readonly ids = new Map<string, { buildId: string | null; linkBias: bigint } | undefined>();
  private readonly syms = new Map<string, { sym: Symbolizer; bias: bigint }>();
  constructor(private readonly opts: CrashSymbolizeOptions = {}) {}

  /** The headers of a file: its build-id and link bias (undefined: not a readable ELF file). Reads headers only. */
  private probe(file: string): { buildId: string | null; linkBias: bigint } | undefined {
    if (!this.ids.has(file)) {
      try {
        const p = fs.statSync(file).isFile() ? ElfFile.probe(file) : undefined;
        this.ids.set(file, p && { buildId: p.buildId ?? null, linkBias: p.linkBias ?? 0n });
      } catch {
        this.ids.set(file, undefined);
      }
    }
    return this.ids.get(file);
  }

  buildId(file: string): string | null | undefined {
    return this.probe(file)?.buildId;
  }

  /** The file's table, from the build-id cache that load() fills and reads (built and cached on a miss). */
  symbolizer(file: string): { sym: Symbolizer; bias: bigint } {
    let s = this.syms.get(file);
    if (!s) {
      const p = this.probe(file);
      s = { sym: moduleTable(file, 0n, p?.buildId ?? null).sym, bias: p?.linkBias ?? 0n };
      this.syms.set(file, s);
    }
    return s;
  }

  private readonly found = new Map<string, { file: string } | { problem: string }>();

  /** The file for a frame, or why there is none; looked up once per module and build-id. */
  find(module: string, buildId: string | null): { file: string } | { problem: string } {
    const key = `${module}\0${buildId ?? ''}`;
    let r = this.found.get(key);
    if (!r) this.found.set(key, (r = this.search(module, buildId)));
    return r;
  }

  private search(module: string, buildId: string | null): { file: string } | { problem: string } {
    const matches = (f: string) => (buildId ? this.buildId(f) === buildId : path.basename(f) === path.basename(module) && this.buildId(f) !== undefined);
    for (const f of this.opts.binaries ?? []) if (matches(f)) return { file: f };
    let mismatch: string | null = null;
    if (fs.existsSync(module)) {
      const id = this.buildId(module);
      if (id === undefined) mismatch = `${module} is not a readable ELF file`;
      else if (!buildId || id === buildId) return { file: module };
      else mismatch = `build-id mismatch: ${module} has ${id ?? 'none'}, the crash ${buildId}`;
    }
    for (const d of this.opts.dirs ?? []) {
      if (buildId) {
        for (const f of [path.join(d, '.build-id', buildId.slice(0, 2), `${buildId.slice(2)}.debug`), path.join(d, buildId.slice(0, 2), `${buildId.slice(2)}.debug`)]) {
          if (fs.existsSync(f) && this.buildId(f) === buildId) return { file: f };
        }
      }
      const names = fs.existsSync(d) ? fs.readdirSync(d) : [];
      for (const n of names) {
        const f = path.join(d, n);
        if (matches(f)) return { file: f };
      }
    }
    return { problem: mismatch ?? `no binary for ${module}${buildId ? ` (build-id ${buildId})` : ''}: give it in binaries or dirs` };
  }
}

/**
 * Each frame with its binary's logical frames: frame 0 looked up at its
 * address, the others as return addresses. A frame whose binary is missing
 * or differs keeps its module and offset, with the reason in `problem`.
 */
export function symbolizeFrames(list: readonly CrashRecordFrame[], bins: Binaries): CrashFrame[] {
  return list.map((f, i): CrashFrame => {
    const base: CrashFrame = {
      pc: BigInt(f.pc), module: f.module ?? null, buildId: f.buildId ?? null, offset: f.offset !== undefined ? BigInt(f.offset) : null,
      binary: null, address: null, frames: [], problem: null,
    };
    if (base.module === null || base.offset === null) return { ...base, problem: 'not in a mapped file' };
    const found = bins.find(base.module, base.buildId);
    if ('problem' in found) return { ...base, problem: found.problem };
    try {
      const { sym, bias } = bins.symbolizer(found.file);
      const address = base.offset + bias;
      const [chain] = sym.symbolize([address], { returnAddresses: i > 0 });
      return { ...base, binary: found.file, address, frames: chain, problem: chain.length ? null : 'no function at this address' };
    } catch (e) {
      if (!isLlgiError(e)) throw e;
      return { ...base, binary: found.file, problem: `${found.file}: ${e.message}` };
    }
  });
}

/**
 * Symbolizes a crash: a record (object or JSON text) or an address list.
 * Frame 0 of a record is the faulting pc; every other frame, and every frame
 * of an address list but the first, is a return address (looked up at
 * offset - 1, as gc's CallersFrames). A frame whose binary is missing or
 * differs keeps its module and offset, with the reason in `problem`.
 */
export function symbolizeCrash(input: CrashRecord | string, opts: CrashSymbolizeOptions = {}): SymbolizedCrash {
  let record: CrashRecord | null = null;
  let list: CrashRecordFrame[];
  if (typeof input === 'string') {
    const t = input.trim();
    if (t.startsWith('{')) {
      let v: unknown;
      try {
        v = JSON.parse(t);
      } catch (e) {
        throw bad(`crash record is not valid JSON: ${(e as Error).message}`);
      }
      record = checkCrashRecord(v);
      list = record.frames;
    } else {
      list = parseAddressList(t);
    }
  } else {
    record = checkCrashRecord(input);
    list = record.frames;
  }
  const frames = symbolizeFrames(list, new Binaries(opts));
  const sc: SymbolizedCrash = {
    signal: record && { name: record.signal, signo: record.signo, code: record.code, addr: BigInt(record.addr) },
    pid: record?.pid ?? null,
    thread: record?.thread ?? null,
    frames,
    totalFrames: record?.totalFrames ?? frames.length,
    elided: record?.elided ?? 0,
    text: '',
  };
  sc.text = formatCrash(sc);
  return sc;
}

/** gc's descriptions of the signals the handler takes. */
const DESCRIPTIONS: Record<string, string> = {
  SIGSEGV: 'segmentation violation', SIGBUS: 'bus error', SIGILL: 'illegal instruction',
  SIGFPE: 'floating-point exception', SIGTRAP: 'trace trap', SIGABRT: 'abort',
};

/** Frames a record keeps before its elided middle (runtime/include/llgi_crash.h LLGI_CRASH_INNER). */
const INNER_FRAMES = 50;

const hex = (v: bigint) => `0x${BigInt.asUintN(64, v).toString(16)}`;

/** The traceback text, line for line as the fault handler writes it (docs/crash.md). */
export function formatCrash(sc: SymbolizedCrash): string {
  const lines: string[] = [];
  if (sc.signal) {
    const s = sc.signal;
    lines.push(`[signal ${s.name}: ${DESCRIPTIONS[s.name] ?? 'signal'} code=${hex(BigInt(s.code))} addr=${hex(s.addr)} pc=${hex(sc.frames[0].pc)}]`, '');
  }
  if (sc.thread !== null) lines.push(`thread ${sc.thread} [${sc.signal ? 'running' : 'stopped'}${sc.thread === sc.pid ? ', main thread' : ''}]:`);
  const inner = sc.elided ? Math.min(sc.frames.length, INNER_FRAMES) : sc.frames.length;
  sc.frames.forEach((f, i) => {
    if (i === inner && sc.elided) lines.push(`...${sc.elided} frames elided...`);
    if (!f.frames.length) {
      lines.push(f.module ? `?? ${f.module}+${hex(f.offset!)}` : `?? ${hex(f.pc)}`);
      return;
    }
    for (const fr of f.frames) {
      lines.push(`${fr.function || '??'}(...)`);
      // The offset is from the raw address, not the pc - 1 a return address is looked up at.
      const off = fr.inlined || f.address === null ? 0n : f.address - fr.entry;
      lines.push(`\t${fr.file}:${fr.line}${off > 0n ? ` +${hex(off)}` : ''}`);
    }
  });
  return `${lines.join('\n')}\n`;
}
