// The fixture generator (compiler/llgo/fixture.ts) against what llgo itself
// writes: the LLGOFTB1 rewrite cuts the entry section as llgo's post-link
// compaction does (docs/llgo-format.md §4.5), and external mode writes the
// LLGOPCL1 sidecar and detached image of `llgo build -pclntab=external` (§10).
// The first tests need only clang-19 + lld-19; the comparisons with real llgo
// builds (test/helpers/llgo-real.ts) skip without llgo.

import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile, type ElfSection } from '../compiler/elf';
import { isLlgiError } from '../compiler/errors';
import { fnv1a64, FUNCINFO_RECORD_SIZE, PCLINE_RECORD_SIZE, SITE_RECORD_SIZE } from '../compiler/llgo/encode';
import { buildLlgoFixture, type LlgoFixture } from '../compiler/llgo/fixture';
import { FTB_HEADER, LLGOFTB1 } from '../compiler/llgo/ftb';
import { LinkImage } from '../compiler/llgo/image';
import { readLlgoTables, type LlgoTables } from '../compiler/llgo/read';
import { SIDECAR_SECTIONS } from '../compiler/llgo/sidecar';
import { Symbolizer } from '../lib/symbolize';
import { APP_C, EXE_MAIN_C, NAMES, anchors, appExe, nm } from './helpers/llgo';
import { INCLUDE } from './helpers/live';
import { scenario, testWithLlgo } from './helpers/llgo-real';
import { testWith, tools, type Tool } from './helpers/tools';

const NEEDS: Tool[] = ['clang', 'lld', 'llvmNm'];
const SOURCES = [APP_C, EXE_MAIN_C];

function appExternal(): LlgoFixture {
  return buildLlgoFixture({ sources: SOURCES, kind: 'exe', flags: [`-I${INCLUDE}`], pclntab: 'external', compiler: tools.clang! });
}

/** The section headers in file order of the llgo sections and their neighbours. */
const LLGO_SECTIONS = ['llgo_pcline', 'llgo_pclntab_id', 'llgo_funcinfo_entry'];

/** The PT_LOAD holding a section. */
function carrier(elf: ElfFile, sec: ElfSection) {
  return elf.segments.find((p) => p.type === 1 && p.filesz && sec.offset >= p.offset && sec.offset + sec.size <= p.offset + p.filesz)!;
}

/** The LLGOFTB1 header of a rewritten entry section, and the blob length it implies. */
function ftbHeader(elf: ElfFile) {
  const sec = elf.section('llgo_funcinfo_entry')!;
  const b = elf.sectionData(sec);
  const count = b.readUInt32LE(24);
  const buckets = b.readUInt32LE(28);
  return { sec, magic: b.readBigUInt64LE(0), linkAddr: Number(b.readBigUInt64LE(8)), base: Number(b.readBigUInt64LE(16)), count, buckets, length: FTB_HEADER + 8 * count + 36 * buckets };
}

/** What the tables answer, without addresses: per function its names, file, line and statement lines. */
function answers(t: LlgoTables, base: (symbol: string) => number) {
  return t.funcs.map((f, i) => ({
    ...f,
    entries: t.entries.filter((e) => e.func === i).map((e) => e.pc - base(f.symbol)),
    lines: t.lines.filter((l) => l.func === i).map((l) => [l.pc - base(f.symbol), l.file, l.line]).sort(),
  }));
}

/** Everything a read answers at some pc, for comparing mutants with the clean sidecar (textEnd left out). */
function canon(t: LlgoTables) {
  return { funcs: t.funcs, entries: t.entries, lines: t.lines, source: t.source };
}

testWith(NEEDS, 'generator, embedded: the LLGOFTB1 rewrite cuts the entry section to the blob as llgo\'s compaction does', (t) => {
  const fx = appExe();
  const elf = ElfFile.open(fx.path);
  const linked = ElfFile.open(fx.linked!);
  const h = ftbHeader(elf);
  const before = linked.section('llgo_funcinfo_entry')!;
  t.is(h.magic, LLGOFTB1);
  t.is(h.sec.size, h.length, 'sh_size is the blob length');
  t.is(h.linkAddr, before.addr);
  t.is(h.sec.addr, before.addr);
  // The carrier PT_LOAD ends with the section; the cut removed file bytes, not memory.
  const p = carrier(elf, h.sec);
  const q = carrier(linked, before);
  t.is(p.vaddr, q.vaddr);
  t.is(p.memsz, q.memsz);
  t.true(p.filesz < p.memsz);
  const removed = q.filesz - p.filesz;
  t.true(removed > 0 && removed % 8 === 0);
  t.is(removed, (before.size - h.length) - ((before.size - h.length) % 8), 'the cut is the unused tail rounded down to the following sections\' alignment');
  t.is(elf.buf.length, linked.buf.length - removed);
  // Later sections moved by the cut; no address changed.
  const later = linked.sections.filter((s) => s.offset >= before.offset + before.size && s.name !== 'llgo_funcinfo_entry');
  for (const s of later) {
    const n = elf.section(s.name)!;
    t.is(n.addr, s.addr, s.name);
    t.is(n.offset, s.offset - removed, s.name);
  }
  t.is(elf.section('.bss')!.offset, p.offset + p.filesz);
  // The llgo sections keep llgo's order: pcline, .data, entry carrier just before .bss.
  const names = elf.sections.map((s) => s.name);
  t.true(names.indexOf('llgo_pcline') < names.indexOf('.data'));
  t.is(names.indexOf('llgo_funcinfo_entry') + 1, names.indexOf('.bss'));
  const tables = readLlgoTables(elf)!;
  t.is(tables.source, 'LLGOFTB1');
  t.true(tables.prebuilt);
  t.is(spawnSync(fx.path, { encoding: 'utf8' }).status, 0);
});

testWith(NEEDS, 'generator, embedded (cut): every statement anchor and every function entry still answers llgo\'s name, file and line', (t) => {
  const fx = appExe();
  const sym = Symbolizer.open(fx.path);
  t.like(sym.report!.llgo, { prebuilt: true });
  t.deepEqual(sym.report!.warnings, []);
  const list = anchors(fx.path, SOURCES, (c) => fx.marks.symbols.get(c)!);
  let n = 0;
  for (const a of list) {
    if (a.cname === 'go_alloc') continue; // dead in the executable
    t.true(a.addrs.length >= 1);
    for (const addr of a.addrs) {
      t.like(sym.symbolize([addr])[0][0], { function: NAMES[a.cname].name, gcFunction: NAMES[a.cname].gc, file: a.file, line: a.line, functionSource: 'llgo', lineSource: 'llgo' });
      n++;
    }
  }
  t.true(n >= 8);
  // And the cut file answers exactly as the raw entry sites at every text address.
  const raw = Symbolizer.open(appExe(false).path);
  const text = ElfFile.open(fx.path).section('.text')!;
  const addrs = Array.from({ length: text.size }, (_, i) => text.addr + i);
  t.deepEqual(sym.symbolize(addrs), raw.symbolize(addrs));
});

testWith(NEEDS, 'generator, external: the sidecar is read (LLGOPCL1) and answers the embedded build\'s names and lines for every function', (t) => {
  const ext = appExternal();
  const emb = appExe();
  t.is(ext.sidecar, `${ext.path}.pclntab`);
  const elf = ElfFile.open(ext.path);
  const te = readLlgoTables(elf)!;
  const tp = readLlgoTables(ElfFile.open(emb.path))!;
  t.is(te.source, 'LLGOPCL1');
  t.is(te.sidecar, ext.sidecar);
  t.is(tp.source, 'LLGOFTB1');
  const se = nm(ext.path);
  const sp = nm(emb.path);
  t.deepEqual(answers(te, (s) => se.get(s)!), answers(tp, (s) => sp.get(s)!));
  // Symbolized per function, relative to its symbol, over its whole body.
  const a = Symbolizer.open(ext.path);
  const b = Symbolizer.open(emb.path);
  t.deepEqual(a.report!.warnings, []);
  let compared = 0;
  for (const f of te.funcs) {
    const x = se.get(f.symbol);
    const y = sp.get(f.symbol);
    if (x === undefined || y === undefined) continue;
    const size = ElfFile.open(ext.path).symbols().find((s) => s.name === f.symbol)!.size;
    const strip = (fr: ReturnType<Symbolizer['symbolize']>, base: number) => fr.map((s) => s.map((q) => ({ ...q, pc: undefined, entry: q.entry === undefined ? undefined : Number(q.entry) - base })));
    t.deepEqual(strip(a.symbolize(Array.from({ length: size }, (_, i) => x + i)), x), strip(b.symbolize(Array.from({ length: size }, (_, i) => y + i)), y), f.symbol);
    compared++;
  }
  t.true(compared >= 10);
  // The image: identity slot = the sidecar's identity, both site sections zeroed, table globals 0.
  const img = new LinkImage(elf);
  const id = elf.symbols().find((s) => s.name === '__llgo_pclntab_identity')!;
  t.deepEqual(img.bytes(id.value, 32, 'identity'), fs.readFileSync(ext.sidecar!).subarray(64, 96));
  for (const name of ['llgo_funcinfo_entry', 'llgo_pcline']) t.true(elf.sectionData(elf.section(name)!).every((x) => x === 0), name);
  for (const g of ['__llgo_funcinfo_table', '__llgo_funcinfo_count', '__llgo_pcline_count', '__llgo_funcinfo_strings']) {
    t.is(img.word(elf.symbols().find((s) => s.name === g)!.value, g), 0n, g);
  }
  t.is(spawnSync(ext.path, { encoding: 'utf8' }).stdout, spawnSync(emb.path, { encoding: 'utf8' }).stdout);
});

/** Reads the tables of `exe` with `bytes` as its sidecar: the answer, or the error. */
function readWith(exe: ElfFile, bytes: Buffer, dir: string): { ok: LlgoTables } | { err: unknown } {
  const file = path.join(dir, 'mutant.pclntab');
  fs.writeFileSync(file, bytes);
  try {
    return { ok: readLlgoTables(exe, { sidecar: file })! };
  } catch (err) {
    return { err };
  }
}

const refused = (err: unknown) => isLlgiError(err) && (err.code === 'LLGI_LLGO_INVALID' || err.code === 'LLGI_IO');

testWith(NEEDS, 'generator, external: mutated sidecars are answered exactly as the clean one or refused with an LlgiError', (t) => {
  const ext = appExternal();
  const exe = ElfFile.open(ext.path);
  const clean = fs.readFileSync(ext.sidecar!);
  const want = canon(readLlgoTables(exe, { sidecar: ext.sidecar! })!);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-pcl-'));
  const HEADER = 256;
  // Header fields whose change is not a corruption of what is read: the text
  // range (a wider one is still true) and the descriptors (not hashed, as in
  // llgo: a smaller valid count is a smaller valid sidecar).
  const loose = (off: number) => (off >= 48 && off < 64) || (off >= 96 && off < 224);
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), off: fc.nat(clean.length - 1), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('flip' as const), off: fc.nat(HEADER - 1), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('byte' as const), off: fc.nat(HEADER - 1), v: fc.nat(255) }),
    fc.record({ kind: fc.constant('u64' as const), slot: fc.nat(15), v: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
    fc.record({ kind: fc.constant('small' as const), slot: fc.nat(15), v: fc.nat(clean.length + 64) }),
    fc.record({ kind: fc.constant('truncate' as const), len: fc.nat(clean.length - 1) }),
  );
  type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;
  const apply = (b: Buffer, e: Edit): { buf: Buffer; at: number | null } => {
    const end = e.kind === 'flip' || e.kind === 'byte' ? e.off + 1 : e.kind === 'truncate' ? 0 : 104 + 8 * e.slot;
    if (end > b.length) return { buf: b, at: null };
    switch (e.kind) {
      case 'flip': b[e.off] ^= 1 << e.bit; return { buf: b, at: e.off };
      case 'byte': b[e.off] = e.v; return { buf: b, at: e.off };
      case 'u64': b.writeBigUInt64LE(e.v, 96 + 8 * e.slot); return { buf: b, at: 96 + 8 * e.slot };
      case 'small': b.writeBigUInt64LE(BigInt(e.v), 96 + 8 * e.slot); return { buf: b, at: 96 + 8 * e.slot };
      default: return { buf: b.subarray(0, e.len), at: null };
    }
  };
  let answered = 0;
  let threw = 0;
  fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), (edits, rehash) => {
    let buf: Buffer = Buffer.from(clean);
    const at: (number | null)[] = [];
    for (const e of edits) {
      const r = apply(buf, e);
      buf = r.buf;
      at.push(r.at);
    }
    // Hash recomputed: the payload and descriptor checks themselves are exercised.
    if (rehash && buf.length >= HEADER) buf.writeBigUInt64LE(fnv1a64(buf.subarray(HEADER)), 32);
    const r = readWith(exe, buf, dir);
    if ('err' in r) {
      threw++;
      if (!refused(r.err)) throw new Error(`not an LlgiError: ${(r.err as Error)?.stack ?? String(r.err)}`);
      return;
    }
    answered++;
    const strict = !rehash && at.every((o) => o !== null && !loose(o));
    if (strict) t.deepEqual(canon(r.ok), want, JSON.stringify(edits, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  }), { numRuns: 600, seed: 4242 });
  t.true(threw > 100, `threw ${threw}`);
  t.true(answered > 10, `answered ${answered}`);
  // Every byte of the payload is under the hash: a flip there is always refused.
  for (let off = HEADER; off < clean.length; off += 7) {
    const b = Buffer.from(clean);
    b[off] ^= 0x10;
    const r = readWith(exe, b, dir);
    t.true('err' in r && refused(r.err), `payload byte ${off}`);
  }
  t.throws(() => readLlgoTables(exe, { sidecar: path.join(dir, 'absent.pclntab') }), { code: 'LLGI_IO' });
});

testWith(NEEDS, 'generator, external: a header whose image base is not the binary\'s is refused (llgo\'s runtime uses the load address)', (t) => {
  // llgo's loader adds the executable's load address to site offsets and
  // never reads the header's image base: a header that disagrees would shift
  // every answer, so it is refused.
  const ext = appExternal();
  const exe = ElfFile.open(ext.path);
  const b = Buffer.from(fs.readFileSync(ext.sidecar!));
  b.writeBigUInt64LE(b.readBigUInt64LE(40) + 0x10n, 40);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llgi-pcl-'));
  const r = readWith(exe, b, dir);
  t.true('err' in r && isLlgiError(r.err, 'LLGI_LLGO_INVALID') && /image base/.test((r.err as Error).message), JSON.stringify(r));
});

// ---- the same shapes from real llgo ----

/** The structural facts of one executable's llgo layout. */
function layout(file: string) {
  const elf = ElfFile.open(file);
  const secs = elf.sections.filter((s) => LLGO_SECTIONS.includes(s.name));
  const order = elf.sections.map((s) => s.name).filter((n) => LLGO_SECTIONS.includes(n) || n === '.bss' || n === '.data');
  return { elf, secs: secs.map((s) => ({ name: s.name, type: s.type, flags: s.flags, align: s.addralign, link: elf.sections[s.link]?.name ?? '' })), order };
}

/** The LLGOPCL1 header as pclnmap writes it, without addresses. */
function sidecarShape(file: string) {
  const b = fs.readFileSync(file);
  const desc = SIDECAR_SECTIONS.map((s, i) => ({ ...s, off: Number(b.readBigUInt64LE(96 + 16 * i)), count: Number(b.readBigUInt64LE(104 + 16 * i)) }));
  return {
    magic: b.toString('latin1', 0, 8), version: b.readUInt32LE(8), header: b.readUInt32LE(12), ptr: b[16], endian: b[17], goos: b[18], goarch: b[19],
    abi: b.readUInt32LE(20), sizeOk: Number(b.readBigUInt64LE(24)) === b.length, hashOk: b.readBigUInt64LE(32) === fnv1a64(b.subarray(256)),
    reserved: b.subarray(224, 256).every((x) => x === 0),
    aligned: desc.every((d) => d.off % d.align === 0),
    // In descriptor order, each after the previous (at most its alignment of padding), the last ending the file.
    packed: desc.every((d, i) => d.off === Math.ceil((i ? desc[i - 1].off + desc[i - 1].count * desc[i - 1].elem : 256) / d.align) * d.align)
      && desc[7].off + desc[7].count * 16 === b.length,
    elems: desc.map((d) => [d.name, d.elem, d.align]),
    identity: b.subarray(64, 96),
    counts: desc.map((d) => d.count),
    bytes: b,
  };
}

function identityOf(elf: ElfFile): Buffer {
  const s = elf.symbols().find((x) => x.name === '__llgo_pclntab_identity')!;
  return new LinkImage(elf).bytes(s.value, 32, 'identity');
}

testWithLlgo('real llgo vs generator, embedded: llgo sections, the cut entry section, LLGOFTB1 header and carrier PT_LOAD agree in structure', (t) => {
  const real = scenario('./cmd/callers', 'exe').path;
  const nopost = scenario('./cmd/callers', 'exe-nopost').path;
  const gen = appExe();
  const r = layout(real);
  const g = layout(gen.path);
  t.deepEqual(g.secs, r.secs, 'llgo sections: names, types, flags, alignment, link-order target');
  t.deepEqual(g.order, r.order, 'order of llgo_pcline, .data, llgo_funcinfo_entry, .bss');
  for (const [name, elf, linked] of [['real', r.elf, ElfFile.open(nopost)], ['generator', g.elf, ElfFile.open(gen.linked!)]] as const) {
    const h = ftbHeader(elf);
    t.is(h.magic, LLGOFTB1, name);
    t.is(h.sec.size, h.length, `${name}: sh_size == LLGOFTB1 blob length`);
    t.is(h.linkAddr, h.sec.addr, name);
    t.true(h.count >= 2 && h.buckets >= 1, name);
    const tables = readLlgoTables(elf)!;
    t.is(h.count, tables.entries.length + 1, `${name}: count = rows + sentinel`);
    t.is(h.buckets, Math.floor((tables.entries[tables.entries.length - 1].pc - (h.base - (h.base % 4096))) / 4096) + 1, `${name}: bucketCount`);
    const p = carrier(elf, h.sec);
    t.true(p.filesz < p.memsz, `${name}: carrier filesz < memsz`);
    t.is(h.sec.offset + h.sec.size <= p.offset + p.filesz, true, name);
    // The cut: sh_size is the blob, the removed part the unused tail rounded down to the largest following alignment.
    const before = linked.section('llgo_funcinfo_entry')!;
    const align = Math.max(8, ...linked.sections.filter((s) => s.offset >= before.offset + before.size && s.name !== before.name).map((s) => s.addralign));
    const removed = carrier(linked, before).filesz - p.filesz;
    t.is(removed, (before.size - h.length) - ((before.size - h.length) % align), `${name}: cut size`);
    t.is(elf.section('.bss')!.offset, p.offset + p.filesz, `${name}: .bss at the cut`);
    t.is(elf.section('.bss')!.addr, linked.section('.bss')!.addr, `${name}: no address moved`);
    t.is(tables.source, 'LLGOFTB1', name);
    // Records: 28 / 24 / 16 bytes; the process tail appended unsorted, without file and line.
    t.deepEqual(tables.funcs.slice(-2).map((f) => [f.symbol, f.name, f.file, f.line]), [['runtime.main', 'runtime.main', '', 0], ['main', 'runtime.goexit', '', 0]], name);
  }
  t.deepEqual([FUNCINFO_RECORD_SIZE, PCLINE_RECORD_SIZE, SITE_RECORD_SIZE], [28, 24, 16]);
  for (const [name, elf] of [['real', r.elf], ['generator', g.elf]] as const) {
    const sym = (n: string) => elf.symbols().find((s) => s.name === n)!;
    const img = new LinkImage(elf);
    const count = Number(img.word(sym('__llgo_funcinfo_count').value, 'count'));
    const pcl = Number(img.word(sym('__llgo_pcline_count').value, 'pcline count'));
    // The records and pclines end where the next table starts: 28- and 24-byte rows (§2.2, §2.6).
    t.is(elf.section('llgo_pcline')!.size % SITE_RECORD_SIZE, 0, `${name}: pcline sites are 16-byte rows`);
    t.true(count > 0 && pcl > 0, name);
    t.is(readLlgoTables(elf)!.funcs.length, count, name);
  }
});

testWithLlgo('real llgo vs generator, external: image sections, zeroed sites, identity and the LLGOPCL1 header agree in structure', (t) => {
  const real = scenario('./cmd/callers', 'exe-external');
  const gen = appExternal();
  const r = layout(real.path);
  const g = layout(gen.path);
  t.deepEqual(g.secs, r.secs, 'llgo sections: names, types, flags, alignment, link-order target');
  t.deepEqual(g.order, r.order);
  const rs = sidecarShape(real.sidecar!);
  const gs = sidecarShape(gen.sidecar!);
  const fields = (s: ReturnType<typeof sidecarShape>) => ({ ...s, identity: undefined, counts: undefined, bytes: undefined });
  t.deepEqual(fields(gs), fields(rs));
  t.like(rs, { magic: 'LLGOPCL1', version: 4, header: 256, ptr: 8, endian: 1, goos: 1, goarch: os.arch() === 'arm64' ? 2 : 1, abi: 1, sizeOk: true, hashOk: true, aligned: true, packed: true });
  for (const [name, elf, s, file] of [['real', r.elf, rs, real.path], ['generator', g.elf, gs, gen.path]] as const) {
    t.deepEqual(identityOf(elf), s.identity, `${name}: identity = __llgo_pclntab_identity`);
    t.false(s.identity.every((x) => x === 0), name);
    for (const sec of ['llgo_funcinfo_entry', 'llgo_pcline']) t.true(elf.sectionData(elf.section(sec)!).every((x) => x === 0), `${name}: ${sec} zeroed`);
    // The entry section is not cut in external mode: a whole number of 16-byte rows.
    t.is(elf.section('llgo_funcinfo_entry')!.size % 16, 0, name);
    const img = new LinkImage(elf);
    for (const gl of ['__llgo_funcinfo_table', '__llgo_funcinfo_count', '__llgo_funcinfo_strings', '__llgo_funcinfo_string_offsets', '__llgo_funcinfo_hash', '__llgo_pcline_table', '__llgo_pcline_count']) {
      const sy = elf.symbols().find((x) => x.name === gl)!;
      t.is(img.word(sy.value, gl), 0n, `${name}: ${gl} is 0`);
      t.is(elf.sections[sy.shndx].name, '.bss', `${name}: ${gl} in .bss`);
    }
    for (const gl of ['__llgo_funcinfo_entry_start', '__llgo_pcsite_start']) {
      const sy = elf.symbols().find((x) => x.name === gl)!;
      t.not(img.word(sy.value, gl), 0n, `${name}: ${gl} keeps the site bound`);
    }
    const tables = readLlgoTables(elf)!;
    t.is(tables.source, 'LLGOPCL1', name);
    t.is(s.counts[0], tables.funcs.length, name);
    // Entry sites: true entries (each a symbol's address), sorted, one per pc; pc sites sorted.
    const syms = new Map(elf.symbols().filter((x) => x.type === 2).map((x) => [x.value, x.name]));
    t.true(tables.entries.every((e, i) => syms.has(e.pc) && (i === 0 || e.pc > tables.entries[i - 1].pc)), `${name}: entry sites normalized, sorted, deduplicated`);
    t.true(tables.lines.every((l, i) => i === 0 || l.pc >= tables.lines[i - 1].pc), `${name}: pc sites sorted`);
    t.deepEqual(tables.funcs.slice(-2).map((f) => [f.symbol, f.name, f.file, f.line]), [['runtime.main', 'runtime.main', '', 0], ['main', 'runtime.goexit', '', 0]], name);
    t.is(spawnSync(file, [], { encoding: 'utf8', env: { ...process.env, LLGI_PROBE_OUT: '' } }).status, 0, `${name} runs`);
  }
});
