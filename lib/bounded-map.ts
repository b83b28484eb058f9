// A Map holding at most `max` entries: the oldest insertion goes first (FIFO).
// Caches of lookup answers use it so that their memory has a stated bound.
// A hit is one Map.get, the cheapest lookup a JS engine offers (an LRU such
// as lru-cache also reorders on every hit, which costs more than the hit).

export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /**
   * The keys in insertion order, as a ring once full: the oldest at `head`.
   * (Asking the Map for its first key instead costs time linear in the
   * entries deleted before it, in V8, until the Map is rehashed.)
   */
  private order: K[] = [];
  private head = 0;

  constructor(readonly max: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    if (!this.map.has(key)) {
      if (this.order.length < this.max) {
        this.order.push(key);
      } else {
        this.map.delete(this.order[this.head]);
        this.order[this.head] = key;
        this.head = (this.head + 1) % this.max;
      }
    }
    this.map.set(key, value);
  }

  /** Removes every entry whose value matches (O(size)). */
  deleteWhere(match: (value: V) => boolean): void {
    for (const [k, v] of this.map) if (match(v)) this.map.delete(k);
    if (this.map.size < this.order.length) {
      this.order = [...this.map.keys()];
      this.head = 0;
    }
  }
}
