// Lays a TableModel out as LLGI table bytes (docs/table-format.md). The only
// encoder of the format; runtime/src/table.c is the only decoder.

import { LlgiError } from '../errors';
import {
  BUCKET_SIZE, ELEM_SIZE, FUNC_DWARF, FUNC_LLGO_LINES, FUNC_LLGO_NAME, FUNC_SIZED, FUNC_SYMTAB, FUNC_WRAPPER, H, HEADER_SIZE, MAGIC, NONE, SECTIONS,
  SUBBUCKETS, SUBBUCKET_SIZE, SectionName, VERSION, CHECKSUM_START, tableChecksum,
} from './format';
import { TableModel } from './model';

/** Interns strings; offset 0 is always "". */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly parts: Buffer[] = [];
  size = 0;

  constructor() {
    this.add('');
  }

  add(s: string): number {
    let off = this.offsets.get(s);
    if (off === undefined) {
      off = this.size;
      const b = Buffer.from(s + '\0', 'utf8');
      this.parts.push(b);
      this.size += b.length;
      this.offsets.set(s, off);
    }
    return off;
  }

  opt(s: string | undefined): number {
    return s === undefined ? NONE : this.add(s);
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

const U32_MAX = 0xffffffff;

function checkU32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= U32_MAX) {
    throw new LlgiError('LLGI_TABLE_TOO_LARGE', `${what} (${v}) does not fit the table's 32-bit fields`);
  }
  return v;
}

/**
 * The findfunctab: per 256-byte sub-bucket, the index of the last function
 * starting at or before it (gc's linker rule), stored per 4 KiB bucket as a
 * base plus u16 deltas.
 */
function buildBuckets(ftab: Uint32Array, nfunc: number, textLen: number): Buffer {
  const nbuckets = Math.ceil(textLen / BUCKET_SIZE);
  const out = Buffer.alloc(nbuckets * ELEM_SIZE.buckets);
  let k = 0;
  for (let b = 0; b < nbuckets; b++) {
    const o = b * ELEM_SIZE.buckets;
    let base = 0;
    for (let j = 0; j < SUBBUCKETS; j++) {
      const sub = b * BUCKET_SIZE + j * SUBBUCKET_SIZE;
      while (k + 1 < nfunc && ftab[k + 1] <= sub) k++;
      if (j === 0) {
        base = k;
        out.writeUInt32LE(base, o);
      }
      // At most one function per byte of a 4 KiB bucket: always < 2^16.
      out.writeUInt16LE(k - base, o + 4 + 2 * j);
    }
  }
  return out;
}

export function writeTable(m: TableModel): Buffer {
  const nfunc = m.funcs.length;
  if (nfunc === 0) throw new LlgiError('LLGI_TABLE_INVALID', 'no functions to describe');
  const textLen = checkU32(m.textEnd - m.textStart, 'text length');
  const strings = new StringTable();

  const ftab = new Uint32Array(nfunc + 1);
  const funcs = Buffer.alloc(nfunc * ELEM_SIZE.funcs);
  let nrows = 0;
  let npaints = 0;
  for (const f of m.funcs) {
    nrows += f.lines.length;
    npaints += f.paints.length;
  }
  const rows = Buffer.alloc(checkU32(nrows, 'line rows') * ELEM_SIZE.rows);
  const paints = Buffer.alloc(checkU32(npaints, 'inline paints') * ELEM_SIZE.paints);
  let r = 0;
  let p = 0;
  m.funcs.forEach((f, i) => {
    ftab[i] = f.entry - m.textStart;
    const o = i * ELEM_SIZE.funcs;
    funcs.writeUInt32LE(strings.add(f.name), o);
    funcs.writeUInt32LE(strings.opt(f.declFile), o + 4);
    funcs.writeUInt32LE(f.declLine ?? 0, o + 8);
    funcs.writeUInt32LE(f.size ?? 0, o + 12);
    funcs.writeUInt32LE(r, o + 16);
    funcs.writeUInt32LE(f.lines.length, o + 20);
    funcs.writeUInt32LE(p, o + 24);
    funcs.writeUInt32LE(f.paints.length, o + 28);
    const flags = (f.fromSymtab ? FUNC_SYMTAB : 0) | (f.fromDwarf ? FUNC_DWARF : 0) | (f.size !== undefined ? FUNC_SIZED : 0)
      | (f.llgoName ? FUNC_LLGO_NAME : 0) | (f.llgoLines ? FUNC_LLGO_LINES : 0) | (f.wrapper ? FUNC_WRAPPER : 0);
    funcs.writeUInt32LE(flags, o + 32);
    funcs.writeUInt32LE(strings.opt(f.symFile), o + 36);
    for (const l of f.lines) {
      const ro = r++ * ELEM_SIZE.rows;
      rows.writeUInt32LE(l.pc - m.textStart, ro);
      rows.writeUInt32LE(strings.opt(l.file), ro + 4);
      rows.writeUInt32LE(l.line, ro + 8);
    }
    for (const pt of f.paints) {
      const po = p++ * ELEM_SIZE.paints;
      paints.writeUInt32LE(pt.pc - m.textStart, po);
      paints.writeUInt32LE(pt.node < 0 ? NONE : pt.node, po + 4);
    }
  });
  ftab[nfunc] = textLen;

  const nodes = Buffer.alloc(m.nodes.length * ELEM_SIZE.nodes);
  m.nodes.forEach((n, i) => {
    const o = i * ELEM_SIZE.nodes;
    nodes.writeUInt32LE(n.parent < 0 ? NONE : n.parent, o);
    nodes.writeUInt32LE(strings.add(n.name), o + 4);
    nodes.writeUInt32LE(strings.opt(n.callFile), o + 8);
    nodes.writeUInt32LE(n.callLine, o + 12);
  });

  const body: Record<SectionName, Buffer> = {
    ftab: Buffer.from(ftab.buffer, ftab.byteOffset, ftab.byteLength),
    buckets: buildBuckets(ftab, nfunc, textLen),
    funcs,
    rows,
    paints,
    nodes,
    strings: strings.bytes(),
  };
  const counts: Record<SectionName, number> = {
    ftab: nfunc + 1,
    buckets: body.buckets.length / ELEM_SIZE.buckets,
    funcs: nfunc,
    rows: nrows,
    paints: npaints,
    nodes: m.nodes.length,
    strings: body.strings.length,
  };

  // Sections follow the header in order, each 8-byte aligned.
  const offsets: number[] = [];
  let size = HEADER_SIZE;
  for (const s of SECTIONS) {
    size = (size + 7) & ~7;
    offsets.push(size);
    size += body[s].length;
  }
  size = (size + 7) & ~7;
  checkU32(size, 'table size');

  const out = Buffer.alloc(size);
  out.write(MAGIC, H.magic, 'latin1');
  out.writeUInt16LE(VERSION, H.version);
  out.writeUInt16LE(HEADER_SIZE, H.headerSize);
  out.writeUInt32LE(size, H.totalSize);
  out.writeUInt32LE(0, H.flags);
  out.writeBigUInt64LE(BigInt(m.textStart), H.textStart);
  out.writeUInt32LE(textLen, H.textLen);
  out.writeUInt32LE(nfunc, H.nfunc);
  SECTIONS.forEach((s, i) => {
    out.writeUInt32LE(offsets[i], H.sections + 8 * i);
    out.writeUInt32LE(counts[s], H.sections + 8 * i + 4);
    body[s].copy(out, offsets[i]);
  });
  out.writeUInt32LE(tableChecksum(out, CHECKSUM_START), H.checksum);
  return out;
}
