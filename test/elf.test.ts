// ElfFile against binutils readelf/objcopy on fixtures built at test time,
// plus typed-error checks on damaged copies of those fixtures.

import test, { ExecutionContext } from 'ava';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { ElfFile } from '../compiler/elf';
import { isLlgiError, LlgiErrorCode } from '../compiler/errors';
import { buildFixtures, Fixture, removeFixtures, reportSkipped, requireTools, run } from './fixtures/elfline/build';

test.after.always(() => removeFixtures());

const SECTION_TYPES: Record<string, number> = {
  NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, HASH: 5, DYNAMIC: 6, NOTE: 7, NOBITS: 8, REL: 9,
  DYNSYM: 11, INIT_ARRAY: 14, FINI_ARRAY: 15, PREINIT_ARRAY: 16, GROUP: 17,
  GNU_HASH: 0x6ffffff6, VERDEF: 0x6ffffffd, VERNEED: 0x6ffffffe, VERSYM: 0x6fffffff,
  X86_64_UNWIND: 0x70000001, AARCH64_ATTRIBUTES: 0x70000003,
};
const SECTION_FLAGS: Record<string, number> = {
  W: 0x1, A: 0x2, X: 0x4, M: 0x10, S: 0x20, I: 0x40, L: 0x80, O: 0x100, G: 0x200, T: 0x400, C: 0x800, R: 0x200000, E: 0x80000000,
};
const SEGMENT_TYPES: Record<string, number> = {
  NULL: 0, LOAD: 1, DYNAMIC: 2, INTERP: 3, NOTE: 4, PHDR: 6, TLS: 7,
  GNU_EH_FRAME: 0x6474e550, GNU_STACK: 0x6474e551, GNU_RELRO: 0x6474e552, GNU_PROPERTY: 0x6474e553,
};
const SYMBOL_TYPES: Record<string, number> = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6, IFUNC: 10 };
const SYMBOL_BINDS: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2, UNIQUE: 10 };
const SYMBOL_VIS: Record<string, number> = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 };
const SPECIAL_SHNDX: Record<string, number> = { UND: 0, ABS: 0xfff1, COM: 0xfff2 };

function known(table: Record<string, number>, key: string, what: string): number {
  const v = table[key];
  if (v === undefined) throw new Error(`oracle: unknown readelf ${what} ${JSON.stringify(key)}`);
  return v;
}

/** `readelf -S --wide` as section records. */
function readelfSections(file: string) {
  const re = /^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/;
  return run('readelf', ['-S', '--wide', file])
    .split('\n')
    .map((l) => re.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      index: Number(m[1]),
      name: m[2],
      type: known(SECTION_TYPES, m[3], 'section type'),
      addr: parseInt(m[4], 16),
      offset: parseInt(m[5], 16),
      size: parseInt(m[6], 16),
      entsize: parseInt(m[7], 16),
      flags: [...m[8]].reduce((f, c) => f | known(SECTION_FLAGS, c, 'section flag'), 0) >>> 0,
      link: Number(m[9]),
      info: Number(m[10]),
      addralign: Number(m[11]),
    }));
}

/** `readelf -l --wide` program headers. */
function readelfSegments(file: string) {
  const re = /^\s+([A-Z_]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+([RWE ]{3})\s+(?:0x)?([0-9a-f]+)$/;
  return run('readelf', ['-l', '--wide', file])
    .split('\n')
    .map((l) => re.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      type: known(SEGMENT_TYPES, m[1], 'segment type'),
      flags: (m[7][0] === 'R' ? 4 : 0) | (m[7][1] === 'W' ? 2 : 0) | (m[7][2] === 'E' ? 1 : 0),
      offset: parseInt(m[2], 16),
      vaddr: parseInt(m[3], 16),
      filesz: parseInt(m[5], 16),
      memsz: parseInt(m[6], 16),
      align: parseInt(m[8], 16),
    }));
}

/** `readelf -s --wide`, split by table. Version suffixes readelf adds to .dynsym names are stripped. */
function readelfSymbols(file: string): Map<string, object[]> {
  const tables = new Map<string, object[]>();
  let current: object[] = [];
  let dynamic = false;
  const re = /^\s*(\d+):\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s?(.*)$/;
  for (const line of run('readelf', ['-s', '--wide', file]).split('\n')) {
    const head = /^Symbol table '([^']+)'/.exec(line);
    if (head) {
      current = [];
      tables.set(head[1], current);
      dynamic = head[1] === '.dynsym';
      continue;
    }
    const m = re.exec(line);
    if (!m) continue;
    current.push({
      name: dynamic ? m[8].replace(/@@?[^@ ]+( \(\d+\))?$/, '') : m[8],
      value: parseInt(m[2], 16),
      size: Number(m[3]),
      type: known(SYMBOL_TYPES, m[4], 'symbol type'),
      bind: known(SYMBOL_BINDS, m[5], 'symbol bind'),
      visibility: known(SYMBOL_VIS, m[6], 'symbol visibility'),
      shndx: m[7] in SPECIAL_SHNDX ? SPECIAL_SHNDX[m[7]] : Number(m[7]),
    });
  }
  return tables;
}

function withFixtures(t: ExecutionContext, tools: string[]): Fixture[] {
  if (!requireTools(t, tools)) return [];
  const set = buildFixtures();
  reportSkipped(t, set);
  return set.fixtures;
}

test('headers, sections and segments match readelf', (t) => {
  for (const fx of withFixtures(t, ['readelf'])) {
    const elf = ElfFile.open(fx.path);
    const header = run('readelf', ['-h', fx.path]);
    t.is(elf.machine, /Machine:\s+AArch64/.test(header) ? 'aarch64' : 'x86_64', fx.name);
    t.is(elf.type, /Type:\s+(\w+)/.exec(header)![1] as ElfFile['type'], fx.name);
    t.is(elf.entry, parseInt(/Entry point address:\s+0x([0-9a-f]+)/.exec(header)![1], 16), fx.name);

    const expected = readelfSections(fx.path);
    t.true(expected.length > 20, `${fx.name}: oracle parsed ${expected.length} sections`);
    t.deepEqual(elf.sections, expected, fx.name);
    for (const s of expected) t.is(elf.section(s.name)?.name, s.name);

    const segs = readelfSegments(fx.path);
    t.true(segs.length > 3, fx.name);
    t.deepEqual(elf.segments, segs, fx.name);

    const exec = expected.filter((s) => (s.flags & 6) === 6 && s.size > 0).sort((a, b) => a.addr - b.addr);
    t.deepEqual(elf.executableRanges(), exec.map((s) => ({ start: s.addr, end: s.addr + s.size, name: s.name })), fx.name);
    t.true(elf.executableRanges().some((r) => r.name === '.text'));
  }
});

test('symbols and dynamic symbols match readelf -s', (t) => {
  for (const fx of withFixtures(t, ['readelf'])) {
    const elf = ElfFile.open(fx.path);
    const tables = readelfSymbols(fx.path);
    t.deepEqual(elf.symbols(), tables.get('.symtab') ?? [], `${fx.name} .symtab`);
    t.deepEqual(elf.dynamicSymbols(), tables.get('.dynsym') ?? [], `${fx.name} .dynsym`);
    t.true(elf.symbols().some((s) => s.name === 'fold_b' && s.type === 2), fx.name);
    t.is(elf.symbols(), elf.symbols(), 'cached');
  }
});

test('build id matches readelf -n', (t) => {
  for (const fx of withFixtures(t, ['readelf'])) {
    const m = /Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', fx.path]));
    t.truthy(m, `${fx.name}: oracle found a build id`);
    t.is(ElfFile.open(fx.path).buildId(), m![1], fx.name);
  }
});

test('build id falls back to PT_NOTE when section headers are gone', (t) => {
  // The executable also has an 8-aligned PT_NOTE (.note.gnu.property) first.
  for (const fx of withFixtures(t, ['readelf']).filter((f) => f.name === 'gcc' || f.name === 'gcc-exe-nopie')) {
    const buf = fs.readFileSync(fx.path);
    const want = ElfFile.open(fx.path).buildId();
    // e_shoff = 0, e_shnum = 0, e_shstrndx = 0: a stripped-of-headers image.
    buf.writeBigUInt64LE(0n, 40);
    buf.writeUInt16LE(0, 60);
    buf.writeUInt16LE(0, 62);
    const elf = new ElfFile(buf);
    t.deepEqual(elf.sections, []);
    t.is(elf.buildId(), want);
    t.deepEqual(elf.symbols(), []);
  }
});

test('debug sections, compressed or not, match objcopy --decompress-debug-sections', (t) => {
  if (!requireTools(t, ['objcopy'])) return;
  const set = buildFixtures();
  const keys = {
    '.debug_info': 'info', '.debug_abbrev': 'abbrev', '.debug_str': 'str', '.debug_line_str': 'lineStr',
    '.debug_str_offsets': 'strOffsets', '.debug_line': 'line', '.debug_ranges': 'ranges',
    '.debug_rnglists': 'rnglists', '.debug_addr': 'addr', '.debug_aranges': 'aranges',
  } as const;
  for (const fx of set.fixtures.filter((f) => /^(gcc|clang)(-gz|-gz-gnu)?$/.test(f.name))) {
    const plain = path.join(set.dir, `${fx.name}.plain`);
    run('objcopy', ['--decompress-debug-sections', fx.path, plain]);
    const present = new Set(readelfSections(plain).map((s) => s.name));
    const elf = ElfFile.open(fx.path);
    const dwarf = elf.dwarfSections();
    for (const [name, key] of Object.entries(keys)) {
      if (!present.has(name)) {
        t.is(dwarf[key], undefined, `${fx.name} ${name}`);
        continue;
      }
      const dump = path.join(set.dir, `${fx.name}${name}.bin`);
      run('objcopy', ['--dump-section', `${name}=${dump}`, plain]);
      t.true(fs.readFileSync(dump).equals(dwarf[key]!), `${fx.name} ${name} differs`);
    }
    t.true(present.has('.debug_info') && present.has('.debug_line'), fx.name);
    if (fx.name.endsWith('-gz')) t.truthy(elf.section('.debug_info')!.flags & 0x800, `${fx.name} is SHF_COMPRESSED`);
    if (fx.name.endsWith('-gz-gnu')) t.is(elf.section('.debug_info')!.name, '.zdebug_info');
    const info = elf.section('.debug_info')!;
    if (fx.name.includes('-gz')) t.is(elf.sectionData(info), elf.sectionData(info), 'decompression is cached');
  }
});

test('aarch64 fixture is recognised', (t) => {
  const fx = withFixtures(t, ['readelf']).find((f) => f.name === 'clang-aarch64');
  if (!fx) return;
  const elf = ElfFile.open(fx.path);
  t.is(elf.machine, 'aarch64');
  t.is(elf.type, 'DYN');
});

test('extended section numbering (e_shnum = 0, e_shstrndx = SHN_XINDEX)', (t) => {
  const fx = withFixtures(t, []).find((f) => f.name === 'gcc');
  if (!fx) return;
  const orig = ElfFile.open(fx.path);
  const buf = Buffer.from(orig.buf);
  const shoff = Number(buf.readBigUInt64LE(40));
  buf.writeBigUInt64LE(BigInt(buf.readUInt16LE(60)), shoff + 32); // section 0 sh_size = count
  buf.writeUInt32LE(buf.readUInt16LE(62), shoff + 40); // section 0 sh_link = shstrndx
  buf.writeUInt16LE(0, 60);
  buf.writeUInt16LE(0xffff, 62);
  const ext = new ElfFile(buf);
  t.is(ext.sections.length, orig.sections.length);
  t.deepEqual(ext.sections.slice(1), orig.sections.slice(1));
  t.deepEqual(ext.symbols(), orig.symbols());
  t.true(ext.sectionData(ext.sections[0]).length === 0);
});

// ---- damaged files -------------------------------------------------------

function expectCode(t: ExecutionContext, fn: () => unknown, code: LlgiErrorCode, message?: RegExp, label = ''): void {
  try {
    fn();
    t.fail(`${label}: expected ${code}, nothing thrown`);
  } catch (e) {
    if (!isLlgiError(e)) throw e;
    t.is(e.code, code, `${label}: ${e.message}`);
    if (message) t.regex(e.message, message, label);
  }
}

function gccBuffer(t: ExecutionContext): Buffer | undefined {
  const fx = withFixtures(t, []).find((f) => f.name === 'gcc');
  return fx && fs.readFileSync(fx.path);
}

function patched(buf: Buffer, edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(buf);
  edit(b);
  return b;
}

function shdr(b: Buffer, index: number): number {
  return Number(b.readBigUInt64LE(40)) + index * 64;
}

test('missing file and directory give LLGI_IO naming the path', (t) => {
  const missing = path.join(buildFixtures().dir, 'does-not-exist.so');
  expectCode(t, () => ElfFile.open(missing), 'LLGI_IO', /does-not-exist\.so.*ENOENT/);
  expectCode(t, () => ElfFile.open(buildFixtures().dir), 'LLGI_IO', /EISDIR/);
});

test('non-ELF inputs give LLGI_NOT_ELF', (t) => {
  const dir = buildFixtures().dir;
  const text = path.join(dir, 'text.txt');
  fs.writeFileSync(text, 'hello, this is not an ELF file\n');
  expectCode(t, () => ElfFile.open(text), 'LLGI_NOT_ELF', /text\.txt/);
  const empty = path.join(dir, 'empty');
  fs.writeFileSync(empty, '');
  expectCode(t, () => ElfFile.open(empty), 'LLGI_NOT_ELF', /empty/);
  expectCode(t, () => new ElfFile(Buffer.from([0x7f, 0x45])), 'LLGI_NOT_ELF');
});

test('truncated ELF files give LLGI_ELF_TRUNCATED', (t) => {
  const buf = gccBuffer(t);
  if (!buf) return;
  const shoff = Number(buf.readBigUInt64LE(40));
  const cuts = [4, 10, 40, 63, 64, 64 + 56 * 2 + 3, 0x1000 + 17, shoff, shoff + 100, buf.length - 1];
  for (const cut of cuts) expectCode(t, () => new ElfFile(buf.subarray(0, cut), 'cut'), 'LLGI_ELF_TRUNCATED', /cut: .*past the end/, `cut at ${cut}`);

  const text = new ElfFile(buf).section('.text')!;
  const big = patched(buf, (b) => b.writeBigUInt64LE(BigInt(buf.length), shdr(b, text.index) + 32));
  expectCode(t, () => new ElfFile(big), 'LLGI_ELF_TRUNCATED', new RegExp(`section ${text.index} data`));
  const seg = patched(buf, (b) => b.writeBigUInt64LE(BigInt(buf.length + 1), 64 + 32));
  expectCode(t, () => new ElfFile(seg), 'LLGI_ELF_TRUNCATED', /segment 0 data/);
});

test('unsupported class, byte order, machine and type give LLGI_ELF_UNSUPPORTED', (t) => {
  const buf = gccBuffer(t);
  if (!buf) return;
  expectCode(t, () => new ElfFile(patched(buf, (b) => (b[4] = 1))), 'LLGI_ELF_UNSUPPORTED', /32-bit ELF \(ELFCLASS32\) is not supported/);
  // A genuine 52-byte ELF32 header is shorter than ELF64's: class is checked first.
  expectCode(t, () => new ElfFile(patched(buf.subarray(0, 52), (b) => (b[4] = 1))), 'LLGI_ELF_UNSUPPORTED', /ELFCLASS32/);
  expectCode(t, () => new ElfFile(patched(buf, (b) => (b[5] = 2))), 'LLGI_ELF_UNSUPPORTED', /big-endian/);
  expectCode(t, () => new ElfFile(patched(buf, (b) => b.writeUInt16LE(3, 18))), 'LLGI_ELF_UNSUPPORTED', /e_machine 3/);
  expectCode(t, () => new ElfFile(patched(buf, (b) => b.writeUInt16LE(0, 16))), 'LLGI_ELF_UNSUPPORTED', /e_type 0/);
});

test('inconsistent structure gives LLGI_ELF_CORRUPT', (t) => {
  const buf = gccBuffer(t);
  if (!buf) return;
  const elf = new ElfFile(buf);
  const n = elf.sections.length;
  const symtab = elf.section('.symtab')!;
  const text = elf.section('.text')!;
  const cases: [string, (b: Buffer) => void, RegExp][] = [
    ['shstrndx out of range', (b) => b.writeUInt16LE(n + 3, 62), /e_shstrndx \d+ is out of range/],
    ['shstrndx not a strtab', (b) => b.writeUInt16LE(text.index, 62), /not a string table/],
    ['bad e_shentsize', (b) => b.writeUInt16LE(40, 58), /e_shentsize is 40/],
    ['bad e_phentsize', (b) => b.writeUInt16LE(32, 54), /e_phentsize is 32/],
    ['section name outside shstrtab', (b) => b.writeUInt32LE(0xffffff, shdr(b, 1)), /name of section 1: offset 0xffffff is outside/],
    ['address above 2^53', (b) => b.writeUInt32LE(0xffff0000, shdr(b, 1) + 20), /sh_addr .* above 2\^53/],
  ];
  for (const [label, edit, re] of cases) expectCode(t, () => new ElfFile(patched(buf, edit)), 'LLGI_ELF_CORRUPT', re, label);

  const lazy: [string, (b: Buffer) => void, RegExp][] = [
    ['symtab sh_link not a strtab', (b) => b.writeUInt32LE(text.index, shdr(b, symtab.index) + 40), /sh_link \d+ is not a string table/],
    ['symtab entsize', (b) => b.writeBigUInt64LE(16n, shdr(b, symtab.index) + 56), /sh_entsize 16, expected 24/],
    ['symbol name outside strtab', (b) => b.writeUInt32LE(0x7fffffff, symtab.offset + 24), /name of symbol 1 .*outside/],
  ];
  for (const [label, edit, re] of lazy) expectCode(t, () => new ElfFile(patched(buf, edit)).symbols(), 'LLGI_ELF_CORRUPT', re, label);
});

test('bad compressed sections give typed errors', (t) => {
  const set = buildFixtures();
  const gz = set.fixtures.find((f) => f.name === 'gcc-gz');
  const gnu = set.fixtures.find((f) => f.name === 'gcc-gz-gnu');
  if (!gz || !gnu) return t.pass();
  const buf = fs.readFileSync(gz.path);
  const info = new ElfFile(buf).section('.debug_info')!;
  const read = (b: Buffer) => () => new ElfFile(b).dwarfSections();
  expectCode(t, read(patched(buf, (b) => b.writeUInt32LE(9, info.offset))), 'LLGI_ELF_CORRUPT', /\.debug_info has unknown ch_type 9/);
  expectCode(t, read(patched(buf, (b) => b.writeUInt32LE(2, info.offset))), 'LLGI_ELF_UNSUPPORTED', /ZSTD/);
  expectCode(t, read(patched(buf, (b) => b.writeUInt32LE(b.readUInt32LE(info.offset + 8) + 1, info.offset + 8))), 'LLGI_ELF_CORRUPT', /inflate/);
  expectCode(t, read(patched(buf, (b) => b.writeUInt32LE(b.readUInt32LE(info.offset + 8) - 1, info.offset + 8))), 'LLGI_ELF_CORRUPT', /inflate/);
  expectCode(t, read(patched(buf, (b) => b.fill(0x55, info.offset + 30, info.offset + 60))), 'LLGI_ELF_CORRUPT', /inflate failed/);
  expectCode(t, read(patched(buf, (b) => b.writeBigUInt64LE(8n, shdr(b, info.index) + 32))), 'LLGI_ELF_CORRUPT', /smaller than its Elf64_Chdr/);

  const gbuf = fs.readFileSync(gnu.path);
  const zinfo = new ElfFile(gbuf).section('.debug_info')!;
  t.is(zinfo.name, '.zdebug_info');
  expectCode(t, read(patched(gbuf, (b) => b.write('ZLIX', zinfo.offset))), 'LLGI_ELF_CORRUPT', /\.zdebug_info lacks its "ZLIB" header/);
  expectCode(t, read(patched(gbuf, (b) => b.writeUInt32BE(1, zinfo.offset + 8))), 'LLGI_ELF_CORRUPT', /inflate/);
});

test('random damage never escapes as anything but LlgiError', (t) => {
  const buf = gccBuffer(t);
  if (!buf) return;
  const shoff = Number(buf.readBigUInt64LE(40));
  // Damage concentrated where the reader looks: the ELF header, program
  // headers and the section header table.
  const hot = fc.oneof(fc.integer({ min: 0, max: 64 + 56 * 9 }), fc.integer({ min: shoff, max: buf.length - 1 }));
  fc.assert(
    fc.property(fc.array(fc.tuple(hot, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(buf.length), (edits, cut) => {
      const b = Buffer.from(buf);
      for (const [at, v] of edits) b[at] = v;
      for (const input of [b, b.subarray(0, cut)]) {
        try {
          const elf = new ElfFile(input);
          elf.symbols();
          elf.dynamicSymbols();
          elf.buildId();
          elf.dwarfSections();
          elf.executableRanges();
        } catch (e) {
          if (!isLlgiError(e)) throw e;
        }
      }
    }),
    { numRuns: 400 },
  );
  t.pass();
});
