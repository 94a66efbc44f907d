// A log-bucket latency histogram in the manner of HdrHistogram: values (integer microseconds) below
// 128 are counted exactly; above, each power-of-two range is cut into 64 equal buckets, so a
// reported value is within 1/64 (1.6 %) of the true one. Histograms from several worker processes
// merge by adding their buckets, and travel between processes as sparse [bucket, count] pairs.

const EXACT = 128;
const SUB_BUCKETS = 64;
const SUB_BITS = 6;
/** Buckets up to 2^38 µs (about 3 days): more than any bounded run records. */
const BUCKETS = EXACT + (38 - SUB_BITS - 1) * SUB_BUCKETS;

export interface SerializedHistogram {
  buckets: [number, number][];
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  /** Sum of the recorded values, for the mean. */
  sum = 0;
  min = Infinity;
  max = -Infinity;

  /** Records one value in microseconds (negative values count as 0, fractions are rounded). */
  record(micros: number): void {
    const value = micros > 0 ? Math.round(micros) : 0;
    this.counts[bucketOf(value)]++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Records a duration given in milliseconds. */
  recordMs(millis: number): void {
    this.record(millis * 1000);
  }

  /** The value (µs) at quantile q (0..1): the smallest recorded value with at least q of the count at or below it. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(Math.max(representative(i), this.min), this.max);
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  merge(other: Histogram | SerializedHistogram): void {
    const source = other instanceof Histogram ? other.serialize() : other;
    for (const [bucket, n] of source.buckets) this.counts[bucket] += n;
    this.count += source.count;
    this.sum += source.sum;
    if (source.count > 0) {
      this.min = Math.min(this.min, source.min);
      this.max = Math.max(this.max, source.max);
    }
  }

  serialize(): SerializedHistogram {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    return { buckets, count: this.count, sum: this.sum, min: this.count ? this.min : 0, max: this.count ? this.max : 0 };
  }

  static from(serialized: SerializedHistogram): Histogram {
    const histogram = new Histogram();
    histogram.merge(serialized);
    return histogram;
  }

  /** p50/p95/p99/max in milliseconds, for reports. */
  summaryMs(): { count: number; p50: number; p95: number; p99: number; max: number; mean: number } {
    const ms = (micros: number) => (Number.isNaN(micros) ? NaN : Math.round(micros) / 1000);
    return { count: this.count, p50: ms(this.quantile(0.5)), p95: ms(this.quantile(0.95)), p99: ms(this.quantile(0.99)), max: ms(this.count ? this.max : NaN), mean: ms(this.mean()) };
  }
}

export function bucketOf(value: number): number {
  if (value < EXACT) return value;
  // The highest set bit picks the power-of-two range; the next six bits pick the sub-bucket.
  let msb = value < 2 ** 31 ? 31 - Math.clz32(value) : Math.floor(Math.log2(value));
  if (value < 2 ** msb) msb--; // log2 may round up just below a power of two
  const shift = msb - SUB_BITS;
  const sub = Math.floor(value / 2 ** shift); // 64..127
  return Math.min(EXACT + (shift - 1) * SUB_BUCKETS + (sub - SUB_BUCKETS), BUCKETS - 1);
}

/** The lowest value counted in a bucket. */
export function bucketStart(bucket: number): number {
  if (bucket < EXACT) return bucket;
  const shift = Math.floor((bucket - EXACT) / SUB_BUCKETS) + 1;
  const sub = ((bucket - EXACT) % SUB_BUCKETS) + SUB_BUCKETS;
  return sub * 2 ** shift;
}

/** The middle of a bucket: the value reported for everything counted in it. */
function representative(bucket: number): number {
  if (bucket < EXACT) return bucket;
  const width = bucketStart(bucket + 1) - bucketStart(bucket);
  return bucketStart(bucket) + (width - 1) / 2;
}
