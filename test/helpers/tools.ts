// Which toolchains the tests need, and the CI rule: with LLGI_REQUIRE_ALL=1 a
// missing tool fails the test that needs it instead of skipping it.

import test, { type ImplementationFn } from 'ava';
import { which } from '../../compiler/toolchain/cc';

export const REQUIRE_ALL = process.env.LLGI_REQUIRE_ALL === '1';

export const tools = {
  gcc: which('gcc'),
  clang: which('clang-19'),
  llvmSymbolizer: which('llvm-symbolizer-19'),
  llvmDwarfdump: which('llvm-dwarfdump-19'),
  addr2line: which('addr2line'),
  readelf: which('readelf'),
  strip: which('strip'),
  objcopy: which('objcopy'),
};
export type Tool = keyof typeof tools;

/**
 * Declares a test needing `needs`. When a tool is missing the test is skipped
 * (and says so in its title), unless LLGI_REQUIRE_ALL=1, where it fails.
 */
export function testWith(needs: Tool[], title: string, fn: ImplementationFn<[]>): void {
  const missing = needs.filter((n) => !tools[n]);
  if (!missing.length) {
    test(title, fn);
  } else if (REQUIRE_ALL) {
    test(title, (t) => t.fail(`required tool(s) missing: ${missing.join(', ')} (LLGI_REQUIRE_ALL=1)`));
  } else {
    test.skip(`${title} [needs ${missing.join(', ')}]`, fn);
  }
}
