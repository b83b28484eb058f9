// Parsing of user-supplied addresses (CLI words, JSON, API values).

import { LlgiError } from '../compiler/errors';

export type AddressLike = bigint | number | string;

const U64_MAX = (1n << 64n) - 1n;

/** "0x1a2b", "1a2b" is not accepted (ambiguous); decimal "6699"; bigint; safe integer. */
export function parseAddress(a: AddressLike): bigint {
  let v: bigint;
  if (typeof a === 'number' && a >= 0 && Number.isSafeInteger(a)) return BigInt(a); // the common, cheap case
  if (typeof a === 'bigint') {
    v = a;
  } else if (typeof a === 'number') {
    if (!Number.isSafeInteger(a)) throw new LlgiError('LLGI_BAD_ADDRESS', `address ${a} is not a non-negative safe integer (pass a bigint)`);
    v = BigInt(a);
  } else if (typeof a === 'string' && /^(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(a.trim())) {
    v = BigInt(a.trim());
  } else {
    throw new LlgiError('LLGI_BAD_ADDRESS', `malformed address ${JSON.stringify(a)}: expected 0x-prefixed hex or decimal`);
  }
  if (v < 0n || v > U64_MAX) throw new LlgiError('LLGI_BAD_ADDRESS', `address ${a} is outside 0..2^64-1`);
  return v;
}
