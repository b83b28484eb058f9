// Reads a stream line by line as it arrives: each batch of complete lines is
// handed over before the next read, so a coprocess that writes one line and
// waits gets its answer (docs/symbolization.md, "The symbolize command").

import type { Readable } from 'node:stream';

/** The lines of a batch, "\n" or "\r\n" ended (the last one may be unended). */
export function linesOf(batch: Buffer): string[] {
  const lines = batch.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * Calls onBatch with each chunk's complete lines, as bytes ending at a "\n",
 * and with a last unended line at the end. Lines are split on the byte
 * "\n", which no multi-byte UTF-8 character contains, so each batch decodes
 * on its own.
 */
export function eachLineBatch(input: Readable, onBatch: (batch: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let partial: Buffer = Buffer.alloc(0);
    const deliver = (batch: Buffer) => {
      try {
        onBatch(batch);
      } catch (e) {
        input.destroy();
        reject(e);
      }
    };
    input.on('data', (chunk: Buffer) => {
      const end = chunk.lastIndexOf(10);
      if (end < 0) {
        partial = Buffer.concat([partial, chunk]);
        return;
      }
      const batch = partial.length ? Buffer.concat([partial, chunk.subarray(0, end + 1)]) : chunk.subarray(0, end + 1);
      partial = Buffer.from(chunk.subarray(end + 1));
      deliver(batch);
    });
    input.on('end', () => {
      if (partial.length) deliver(partial);
      resolve();
    });
    input.on('error', reject);
  });
}
