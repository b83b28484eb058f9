// LLGOPCL1, the external sidecar `<exe>.pclntab` that `llgo build
// -pclntab=external` writes beside an executable, whose own site sections and
// table globals it leaves zeroed (docs/llgo-format.md §10). Every header
// field, descriptor, alignment and overlap is checked here, as llgo's own
// loader does, before any byte of a section is read; string IDs, orderings
// and site offsets are checked by the table reader (read.ts) as for tables
// in the image.

import fs from 'node:fs';
import { LlgiError } from '../errors';
import { fnv1a64 } from './encode';

export const LLGOPCL1 = 'LLGOPCL1';
export const SIDECAR_VERSION = 4;
export const SIDECAR_HEADER = 256;
export const SIDECAR_ABI_VERSION = 1;
/** llgo's loader reads at most this much (runtime/internal/lib/runtime/pclntab_external.go). */
export const SIDECAR_MAX = 512 << 20;

/** Descriptor order, element size and alignment (§10): the reader and the generator's writer (sidecar-write.ts). */
export const SIDECAR_SECTIONS = [
  { name: 'records', elem: 28, align: 4 }, { name: 'pclines', elem: 24, align: 8 },
  { name: 'strings', elem: 1, align: 1 }, { name: 'stringOffsets', elem: 4, align: 4 },
  { name: 'hash', elem: 2, align: 2 }, { name: 'symbolIndex', elem: 16, align: 8 },
  { name: 'entrySites', elem: 16, align: 8 }, { name: 'pcSites', elem: 16, align: 8 },
] as const;
type SectionName = (typeof SIDECAR_SECTIONS)[number]['name'];

export interface Sidecar {
  path: string;
  machine: 'x86_64' | 'aarch64';
  /** Link-time image base: site pcs are offsets from it. */
  imageBase: number;
  textStart: number;
  textEnd: number;
  /** SHA-256 of the executable before llgo detached the tables; the image keeps it in __llgo_pclntab_identity. */
  identity: Buffer;
  /** Each section's bytes (a view of the file) and element count. */
  sections: Record<SectionName, { bytes: Buffer; count: number }>;
}

/** The conventional place of an executable's sidecar. */
export function sidecarPath(exe: string): string {
  return `${exe}.pclntab`;
}

function u64(b: Buffer, off: number, bad: (w: string) => LlgiError, what: string): number {
  const v = b.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`${what} 0x${v.toString(16)} is out of range`);
  return Number(v);
}

/** Parses and validates a sidecar's header and section layout (LLGI_LLGO_INVALID on any fault). */
export function parseSidecar(buf: Buffer, path: string): Sidecar {
  const bad = (why: string) => new LlgiError('LLGI_LLGO_INVALID', `${path}: llgo sidecar: ${why}`);
  if (buf.length < SIDECAR_HEADER || buf.toString('latin1', 0, 8) !== LLGOPCL1) throw bad(`no ${LLGOPCL1} magic in a ${SIDECAR_HEADER}-byte header`);
  const version = buf.readUInt32LE(8);
  if (version !== SIDECAR_VERSION) throw bad(`version ${version} is not supported (only ${SIDECAR_VERSION})`);
  if (buf.readUInt32LE(12) !== SIDECAR_HEADER) throw bad(`header size ${buf.readUInt32LE(12)}, expected ${SIDECAR_HEADER}`);
  if (buf[16] !== 8 || buf[17] !== 1) throw bad(`pointer size ${buf[16]} / endianness ${buf[17]}: only 8-byte little-endian targets exist`);
  if (buf[18] !== 1) throw bad(`GOOS code ${buf[18]} is not linux`);
  const machine = buf[19] === 1 ? 'x86_64' : buf[19] === 2 ? 'aarch64' : null;
  if (!machine) throw bad(`GOARCH code ${buf[19]} is neither amd64 nor arm64`);
  if (buf.readUInt32LE(20) !== SIDECAR_ABI_VERSION) throw bad(`ABI version ${buf.readUInt32LE(20)}, expected ${SIDECAR_ABI_VERSION}`);
  const size = u64(buf, 24, bad, 'file size');
  if (size !== buf.length) throw bad(`header says ${size} bytes, the file has ${buf.length}`);
  const sum = buf.readBigUInt64LE(32);
  const got = fnv1a64(buf.subarray(SIDECAR_HEADER));
  if (sum !== got) throw bad(`payload checksum 0x${got.toString(16)} does not match the header's 0x${sum.toString(16)}`);
  const imageBase = u64(buf, 40, bad, 'image base');
  const textStart = u64(buf, 48, bad, 'text start');
  const textEnd = u64(buf, 56, bad, 'text end');
  if (textEnd <= textStart) throw bad(`text range [0x${textStart.toString(16)}, 0x${textEnd.toString(16)}) is empty`);
  const sections = {} as Sidecar['sections'];
  const spans: [number, number, string][] = [];
  SIDECAR_SECTIONS.forEach(({ name, elem, align }, i) => {
    const off = u64(buf, 96 + 16 * i, bad, `${name} offset`);
    const count = u64(buf, 104 + 16 * i, bad, `${name} count`);
    if (off < SIDECAR_HEADER || off > buf.length || count > (buf.length - off) / elem) throw bad(`section ${name} (offset ${off}, ${count} x ${elem} bytes) is outside the file`);
    if (off % align) throw bad(`section ${name} at offset ${off} is not ${align}-byte aligned`);
    sections[name] = { bytes: buf.subarray(off, off + count * elem), count };
    if (count) spans.push([off, off + count * elem, name]);
  });
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw bad(`sections ${spans[i - 1][2]} and ${spans[i][2]} overlap`);
  }
  const strings = sections.strings;
  if (strings.count && strings.bytes[strings.count - 1] !== 0) throw bad('the string pool does not end with a NUL');
  return { path, machine, imageBase: imageBase, textStart: imageBase + textStart, textEnd: imageBase + textEnd, identity: buf.subarray(64, 96), sections };
}

/** Reads a sidecar file (LLGI_IO when it cannot be read, LLGI_LLGO_INVALID when it is not a valid one). */
export function readSidecar(path: string): Sidecar {
  let buf: Buffer;
  try {
    const st = fs.statSync(path);
    if (st.size > SIDECAR_MAX) throw new LlgiError('LLGI_LLGO_INVALID', `${path}: llgo sidecar of ${st.size} bytes is larger than llgo reads (${SIDECAR_MAX})`);
    buf = fs.readFileSync(path);
  } catch (e) {
    if (e instanceof LlgiError) throw e;
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new LlgiError('LLGI_IO', `${path}: cannot read llgo sidecar (${why})`, { cause: e });
  }
  return parseSidecar(buf, path);
}
