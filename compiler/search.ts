// Binary search over lists sorted by a numeric key.

/** How many leading elements of `list` (sorted by `key`) have key <= k: the index of the first above k. */
export function countAtOrBelow<T>(list: readonly T[], k: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(list[mid]) <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
