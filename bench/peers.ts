// Symbolizer peers for the benchmarks: llvm-symbolizer-19 and binutils'
// addr2line from Debian, and the Rust peers gimli `addr2line` and blazesym's
// `blazecli`, installed by the benchmark itself with `cargo install` from
// crates.io into the fixture cache (<cache>/cargo-peers). They are peers to
// measure against, not dependencies of the package.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultCacheDir, which } from '../compiler/toolchain/cc';
import { timedRun } from './measure';

export interface Peer {
  name: string;
  /** The command and its arguments for a binary; addresses come on stdin, one per line, as 0x hex. */
  argv(binary: string): string[];
  /** Or, for a peer that reads no stdin, the addresses as arguments. */
  addressArgs?: boolean;
}

const CARGO_ROOT = path.join(defaultCacheDir(), 'cargo-peers');

/** A crate's binary from the cache, installed with cargo on first use; null when cargo is missing or fails. */
function cargoBinary(crate: string, bin: string, features: string[] = []): string | null {
  const exe = path.join(CARGO_ROOT, 'bin', bin);
  if (fs.existsSync(exe)) return exe;
  const cargo = which('cargo') ?? (fs.existsSync(path.join(process.env.HOME ?? '', '.cargo/bin/cargo')) ? path.join(process.env.HOME!, '.cargo/bin/cargo') : null);
  if (!cargo) return null;
  process.stderr.write(`installing ${crate} with cargo into ${CARGO_ROOT} (once; a few minutes)...\n`);
  const args = ['install', '--locked', '--root', CARGO_ROOT, crate, ...(features.length ? ['--features', features.join(',')] : [])];
  const r = spawnSync(cargo, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0 && fs.existsSync(exe) ? exe : null;
}

/** The peers found or installed on this machine, fastest-known first. */
export function symbolizerPeers(): Peer[] {
  const peers: Peer[] = [];
  const gimli = cargoBinary('addr2line', 'addr2line', ['bin']);
  if (gimli) peers.push({ name: 'gimli addr2line -f -i', argv: (b) => [gimli, '-f', '-i', '-e', b] });
  const blaze = cargoBinary('blazecli', 'blazecli');
  if (blaze) peers.push({ name: 'blazecli symbolize elf', argv: (b) => [blaze, 'symbolize', 'elf', '--path', b], addressArgs: true });
  const llvm = which('llvm-symbolizer-19');
  if (llvm) peers.push({ name: 'llvm-symbolizer-19', argv: (b) => [llvm, `--obj=${b}`] });
  const a2l = which('addr2line');
  if (a2l) peers.push({ name: 'binutils addr2line -f -i', argv: (b) => [a2l, '-f', '-i', '-e', b] });
  return peers;
}

/** One timed run of a peer on `binary`: the addresses (0x hex) on stdin, or as arguments where it reads no stdin. */
export function runPeer(p: Peer, binary: string, addrs: string[]): { ms: number; rssKiB: number; stdout: string } {
  const [cmd, ...args] = p.argv(binary);
  return p.addressArgs ? timedRun(cmd, [...args, ...addrs], '') : timedRun(cmd, args, addrs.join('\n') + '\n');
}
