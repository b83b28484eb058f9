// gc's spelling of a subject compiler's function names, so that stacks align
// by function: the one place where each subject's naming scheme is mapped
// (docs/conformance.md, "How stacks are compared").

import { gcName } from '../../compiler/llgo/names';

/**
 * gccgo's names in gc's spelling: package initialisers `p.p..init0` are gc's
 * `p.init.0`, closures `f..func1` are `f.func1`. Receiver kinds are not in
 * gccgo's names (`T.M` for a pointer method), so those stay and are
 * classified instead (deviations.ts).
 */
export function gccgoToGc(name: string): string {
  const init = /^(.+)\.\1\.\.init(\d+)$/.exec(name);
  if (init) return `${init[1]}.init.${init[2]}`;
  return name.replace(/\.\.func(\d+)/g, '.func$1');
}

/** gc's spelling of `name` as `subject` prints it. */
export function spelled(subject: string, name: string): string {
  if (subject === 'llgo') return gcName(name);
  if (subject === 'gccgo') return gccgoToGc(name);
  return name;
}
