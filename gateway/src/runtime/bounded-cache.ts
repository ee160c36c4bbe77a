/**
 * A least-recently-used cache bounded by an estimate of the bytes its entries hold, not only by their number:
 * entries are as large as clients make them (a 1 MiB document costs what 2,000 small ones do), so a count alone
 * bounds nothing. Sizes are the caller's estimates; an entry larger than a quarter of the budget is not kept
 * (it would evict most of the working set for one caller's document).
 */
export class ByteBoundedCache<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private total = 0;

  constructor(readonly maxBytes: number, readonly maxEntries = Infinity) {}

  get size(): number { return this.entries.size; }
  /** Estimated bytes held. */
  get bytes(): number { return this.total; }

  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key); // re-insert: Map order doubles as recency order
    this.entries.set(key, e);
    return e.value;
  }

  has(key: K): boolean { return this.entries.has(key); }

  /** Stores the entry (replacing any) unless it alone exceeds a quarter of the budget; returns whether it was kept. */
  set(key: K, value: V, bytes: number): boolean {
    this.delete(key);
    if (bytes > this.maxBytes / 4) return false;
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    this.evict();
    return true;
  }

  /** An entry grew (e.g. a document gained a prepared operation); false when it is not (or no longer) cached. */
  grow(key: K, bytes: number): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    e.bytes += bytes;
    this.total += bytes;
    if (e.bytes > this.maxBytes / 4) { this.delete(key); return false; }
    this.evict();
    return this.entries.has(key);
  }

  delete(key: K): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.total -= e.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  private evict(): void {
    while ((this.total > this.maxBytes || this.entries.size > this.maxEntries) && this.entries.size) {
      const oldest = this.entries.keys().next().value as K;
      this.delete(oldest);
    }
  }
}
