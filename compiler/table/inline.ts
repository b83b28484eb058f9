// Address -> innermost subroutine DIE of one compile unit, painted exactly as
// LLVM's DWARFUnit::updateAddressDieMap paints its AddrDieMap (what
// llvm-symbolizer's inlined-chain lookup reads): DIEs in depth-first order,
// each range written over what is below it, splitting at most the one range
// it starts inside.

import type { Range, Subroutine } from '../dwarf/info';
import type { Interval } from './intervals';

interface Entry {
  lo: number;
  hi: number;
  die: Subroutine;
}

/** Sorted-by-lo array with std::map's upper_bound / operator[] semantics. */
class AddrDieMap {
  readonly entries: Entry[] = [];

  /** Index of the first entry with lo > key. */
  upperBound(key: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid].lo <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(lo: number, hi: number, die: Subroutine): void {
    const i = this.upperBound(lo);
    if (i > 0 && this.entries[i - 1].lo === lo) this.entries[i - 1] = { lo, hi, die };
    else this.entries.splice(i, 0, { lo, hi, die });
  }

  paint(r: Range, die: Subroutine): void {
    const [lo, hi] = r;
    if (lo === hi) return;
    const b = this.upperBound(lo);
    if (b > 0 && lo < this.entries[b - 1].hi) {
      const prev = this.entries[b - 1];
      if (hi < prev.hi) this.set(hi, prev.hi, prev.die);
      if (lo > prev.lo) this.entries[b - 1] = { lo: prev.lo, hi: lo, die: prev.die };
    }
    this.set(lo, hi, die);
  }
}

/**
 * Paints every subroutine of a unit. `parents` receives each DIE's nearest
 * enclosing subroutine (null for top-level ones), which is how llvm walks an
 * inlined chain outward.
 */
export function paintUnit(tops: Subroutine[], parents: Map<Subroutine, Subroutine | null>): Interval<Subroutine>[] {
  const map = new AddrDieMap();
  const visit = (d: Subroutine, parent: Subroutine | null) => {
    parents.set(d, parent);
    for (const r of d.ranges) map.paint(r, d);
    for (const c of d.children) visit(c, d);
  };
  for (const t of tops) visit(t, null);
  const e = map.entries;
  const out: Interval<Subroutine>[] = [];
  for (let i = 0; i < e.length; i++) {
    const hi = i + 1 < e.length ? Math.min(e[i].hi, e[i + 1].lo) : e[i].hi;
    if (e[i].lo < hi) out.push({ lo: e[i].lo, hi, value: e[i].die });
  }
  return out;
}
