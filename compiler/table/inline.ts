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

function paintInto(map: AddrDieMap, d: Subroutine, parent: Subroutine | null, parents: Map<Subroutine, Subroutine | null>): void {
  parents.set(d, parent);
  for (const r of d.ranges) map.paint(r, d);
  for (const c of d.children) paintInto(map, c, d, parents);
}

/** Non-overlapping intervals of a painted map: each entry up to the next one. */
function intervals(e: Entry[], out: Interval<Subroutine>[]): void {
  for (let i = 0; i < e.length; i++) {
    const hi = i + 1 < e.length ? Math.min(e[i].hi, e[i + 1].lo) : e[i].hi;
    if (e[i].lo < hi) out.push({ lo: e[i].lo, hi, value: e[i].die });
  }
}

/**
 * Paints every subroutine of a unit. `parents` receives each DIE's nearest
 * enclosing subroutine (null for top-level ones), which is how llvm walks an
 * inlined chain outward.
 *
 * Painting is local to each top-level subprogram's tree (its children lie
 * inside it), which keeps every map small; only when two trees overlap does
 * the order between trees matter, and then the whole unit is painted as one
 * map, exactly as LLVM does.
 */
export function paintUnit(tops: Subroutine[], parents: Map<Subroutine, Subroutine | null>): Interval<Subroutine>[] {
  const out: Interval<Subroutine>[] = [];
  for (const t of tops) {
    const map = new AddrDieMap();
    paintInto(map, t, null, parents);
    intervals(map.entries, out);
  }
  out.sort((a, b) => a.lo - b.lo);
  if (out.every((iv, i) => i === 0 || out[i - 1].hi <= iv.lo)) return out;
  const map = new AddrDieMap();
  for (const t of tops) paintInto(map, t, null, parents);
  const whole: Interval<Subroutine>[] = [];
  intervals(map.entries, whole);
  return whole;
}
