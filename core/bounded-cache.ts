// A map with a hard bound on entries and on their total weight (e.g. characters of the keys), for memoizing pure
// functions on the processor's hot path: memory stays bounded however many distinct inputs a long-lived Lambda
// sees. Oldest-first eviction (a Map keeps insertion order): a hit costs one Map lookup, no reordering, which
// matters more on the hot path than keeping the most-used entries a little longer.

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
    if (old) {
      this.map.delete(key);
      this.total -= old.weight;
    }
    if (weight > max) return;
    this.map.set(key, { value, weight });
    this.total += weight;
    if (this.map.size <= this.opts.maxEntries && this.total <= max) return;
    for (const [k, e] of this.map) {
      if (this.map.size <= this.opts.maxEntries && this.total <= max) break;
      this.map.delete(k);
      this.total -= e.weight;
    }
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
