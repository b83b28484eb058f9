// Reads a stream line by line as it arrives: each batch of complete lines is
// handed over before the next read, so a coprocess that writes one line and
// waits gets its answer (docs/symbolization.md, "The symbolize command").

import type { Readable } from 'node:stream';

/** Calls onLines with each chunk's complete lines ("\n" or "\r\n" ended), and a last unterminated line at the end. */
export function eachLines(input: Readable, onLines: (lines: string[]) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let partial = '';
    const deliver = (lines: string[]) => {
      try {
        onLines(lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)));
      } catch (e) {
        input.destroy();
        reject(e);
      }
    };
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      if (lines.length) deliver(lines);
    });
    input.on('end', () => {
      if (partial) deliver([partial]);
      resolve();
    });
    input.on('error', reject);
  });
}
