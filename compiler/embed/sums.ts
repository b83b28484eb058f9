// The checksum index postlink writes after an embedded table (docs/embedding.md,
// "Checksum index"; runtime/include/llgi_table.h is the authority). It lets
// the runtime adopt the table in O(1) and validate each part of it at first
// use: one checksum per 4 KiB chunk of the table, and one per page of 1024
// chunk checksums, which the index's own checksum covers.
//
// Layout (little-endian, at the first 8-byte boundary after the table):
//   0  "LLGISUM1"     8  checksum of bytes [12, 32 + 4 * npages)
//   12 chunk size = 4096   16 nchunks   20 max_depth   24 table size
//   28 checksum of the table's 96-byte header
//   32 page sums [npages]  then chunk sums [nchunks]

import { HEADER_SIZE, tableChecksum } from '../table/format';

export const SUMS_MAGIC = 'LLGISUM1';
export const SUMS_HEADER_SIZE = 32;
export const SUMS_CHUNK = 4096;
export const SUMS_PAGE = 1024;

/** Index field offsets. */
export const X = { magic: 0, checksum: 8, chunk: 12, nchunks: 16, maxDepth: 20, tableSize: 24, headerSum: 28 } as const;

/** Bytes of the index of a `tableSize`-byte table. */
export function sumsSize(tableSize: number): number {
  const nchunks = Math.ceil(tableSize / SUMS_CHUNK);
  return SUMS_HEADER_SIZE + 4 * (Math.ceil(nchunks / SUMS_PAGE) + nchunks);
}

/**
 * The index of `table`. `maxDepth` is the deepest inline chain + 1, as the C
 * reader computes it on whole adoption: first-use validation refuses a chain
 * deeper than this, and lookups size their output by it.
 */
export function buildSums(table: Buffer, maxDepth: number): Buffer {
  const nchunks = Math.ceil(table.length / SUMS_CHUNK);
  const npages = Math.ceil(nchunks / SUMS_PAGE);
  const out = Buffer.alloc(sumsSize(table.length));
  const chunkAt = SUMS_HEADER_SIZE + 4 * npages;
  for (let k = 0; k < nchunks; k++) {
    out.writeUInt32LE(tableChecksum(table, k * SUMS_CHUNK, Math.min((k + 1) * SUMS_CHUNK, table.length)), chunkAt + 4 * k);
  }
  for (let p = 0; p < npages; p++) {
    const lo = chunkAt + 4 * p * SUMS_PAGE;
    out.writeUInt32LE(tableChecksum(out, lo, Math.min(lo + 4 * SUMS_PAGE, out.length)), SUMS_HEADER_SIZE + 4 * p);
  }
  out.write(SUMS_MAGIC, X.magic, 'latin1');
  out.writeUInt32LE(SUMS_CHUNK, X.chunk);
  out.writeUInt32LE(nchunks, X.nchunks);
  out.writeUInt32LE(maxDepth, X.maxDepth);
  out.writeUInt32LE(table.length, X.tableSize);
  out.writeUInt32LE(tableChecksum(table, 0, Math.min(HEADER_SIZE, table.length)), X.headerSum);
  out.writeUInt32LE(tableChecksum(out, X.chunk, chunkAt), X.checksum);
  return out;
}
