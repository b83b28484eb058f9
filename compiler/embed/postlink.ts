// The post-link writer: builds a binary's LLGI table and stores it in the
// space reserved at link time (reserve.ts, docs/embedding.md), in place.
//
// Rules:
// - the file never grows and nothing but the note's descriptor changes: the
//   table, its checksum index (sums.ts) at the next 8-byte boundary when the
//   reservation has room for it, then zeros up to the reserved size;
// - the table is built from the binary with the descriptor zeroed, so it never
//   depends on an earlier embedding: a second run writes the same bytes;
// - a table that does not fit, or a binary without a reservation, is refused
//   (LLGI_EMBED_TOO_SMALL, LLGI_EMBED_MISSING) before anything is written;
// - the result is written to a temporary file beside the target, re-read and
//   checked through the C reader, adopted whole and at first use (every
//   function's entry must find that function, with its name, and every
//   bucket must pass), and only then renamed over the target, with
//   the target's file mode: a reader sees the old file or the new one, never
//   half a table.
//
// The check runs the C reader, which compiler/ reaches only through the
// addon's Table as lib/symbolize.ts wraps it; hence the one import from lib/.

import fs from 'node:fs';
import path from 'node:path';
import { ElfFile } from '../elf';
import { LlgiError } from '../errors';
import { buildTable, type BuildOptions, type BuildReport } from '../table/build';
import { H, HEADER_SIZE, SECTIONS, ELEM_SIZE } from '../table/format';
import { NOTE_ALIGN, NOTE_NAME, NOTE_SECTION, NOTE_TYPE } from './reserve';
import { buildSums } from './sums';
import { Symbolizer } from '../../lib/symbolize';

const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_NOTE = 7;

/** Where the reserved descriptor is. */
export interface Reservation {
  /** File offset of the descriptor. */
  offset: number;
  /** Reserved bytes (descsz). */
  size: number;
  /** Link-time virtual address of the descriptor. */
  vaddr: number;
  /** What holds it: 'PT_NOTE segment N'. */
  where: string;
}

type Note = ReturnType<ElfFile['notes']>[number];

const isOurs = (n: Note) => n.type === NOTE_TYPE && n.name === `${NOTE_NAME}\0`;

/**
 * The reserved "LLGI.table" note of a binary, found as the runtime finds it:
 * in a PT_NOTE segment (section names are not needed, so a stripped binary
 * works too). LLGI_EMBED_MISSING when there is none, or when the note is not
 * where a loaded image would have it (outside every PT_NOTE or PT_LOAD
 * segment) or its descriptor is not 8-byte aligned.
 */
export function findReservation(elf: ElfFile): Reservation {
  for (const [i, seg] of elf.segments.entries()) {
    if (seg.type !== PT_NOTE) continue;
    const note = elf.notes(seg.offset, seg.filesz, seg.align, `PT_NOTE segment ${i}`).find(isOurs);
    if (!note) continue;
    const r: Reservation = { offset: note.desc, size: note.descsz, vaddr: seg.vaddr + (note.desc - seg.offset), where: `PT_NOTE segment ${i}` };
    const load = elf.segments.find((s) => s.type === PT_LOAD && r.offset >= s.offset && r.offset + r.size <= s.offset + s.filesz);
    if (!load) throw new LlgiError('LLGI_EMBED_MISSING', `${elf.name}: the ${NOTE_NAME} note in ${r.where} is not inside a loadable segment, so it would not be mapped`);
    if (r.vaddr % NOTE_ALIGN !== 0) {
      throw new LlgiError('LLGI_EMBED_MISSING', `${elf.name}: the ${NOTE_NAME} note's descriptor at 0x${r.vaddr.toString(16)} is not ${NOTE_ALIGN}-byte aligned (reserve it with reserveSource, docs/embedding.md)`);
    }
    return r;
  }
  // Say why when a section holds the note but no segment does (e.g. an object file, or a non-allocated section).
  for (const s of elf.sections) {
    if (s.type !== SHT_NOTE || !elf.notes(s.offset, s.size, s.addralign, `section ${s.name || `[${s.index}]`}`).some(isOurs)) continue;
    throw new LlgiError('LLGI_EMBED_MISSING', `${elf.name}: section ${s.name || `[${s.index}]`} holds an ${NOTE_NAME} note, but no PT_NOTE segment does: it must be an allocated note section of a linked binary`);
  }
  throw new LlgiError('LLGI_EMBED_MISSING',
    `${elf.name}: no space reserved for an embedded table (no ${NOTE_NAME} note, section ${NOTE_SECTION}); link the binary with the output of \`llgo-introspect reserve\` (docs/embedding.md)`);
}

/** What the table says about function i: its link-time entry and name. */
function tableFunctions(table: Buffer): { entry: bigint; name: string }[] {
  const textStart = table.readBigUInt64LE(H.textStart);
  const nfunc = table.readUInt32LE(H.nfunc);
  const sec = (name: (typeof SECTIONS)[number]) => table.readUInt32LE(H.sections + 8 * SECTIONS.indexOf(name));
  const ftab = sec('ftab');
  const funcs = sec('funcs');
  const strings = sec('strings');
  const out: { entry: bigint; name: string }[] = [];
  for (let i = 0; i < nfunc; i++) {
    const at = strings + table.readUInt32LE(funcs + i * ELEM_SIZE.funcs);
    out.push({ entry: textStart + BigInt(table.readUInt32LE(ftab + 4 * i)), name: table.toString('utf8', at, table.indexOf(0, at)) });
  }
  return out;
}

/** Where the checksum index goes: the first 8-byte boundary after the table. */
const sumsOffset = (table: Buffer) => Math.ceil(table.length / 8) * 8;

/**
 * Checks that `file` (as written) holds exactly `table` in its reservation,
 * then `sums` (when given) at the next 8-byte boundary, zeros elsewhere, and
 * that the C reader adopts it, whole and (with `sums`) at first use, and finds
 * every function at its entry, by index and by name. Throws
 * LLGI_TABLE_INVALID otherwise.
 */
export function verifyEmbedded(file: Buffer, name: string, table: Buffer, sums?: Buffer): void {
  const r = findReservation(new ElfFile(file, name));
  const desc = file.subarray(r.offset, r.offset + r.size);
  const bad = (what: string): never => {
    throw new LlgiError('LLGI_TABLE_INVALID', `${name}: the embedded table read back is wrong: ${what}`);
  };
  const xAt = sumsOffset(table);
  const xEnd = sums ? xAt + sums.length : table.length;
  if (desc.length < xEnd || !desc.subarray(0, table.length).equals(table)) bad('its bytes differ from the table written');
  if (sums && !desc.subarray(xAt, xEnd).equals(sums)) bad('its checksum index differs from the one written');
  for (let i = table.length; i < desc.length; i++) if ((i < xAt || i >= xEnd) && desc[i] !== 0) bad(`byte ${i} after the table is not zero`);
  const copy = (lo: number, hi: number) => Buffer.from(desc.subarray(lo, hi));
  const readers = [Symbolizer.fromTable(copy(0, table.length), name)]; // LLGI_TABLE_INVALID
  if (sums) readers.push(Symbolizer.fromTable(copy(0, table.length), name, 0n, null, copy(xAt, xEnd)));
  const funcs = tableFunctions(table);
  for (const sym of readers) {
    sym.validateAll();
    const frames = sym.symbolize(funcs.map((f) => f.entry));
    funcs.forEach((f, i) => {
      const found = sym.nativeTable.findFunc(f.entry);
      if (found !== i) bad(`function ${i} (${f.name}) at 0x${f.entry.toString(16)} looks up as function ${found}`);
      const physical = frames[i][frames[i].length - 1];
      if (!physical || physical.inlined || physical.function !== f.name || physical.entry !== f.entry) {
        bad(`function ${i} at 0x${f.entry.toString(16)} is named ${JSON.stringify(physical?.function)}, expected ${JSON.stringify(f.name)}`);
      }
    });
  }
}

export interface PostlinkOptions extends BuildOptions {
  /** Write here instead of over the input. */
  output?: string;
}

export interface PostlinkResult {
  /** The file written. */
  output: string;
  /** Table bytes written into the reservation. */
  tableBytes: number;
  /**
   * Checksum index bytes written after it (docs/embedding.md), 0 when the
   * reservation had no room for them: load() then validates the whole table
   * at load instead of at first use.
   */
  sumsBytes: number;
  /** Reserved bytes (the descriptor size). */
  reservedBytes: number;
  functions: number;
  reservation: Reservation;
  report: BuildReport;
}

/**
 * Embeds `binary`'s LLGI table in its reserved note (docs/embedding.md), in
 * place or into `opts.output`. Idempotent; atomic; verified before it
 * replaces anything.
 */
export function postlink(binary: string, opts: PostlinkOptions = {}): PostlinkResult {
  const input = ElfFile.open(binary); // LLGI_IO, LLGI_NOT_ELF, ...
  const r = findReservation(input);
  // Build from the file with the descriptor zeroed: the table never depends on an earlier embedding.
  const image = Buffer.from(input.buf);
  image.fill(0, r.offset, r.offset + r.size);
  const { table, report } = buildTable(new ElfFile(image, binary), opts);
  if (table.length > r.size) {
    throw new LlgiError('LLGI_EMBED_TOO_SMALL',
      `${binary}: the table needs ${table.length} bytes, the reservation (${r.where}) holds ${r.size}; reserve at least ${table.length} bytes (docs/embedding.md)`);
  }
  if (table.length < HEADER_SIZE) throw new LlgiError('LLGI_TABLE_INVALID', `${binary}: the built table is only ${table.length} bytes`);
  table.copy(image, r.offset);
  // The index needs the deepest inline chain, which whole adoption measures (and it checks the table early).
  const full = buildSums(table, Symbolizer.fromTable(table, binary).nativeTable.info().maxDepth);
  const sums = sumsOffset(table) + full.length <= r.size ? full : undefined;
  if (sums) sums.copy(image, r.offset + sumsOffset(table));
  else {
    report.warnings.push(`the reservation has no room for the checksum index (${sumsOffset(table) + full.length} bytes needed, ${r.size} reserved): load() will validate the whole table at load instead of at first use`);
  }

  // Follow a symlink: the file it names is replaced, the link stays.
  const target = opts.output ? path.resolve(opts.output) : fs.realpathSync(binary);
  const mode = fs.statSync(binary).mode & 0o7777;
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.llgi-${process.pid}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      fs.writeFileSync(fd, image);
      fs.fchmodSync(fd, mode); // the umask may have cleared bits
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    verifyEmbedded(fs.readFileSync(tmp), binary, table, sums);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (e instanceof LlgiError) throw e;
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new LlgiError('LLGI_IO', `${target}: cannot write the embedded table (${why})`, { cause: e });
  }
  return { output: target, tableBytes: table.length, sumsBytes: sums?.length ?? 0, reservedBytes: r.size, functions: report.functions, reservation: r, report };
}
