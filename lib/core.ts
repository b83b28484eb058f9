// ELF core files (docs/crash.md, "Core files"): every thread's registers
// (NT_PRSTATUS), the mapped files (NT_FILE) and memory (PT_LOAD), each
// thread's frame-pointer chain walked through the core's memory as the
// fault handler walks a live one, and the frames symbolized with the
// binaries' tables, printed in gc's traceback layout. Missing memory or
// binaries shorten or mark the output; they never abort it.

import fs from 'node:fs';
import { noteBuildId, parseNotes } from '../compiler/elf';
import { LlgiError } from '../compiler/errors';
import { Binaries, formatCrash, symbolizeFrames, type CrashFrame, type CrashRecordFrame, type CrashSymbolizeOptions, type SymbolizedCrash } from './crash-symbolize';

export interface CoreOptions extends CrashSymbolizeOptions {
  /**
   * The files whose code keeps frame pointers, where a walk may look for a
   * caller's return address on the stack (a leaf without a frame; a call out
   * into libc). Paths or file names; default every mapped file outside
   * /lib, /usr/lib and the executable itself (the handler's registered modules, offline).
   */
  modules?: readonly string[];
}

export interface CoreThread extends SymbolizedCrash {
  tid: number;
  /** The thread's registers the walk started from. */
  pc: bigint;
  fp: bigint;
  sp: bigint;
}

export interface SymbolizedCore {
  pid: number | null;
  /** The executable (the first mapped file), from NT_FILE. */
  executable: string | null;
  signal: { name: string; signo: number; code: number; addr: bigint } | null;
  /** The crashing thread first, as the kernel writes them. */
  threads: CoreThread[];
  /** Problems with the core itself: truncated memory, notes missing. */
  warnings: string[];
  text: string;
}

const bad = (msg: string) => new LlgiError('LLGI_CORE_INVALID', msg);

const SIGNAMES: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 11: 'SIGSEGV', 3: 'SIGQUIT', 31: 'SIGSYS', 24: 'SIGXCPU', 25: 'SIGXFSZ' };
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const PT_LOAD = 1;
const PT_NOTE = 4;
const NT_PRSTATUS = 1;
const NT_PRPSINFO = 3;
const NT_SIGINFO = 0x53494749;
const NT_FILE = 0x46494c45;
/** Offset of pr_reg in struct elf_prstatus (64-bit Linux). */
const PR_REG = 112;
const MAX_DEPTH = 1 << 20;
const INNER = 50;
const OUTER = 50;

interface Load { vaddr: bigint; memsz: bigint; offset: number; filesz: number }
interface Mapped { start: bigint; end: bigint; fileOffset: bigint; path: string }

/** The core's memory: PT_LOAD contents, and for file-backed pages the kernel did not dump, the mapped file. */
class Memory {
  private readonly files = new Map<string, number | null>();
  constructor(private readonly fd: number, private readonly size: number, private readonly loads: Load[], private readonly maps: Mapped[]) {}

  /** 4 KiB pages read so far: walks and scans read word after word of the same pages. */
  private readonly pages = new Map<bigint, Buffer | null>();

  read(addr: bigint, n: number): Buffer | null {
    const page = addr & ~0xfffn;
    if (n <= 0x1000 && (addr + BigInt(n) - 1n) >> 12n === page >> 12n) {
      let p = this.pages.get(page);
      if (p === undefined) this.pages.set(page, (p = this.readUncached(page, 0x1000)));
      if (p) return p.subarray(Number(addr - page), Number(addr - page) + n);
    }
    return this.readUncached(addr, n);
  }

  private readUncached(addr: bigint, n: number): Buffer | null {
    for (const l of this.loads) {
      if (addr < l.vaddr || addr + BigInt(n) > l.vaddr + l.memsz) continue;
      const at = Number(addr - l.vaddr);
      if (at + n <= l.filesz && l.offset + at + n <= this.size) return this.pread(this.fd, l.offset + at, n);
    }
    // Text and read-only data are usually not dumped: read them from the mapped file.
    const m = this.maps.find((x) => addr >= x.start && addr + BigInt(n) <= x.end);
    if (!m) return null;
    const fd = this.open(m.path);
    return fd === null ? null : this.pread(fd, Number(m.fileOffset + (addr - m.start)), n);
  }

  word(addr: bigint): bigint | null {
    const b = this.read(addr, 8);
    return b && b.length === 8 ? b.readBigUInt64LE(0) : null;
  }

  private pread(fd: number, pos: number, n: number): Buffer | null {
    const b = Buffer.alloc(n);
    try {
      return fs.readSync(fd, b, 0, n, pos) === n ? b : null;
    } catch {
      return null;
    }
  }

  private open(file: string): number | null {
    if (!this.files.has(file)) {
      try {
        this.files.set(file, fs.openSync(file, 'r'));
      } catch {
        this.files.set(file, null);
      }
    }
    return this.files.get(file)!;
  }

  close(): void {
    for (const fd of this.files.values()) if (fd !== null) fs.closeSync(fd);
  }
}

function parseFiles(desc: Buffer): Mapped[] {
  if (desc.length < 16) return [];
  const count = Number(desc.readBigUInt64LE(0));
  const page = desc.readBigUInt64LE(8);
  if (16 + count * 24 > desc.length) return [];
  const names = desc.subarray(16 + count * 24).toString('utf8').split('\0');
  const out: Mapped[] = [];
  for (let i = 0; i < count; i++) {
    const e = 16 + i * 24;
    out.push({ start: desc.readBigUInt64LE(e), end: desc.readBigUInt64LE(e + 8), fileOffset: desc.readBigUInt64LE(e + 16) * page, path: names[i] ?? '' });
  }
  return out;
}

/** Reads a core's structure; LLGI_IO, LLGI_NOT_ELF, LLGI_ELF_UNSUPPORTED or LLGI_CORE_INVALID when it cannot be one. */
function openCore(file: string) {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new LlgiError('LLGI_IO', `cannot open ${file}: ${(e as Error).message}`);
  }
  const size = fs.fstatSync(fd).size;
  const read = (pos: number, n: number) => {
    const b = Buffer.alloc(n);
    const got = pos < size ? fs.readSync(fd, b, 0, n, pos) : 0;
    return b.subarray(0, got);
  };
  try {
    const eh = read(0, 64);
    if (eh.length < 4 || eh.toString('latin1', 0, 4) !== '\x7fELF') throw new LlgiError('LLGI_NOT_ELF', `${file} is not an ELF file`);
    if (eh.length < 64 || eh[4] !== 2 || eh[5] !== 1) throw new LlgiError('LLGI_ELF_UNSUPPORTED', `${file}: only 64-bit little-endian cores are read`);
    if (eh.readUInt16LE(16) !== 4) throw bad(`${file} is an ELF file but not a core (e_type ${eh.readUInt16LE(16)})`);
    const machine = eh.readUInt16LE(18);
    if (machine !== EM_X86_64 && machine !== EM_AARCH64) throw new LlgiError('LLGI_ELF_UNSUPPORTED', `${file}: machine ${machine} (x86-64 and aarch64 are read)`);
    const phoff = Number(eh.readBigUInt64LE(32));
    const phentsize = eh.readUInt16LE(54);
    const phnum = eh.readUInt16LE(56);
    if (phentsize !== 56 || phnum === 0) throw bad(`${file}: program headers of ${phentsize} bytes x ${phnum}`);
    const ph = read(phoff, phnum * 56);
    if (ph.length < phnum * 56) throw bad(`${file}: program headers truncated (${ph.length} of ${phnum * 56} bytes)`);
    const loads: Load[] = [];
    const notes: { type: number; desc: Buffer }[] = [];
    const warnings: string[] = [];
    for (let i = 0; i < phnum; i++) {
      const p = i * 56;
      const type = ph.readUInt32LE(p);
      const offset = Number(ph.readBigUInt64LE(p + 8));
      const filesz = Number(ph.readBigUInt64LE(p + 32));
      if (type === PT_LOAD) {
        loads.push({ vaddr: ph.readBigUInt64LE(p + 16), memsz: ph.readBigUInt64LE(p + 40), offset, filesz });
        if (filesz && offset + filesz > size) warnings.push(`memory at 0x${ph.readBigUInt64LE(p + 16).toString(16)} is cut off: the core is truncated`);
      } else if (type === PT_NOTE) {
        if (filesz > 64 << 20) throw bad(`${file}: a note segment of ${filesz} bytes`);
        notes.push(...parseNotes(read(offset, filesz)));
      }
    }
    if (!notes.some((n) => n.type === NT_PRSTATUS)) throw bad(`${file}: no thread registers (NT_PRSTATUS) in the core`);
    return { fd, size, machine, loads, notes, warnings };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/**
 * Symbolizes every thread of an ELF core file: the registers of each
 * (NT_PRSTATUS), its frame-pointer chain through the core's memory, each
 * frame named from its binary (found as symbolizeCrash finds them). The
 * thread that received the signal (NT_SIGINFO) comes first and carries it.
 */
export function symbolizeCore(core: string, opts: CoreOptions = {}): SymbolizedCore {
  const c = openCore(core);
  const files = parseFiles(c.notes.find((n) => n.type === NT_FILE)?.desc ?? Buffer.alloc(0));
  const warnings = [...c.warnings];
  if (!files.length) warnings.push('no mapped files (NT_FILE): frames are printed as raw pcs');
  const mem = new Memory(c.fd, c.size, c.loads, files);
  try {
    const si = c.notes.find((n) => n.type === NT_SIGINFO)?.desc;
    const executable = files[0]?.path ?? null;
    const isModule = moduleTest(files, executable, opts.modules);
    const walker = new CoreWalker(mem, c.machine, isModule);
    const bins = new Binaries(opts);
    // The process id is NT_PRPSINFO's pr_pid (prstatus has each thread's).
    const ps = c.notes.find((n) => n.type === NT_PRPSINFO)?.desc;
    const pid = ps && ps.length >= 28 ? ps.readInt32LE(24) : null;
    const threads: CoreThread[] = [];
    for (const n of c.notes.filter((x) => x.type === NT_PRSTATUS)) {
      // user_regs_struct: 27 words on x86-64, 34 (x0-x30, sp, pc, pstate) on aarch64.
      if (n.desc.length < PR_REG + (c.machine === EM_X86_64 ? 27 : 34) * 8) {
        warnings.push(`a thread's registers are cut short (${n.desc.length} bytes)`);
        continue;
      }
      const cursig = n.desc.readUInt16LE(12);
      const tid = n.desc.readInt32LE(32); // pr_pid: the thread's id
      const regs = registers(n.desc, c.machine);
      const pcs = walker.walk(regs);
      const total = pcs.length;
      const shown = total > INNER + OUTER ? [...pcs.slice(0, INNER), ...pcs.slice(total - OUTER)] : pcs;
      const list: CrashRecordFrame[] = shown.map((pc) => place(files, pc, mem));
      const frames: CrashFrame[] = symbolizeFrames(list, bins);
      const first = threads.length === 0 && cursig !== 0;
      const signal = first ? signalOf(cursig, si) : null;
      const t: CoreThread = {
        tid, pc: regs.pc, fp: regs.fp, sp: regs.sp, signal, pid: null, thread: tid, frames, totalFrames: total,
        elided: total - shown.length, text: '',
      };
      threads.push(t);
    }
    for (const t of threads) {
      t.pid = pid;
      t.text = formatCrash(t);
    }
    const text = [
      ...warnings.map((w) => `warning: ${w}\n`),
      threads.map((t) => t.text).join('\n'),
    ].join('');
    return { pid, executable, signal: threads[0]?.signal ?? null, threads, warnings, text };
  } finally {
    mem.close();
    fs.closeSync(c.fd);
  }
}

interface Regs { pc: bigint; fp: bigint; sp: bigint; lr: bigint }

function registers(desc: Buffer, machine: number): Regs {
  const r = (i: number) => desc.readBigUInt64LE(PR_REG + i * 8);
  // x86-64 user_regs_struct: rbp 4, rip 16, rsp 19; aarch64 user_pt_regs: x29, x30, sp 31, pc 32.
  return machine === EM_X86_64 ? { pc: r(16), fp: r(4), sp: r(19), lr: 0n } : { pc: r(32), fp: r(29), sp: r(31), lr: r(30) };
}

function signalOf(cursig: number, si: Buffer | undefined) {
  const code = si && si.length >= 12 ? si.readInt32LE(8) : 0;
  const addr = si && si.length >= 24 && code > 0 ? si.readBigUInt64LE(16) : 0n;
  return { name: SIGNAMES[cursig] ?? `SIG${cursig}`, signo: cursig, code, addr };
}

/** Where pc is: its file and offset from the file's first mapped byte, and the build-id in the core's copy of its headers. */
function place(files: Mapped[], pc: bigint, mem: Memory): CrashRecordFrame {
  const m = files.find((f) => pc >= f.start && pc < f.end);
  const hex = (v: bigint) => `0x${v.toString(16)}`;
  if (!m) return { pc: hex(pc) };
  let base = files.find((f) => f.path === m.path && f.fileOffset === 0n)?.start ?? m.start - m.fileOffset;
  if (base > pc) base = m.start - m.fileOffset; // a damaged NT_FILE: at least the pc's own mapping
  if (base > pc || base < 0n) return { pc: hex(pc) };
  return { pc: hex(pc), module: m.path, buildId: buildIdAt(mem, base), offset: hex(pc - base) };
}

const ids = new WeakMap<Memory, Map<bigint, string | null>>();
/** The GNU build-id of the ELF image whose headers are at base in the core (as the handler reads it live). */
function buildIdAt(mem: Memory, base: bigint): string | null {
  let cache = ids.get(mem);
  if (!cache) ids.set(mem, (cache = new Map()));
  if (cache.has(base)) return cache.get(base)!;
  let id: string | null = null;
  const eh = mem.read(base, 64);
  if (eh && eh.toString('latin1', 0, 4) === '\x7fELF') {
    const phoff = eh.readBigUInt64LE(32);
    const phnum = eh.readUInt16LE(56);
    const ph = phnum <= 64 ? mem.read(base + phoff, phnum * 56) : null;
    if (ph) {
      let bias: bigint | null = null;
      for (let i = 0; i < phnum && bias === null; i++) if (ph.readUInt32LE(i * 56) === PT_LOAD) bias = ph.readBigUInt64LE(i * 56 + 16) - ph.readBigUInt64LE(i * 56 + 8);
      for (let i = 0; i < phnum && bias !== null && !id; i++) {
        if (ph.readUInt32LE(i * 56) !== PT_NOTE) continue;
        const size = Number(ph.readBigUInt64LE(i * 56 + 40));
        const notes = size <= 4096 ? mem.read(base - bias + ph.readBigUInt64LE(i * 56 + 16), size) : null;
        if (notes) id = noteBuildId(notes, Number(ph.readBigUInt64LE(i * 56 + 48)));
      }
    }
  }
  cache.set(base, id);
  return id;
}

function moduleTest(files: Mapped[], executable: string | null, modules?: readonly string[]): (pc: bigint) => boolean {
  const want = (p: string) => (modules ? modules.some((m) => m === p || m === p.split('/').pop()) : p !== executable && !/^\/(usr\/)?lib(32|64)?\//.test(p) && p.startsWith('/'));
  const ranges = files.filter((f) => want(f.path));
  return (pc) => ranges.some((f) => pc >= f.start && pc < f.end);
}

/** The fault handler's walk (runtime/src/crash.c), over a core's memory. */
class CoreWalker {
  constructor(private readonly mem: Memory, private readonly machine: number, private readonly isModule: (pc: bigint) => boolean) {}

  /** 1 when ret is a return address into a module: right after a call instruction. */
  private isReturn(ret: bigint): boolean {
    if (!this.isModule(ret)) return false;
    if (this.machine === EM_AARCH64) {
      const b = this.mem.read(ret - 4n, 4);
      if (!b) return false;
      const insn = b.readUInt32LE(0);
      return (insn & 0xfc000000) >>> 0 === 0x94000000 || (insn & 0xfffffc1f) >>> 0 === 0xd63f0000;
    }
    const c = this.mem.read(ret - 7n, 7);
    if (!c) return false;
    return c[2] === 0xe8 || (c[1] === 0xff && (c[2] & 0x38) === 0x10) || (c[5] === 0xff && (c[6] & 0xf8) === 0xd0)
      || (c[4] === 0xff && (c[5] & 0x38) === 0x10) || (c[3] === 0xff && (c[4] & 0x38) === 0x10);
  }

  private isRecord(fp: bigint, above: bigint): boolean {
    if (fp <= above || fp - above > 1n << 20n || fp & 7n) return false;
    const ret = this.mem.word(fp + 8n);
    return ret !== null && this.isReturn(ret);
  }

  walk(r: Regs): bigint[] {
    const pcs = [r.pc];
    let fp = r.fp;
    let next: bigint | null = null;
    if (this.isModule(r.pc)) {
      const top = this.machine === EM_AARCH64 ? r.lr : r.fp === r.sp ? null : this.mem.word(r.sp);
      if (top !== null && this.isReturn(top) && !(fp > r.sp && this.mem.word(fp + 8n) === top)) next = top;
    } else {
      for (let a = r.sp; a < r.sp + 65536n; a += 8n) {
        const w = this.mem.word(a);
        if (w === null) break;
        if (!this.isReturn(w)) continue;
        next = w;
        if (!this.isRecord(fp, a)) {
          fp = 0n;
          for (let f = a + 8n; f < a + 65536n; f += 8n) {
            if (this.isRecord(f, a)) {
              fp = f;
              break;
            }
          }
        }
        break;
      }
    }
    if (next !== null) pcs.push(next);
    while (fp && pcs.length < MAX_DEPTH && !(fp & 7n)) {
      const saved = this.mem.word(fp);
      const ret = this.mem.word(fp + 8n);
      if (saved === null || ret === null || ret === 0n) break;
      pcs.push(ret);
      if (saved <= fp || saved - fp > 1n << 20n) break;
      fp = saved;
    }
    return pcs;
  }
}
