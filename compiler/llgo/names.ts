// llgo's function names and gc's spelling of the same functions
// (docs/llgo-format.md §8).

import { funcNameForPrint } from '../table/goname';

/** §8.3: what llgo's runtime prints for a stored or dladdr name. */
export function publicName(name: string): string {
  const s = name.startsWith('_') ? name.slice(1) : name;
  return s.startsWith('command-line-arguments.') ? `main.${s.slice('command-line-arguments.'.length)}` : s;
}

/**
 * gc's name for an llgo function (§8.2's table, RECOMMENDATION): closures
 * `$1$2` -> `.func1.2`, type arguments -> `[...]` (gc's funcNameForPrint,
 * compiler/table/goname.ts; the table builder spells gc binaries' names by the same rule in C), `init#k` -> `init.(k-1)`,
 * `$bound` -> `-fm`. Accepts llgo's linker symbol or its display name (whose
 * trailing `$N` llgo already spelled `.funcN`).
 */
export function gcName(name: string): string {
  let s = publicName(name);
  s = funcNameForPrint(s);
  s = s.replace(/\$bound$/, '-fm');
  if (s.includes('$')) s = s.replace(/\.func(\d+)$/, '$$$1');
  let first = true;
  s = s.replace(/\$(\d+)/g, (_, n: string) => {
    const r = first ? `.func${n}` : `.${n}`;
    first = false;
    return r;
  });
  return s.replace(/\binit#(\d+)/g, (_, k: string) => `init.${Number(k) - 1}`);
}
