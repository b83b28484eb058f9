// The C runtime's sources as native/sources.json lists them for both builds:
// the portable files of runtime/src and this platform's own files under
// runtime/src/<platform>, whose directory is on the include path too (its
// inline headers; docs/porting.md). Tests and benchmarks that build part of
// the runtime into a probe take their files and flags from here.

import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export interface SourceList {
  addon: string[];
  runtime: string[];
  /** Per platform, keyed as node's process.platform names it. */
  platform: Record<string, string[]>;
}

export const SOURCES = JSON.parse(fs.readFileSync(path.join(ROOT, 'native', 'sources.json'), 'utf8')) as SourceList;

/** The platform the runtime is built for here (the probes cross-compiled for aarch64 are Linux too). */
export const PLATFORM = process.platform;

/** -I flags for code that includes the runtime's headers, internal ones included. */
export const RUNTIME_INCLUDES = [`-I${path.join(ROOT, 'runtime', 'include')}`, `-I${path.join(ROOT, 'runtime', 'src', PLATFORM)}`];

/** Every runtime source of this platform, absolute. */
export function allRuntimeSources(): string[] {
  return [...SOURCES.runtime, ...(SOURCES.platform[PLATFORM] ?? [])].map((f) => path.join(ROOT, f));
}

/** The runtime sources named by file stem ('walk', 'procmaps'), absolute, wherever the list puts them. */
export function runtimeSources(...stems: string[]): string[] {
  const all = allRuntimeSources();
  return stems.map((s) => {
    const hit = all.filter((f) => path.basename(f) === `${s}.c`);
    if (hit.length !== 1) throw new Error(`native/sources.json: ${hit.length} runtime sources named ${s}.c`);
    return hit[0];
  });
}

/** What a frame-pointer walk (llgi_walk.h) links (CMakeLists.txt: LLGI_WALK_SOURCES). */
export const WALK_SOURCES = ['walk', 'registry', 'stackmap', 'procmaps', 'threadstack', 'table'];
/** What the interposer (llgi_interpose.h) links without the sampler (CMakeLists.txt: LLGI_INTERPOSE_FILES). */
export const INTERPOSE_SOURCES = ['interpose', 'image', 'gotslots', 'dynamic', 'procmaps'];
