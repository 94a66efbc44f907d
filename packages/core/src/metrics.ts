// The metrics port (design §7: every limit has a metric; issue "Administration": /metrics). Core and
// the transports name what they count; the server implements the port with prom-client and serves
// it on the admin port. The default does nothing, so tests and tools that do not scrape pay nothing.
//
// Prefer, in this order: a gauge read at scrape time (`gaugeFrom`) from state that exists anyway;
// a counter driven from a hook event by the composition root; and only where neither can see the
// event, one `inc` line at the point where it happens.

export type MetricLabels = Record<string, string>;

export interface MetricSpec {
  /** Prometheus name: `deskchat_…`, counters end in `_total`. */
  name: string;
  help: string;
  labelNames?: readonly string[];
}

/** What a scrape-time reader returns: one value, or one per label set. */
export type MetricSample = number | { labels: MetricLabels; value: number }[];

export interface Counter {
  inc(labels?: MetricLabels, value?: number): void;
}

export interface Gauge {
  set(value: number, labels?: MetricLabels): void;
}

export interface Histogram {
  observe(value: number, labels?: MetricLabels): void;
}

export interface Metrics {
  /** Registering the same name twice returns the same metric. */
  counter(spec: MetricSpec): Counter;
  gauge(spec: MetricSpec): Gauge;
  histogram(spec: MetricSpec & { buckets?: number[] }): Histogram;
  /** A gauge whose value is read when metrics are scraped. */
  gaugeFrom(spec: MetricSpec, read: () => MetricSample | Promise<MetricSample>): void;
  /** A counter kept by its owner (a monotonic total) and read when metrics are scraped. */
  counterFrom(spec: MetricSpec, read: () => MetricSample): void;
}

const noop = { inc() {}, set() {}, observe() {} };

export const noopMetrics: Metrics = {
  counter: () => noop,
  gauge: () => noop,
  histogram: () => noop,
  gaugeFrom() {},
  counterFrom() {},
};
