// Loads the native addon (built by node-gyp at install, found by `bindings`).

import { LlgiError } from '../compiler/errors';

export interface NativeTable {
  frames(addrs: BigUint64Array, returnAddresses: boolean): Uint32Array;
  findFunc(addr: bigint): number;
  info(): { textStart: bigint; textLen: number; nfunc: number; maxDepth: number; stringsOffset: number };
}

export interface NativeAddon {
  Table: new (table: Buffer) => NativeTable;
  tableHeaderSize: number;
}

let addon: NativeAddon | undefined;

export function native(): NativeAddon {
  if (!addon) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      addon = require('bindings')('llgi') as NativeAddon;
    } catch (e) {
      throw new LlgiError('LLGI_NATIVE', `the llgo-introspect native addon is not built or cannot load (run \`npm rebuild llgo-introspect\`): ${(e as Error).message}`, { cause: e });
    }
  }
  return addon;
}

/** Adopts a table in the C reader; rejection becomes LlgiError('LLGI_TABLE_INVALID'). */
export function adoptTable(table: Buffer): NativeTable {
  const { Table } = native();
  try {
    return new Table(table);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'LLGI_TABLE_INVALID') throw new LlgiError(code, (e as Error).message);
    throw e;
  }
}
