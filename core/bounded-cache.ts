// A map with a hard bound on entries and on their total weight (e.g. characters of the keys), for memoizing pure
// functions on the processor's hot path: memory stays bounded however many distinct inputs a long-lived Lambda
// sees. Oldest-first eviction: a hit costs one Map lookup, no reordering, which matters more on the hot path than
// keeping the most-used entries a little longer. The insertion order lives in its own queue: evicting by iterating
// the Map from its start would step over every slot deleted before, which grows with each eviction.

export interface BoundedCacheOptions<K> {
  /** at most this many entries */
  maxEntries: number;
  /** at most this much total weight; an entry heavier than this on its own is never kept */
  maxWeight?: number;
  /** the weight of one entry (default 1) */
  weight?: (key: K) => number;
}

export class BoundedCache<K, V> {
  private readonly map = new Map<K, { value: V; weight: number }>();
  /** keys in insertion order from `head` on (each key once) */
  private order: K[] = [];
  private head = 0;
  private total = 0;

  constructor(private readonly opts: BoundedCacheOptions<K>) {}

  get size(): number {
    return this.map.size;
  }

  get weight(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    return this.map.get(key)?.value;
  }

  set(key: K, value: V): void {
    const weight = this.opts.weight?.(key) ?? 1;
    const max = this.opts.maxWeight ?? Infinity;
    const old = this.map.get(key);
    if (weight > max) {
      // never kept, and no older value of the key may be read in its place
      if (old) {
        this.map.delete(key);
        this.total -= old.weight;
      }
      return;
    }
    if (old) {
      // a new value for a key keeps the key's place in line
      this.total += weight - old.weight;
      old.value = value;
      old.weight = weight;
    } else {
      this.map.set(key, { value, weight });
      this.order.push(key);
      this.total += weight;
    }
    while (this.map.size > this.opts.maxEntries || this.total > max) {
      const oldest = this.order[this.head++]!;
      // a key dropped for its weight may still be in line (and again, when set anew): only a live entry counts
      const entry = this.map.get(oldest);
      if (!entry) continue;
      this.total -= entry.weight;
      this.map.delete(oldest);
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.map.clear();
    this.order = [];
    this.head = 0;
    this.total = 0;
  }
}
