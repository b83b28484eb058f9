// Half-open address intervals carrying a value, and the two operations the
// builder needs on sorted, non-overlapping lists of them.

export interface Interval<T> {
  lo: number;
  hi: number;
  value: T;
}

/** The parts of sorted, non-overlapping `items` inside sorted, non-overlapping `regions`. */
export function clip<T>(items: Interval<T>[], regions: { lo: number; hi: number }[]): Interval<T>[] {
  const out: Interval<T>[] = [];
  let i = 0;
  for (const r of regions) {
    while (i < items.length && items[i].hi <= r.lo) i++;
    for (let j = i; j < items.length && items[j].lo < r.hi; j++) {
      const lo = Math.max(items[j].lo, r.lo);
      const hi = Math.min(items[j].hi, r.hi);
      if (lo < hi) out.push({ lo, hi, value: items[j].value });
    }
  }
  return out;
}

/**
 * Change points of `items` (sorted, non-overlapping) inside [lo, hi): one
 * point per interval start, a `gap` point where an interval ends before the
 * next one (or before hi) starts, and equal neighbours merged. `start` is the
 * index in `items` to begin scanning at; returns the points and the index to
 * resume from for the next, higher window.
 */
export function pointsIn<T>(
  items: Interval<T>[], start: number, lo: number, hi: number, gap: T, same: (a: T, b: T) => boolean,
): { points: { pc: number; value: T }[]; next: number } {
  let i = start;
  while (i < items.length && items[i].hi <= lo) i++;
  const points: { pc: number; value: T }[] = [];
  let end = lo; // where the last emitted interval ends
  const push = (pc: number, value: T) => {
    const last = points[points.length - 1];
    if (last && same(last.value, value)) return;
    if (!last && value === gap) return; // nothing before the first point anyway
    points.push({ pc, value });
  };
  let j = i;
  for (; j < items.length && items[j].lo < hi; j++) {
    const a = Math.max(items[j].lo, lo);
    const b = Math.min(items[j].hi, hi);
    if (a >= b) continue;
    if (a > end && points.length) push(end, gap);
    push(a, items[j].value);
    end = b;
  }
  if (points.length && end < hi) push(end, gap);
  // The last interval may continue into the next window.
  return { points, next: Math.max(i, j - 1) };
}
