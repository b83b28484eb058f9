// One input of `symbolize`, read as llvm-symbolizer-19 reads its stdin lines
// and positional words (docs/symbolization.md, "The symbolize command"):
//
//   [CODE ] [FILE:]<module> <address> [ignored...]   without --obj
//   [CODE ] <address> [ignored...]                   with --obj
//
// A module may be quoted ("..." or '...', no escapes) to hold spaces; words
// are separated by spaces or tabs (llvm-symbolizer: spaces only). What we
// cannot answer as llvm would is refused with a typed error rather than
// answered differently: DATA and BUILDID: lookups, symbol names, and decimal
// with a leading zero (llvm-symbolizer reads 010 as octal, as it reads 0b and 0o).

import { LlgiError, isLlgiError } from '../../compiler/errors';
import { parseAddress } from '../address';

export interface Query {
  /** The module the address belongs to: the one on the line, else the --obj file. */
  module: string;
  /** The address as written ("" when the line has none). */
  address: string;
  /** Its value; null for a blank input (answered "?", not an error) or a bad one. */
  value: bigint | null;
  /** Why the input cannot be answered. */
  error?: LlgiError;
}

const GAP = /^[ \t]+/;

/** The line most inputs are: a bare 0x address of at most 64 bits, with the binary given. */
const BARE_HEX = /^0[xX][0-9a-fA-F]{1,16}$/;

export function parseQuery(input: string, obj?: string): Query {
  if (obj !== undefined && BARE_HEX.test(input)) return { module: obj, address: input, value: BigInt(input) };
  let rest = input.replace(GAP, '');
  const word = (): string => {
    const w = /^[^ \t]*/.exec(rest)![0];
    rest = rest.slice(w.length).replace(GAP, '');
    return w;
  };
  if (!rest) return { module: obj ?? '', address: '', value: null };
  let error: LlgiError | undefined;
  const fail = (e: LlgiError) => {
    error ??= e;
  };
  if (/^DATA[ \t]/.test(rest)) fail(new LlgiError('LLGI_BAD_ARGUMENT', 'DATA lookups (data symbols) are not supported; only CODE'));
  if (/^(CODE|DATA)[ \t]/.test(rest)) word();
  let module = obj;
  if (module === undefined) {
    if (rest.startsWith('BUILDID:')) fail(new LlgiError('LLGI_BAD_ARGUMENT', 'BUILDID: lookups are not supported; name the file'));
    if (rest.startsWith('FILE:')) rest = rest.slice('FILE:'.length);
    const quote = rest[0];
    const end = quote === '"' || quote === "'" ? rest.indexOf(quote, 1) : -1;
    if (end > 0) {
      module = rest.slice(1, end);
      rest = rest.slice(end + 1).replace(GAP, '');
    } else {
      if (quote === '"' || quote === "'") fail(new LlgiError('LLGI_BAD_ARGUMENT', `unterminated ${quote} in module name ${rest}`));
      module = word();
    }
  }
  const address = word();
  let value: bigint | null = null;
  if (!address) {
    const hint = obj === undefined ? ' (for lines of bare addresses, name the binary with --obj)' : '';
    fail(new LlgiError('LLGI_BAD_ADDRESS', `no address after module ${JSON.stringify(module)}${hint}`));
  } else if (/^0[0-9]/.test(address)) {
    fail(new LlgiError('LLGI_BAD_ADDRESS', `address ${JSON.stringify(address)} has a leading zero, which llvm-symbolizer reads as octal: write it as 0x hex or decimal without the zero`));
  } else {
    try {
      value = parseAddress(address);
    } catch (e) {
      if (!isLlgiError(e)) throw e;
      fail(e);
    }
  }
  return error ? { module, address, value: null, error } : { module, address, value };
}
