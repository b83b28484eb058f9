// Which toolchains the tests need, and the CI rule: with LLGI_REQUIRE_ALL=1 a
// missing tool fails the test that needs it instead of skipping it.

import test, { type ImplementationFn } from 'ava';
import fs from 'node:fs';
import { which } from '../../compiler/toolchain/cc';

export const REQUIRE_ALL = process.env.LLGI_REQUIRE_ALL === '1';

/** A shared library's path in the usual library directories, or null. */
function findLibrary(name: string): string | null {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu',
    '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  for (const d of dirs) if (fs.existsSync(`${d}/${name}`)) return `${d}/${name}`;
  return null;
}

export const tools = {
  gcc: which('gcc'),
  clang: which('clang-19'),
  gxx: which('g++'),
  clangxx: which('clang++-19'),
  /** clang-19 -fuse-ld=lld */
  lld: which('ld.lld-19'),
  /** The Boehm GC (Debian's libgc1), linked by path: its headers are not needed. */
  libgc: findLibrary('libgc.so.1'),
  llvmSymbolizer: which('llvm-symbolizer-19'),
  llvmDwarfdump: which('llvm-dwarfdump-19'),
  llvmNm: which('llvm-nm-19'),
  addr2line: which('addr2line'),
  readelf: which('readelf'),
  /** Debian's aarch64 cross compiler and qemu-user: aarch64 runs under emulation. */
  aarch64Gcc: which('aarch64-linux-gnu-gcc'),
  qemuAarch64: which('qemu-aarch64'),
  /** CMake, for the second build description (docs/building.md). */
  cmake: which('cmake'),
  /** clang-19's sanitizer runtimes (Debian's libclang-rt-19-dev). */
  clangAsan: fs.existsSync('/usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.asan-x86_64.a') ? 'libclang-rt-19-dev' : null,
  /** elfutils' eu-stack: the oracle for core files. */
  euStack: which('eu-stack'),
  strip: which('strip'),
  objcopy: which('objcopy'),
  /** The Go toolchain at /usr/local/go (not Debian's golang-go): `go tool pprof` reads our profiles. */
  go: fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null,
  /** Debian's gccgo, a conformance subject (built through the go command's -compiler gccgo). */
  gccgo: which('gccgo'),
  /** util-linux script: runs a command on a pseudo-terminal (the CLI's terminal-only progress line). */
  script: which('script'),
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
