// core's Metrics port on prom-client, one Registry per node (not prom-client's global one, so that
// several nodes in one test process do not collide). Scrape-time readers become prom-client
// `collect` callbacks; Node's default process metrics (event-loop lag, memory, CPU, handles) are
// registered beside ours.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Counter as CounterPort, Gauge as GaugePort, Histogram as HistogramPort, MetricSample, MetricSpec, Metrics } from '@deskchat/core';

export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly metrics = new Map<string, CounterPort | GaugePort | HistogramPort>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
  }

  counter(spec: MetricSpec): CounterPort {
    return this.once(spec.name, () => {
      const counter = new Counter({ name: spec.name, help: spec.help, labelNames: [...(spec.labelNames ?? [])], registers: [this.registry] });
      return { inc: (labels = {}, value = 1) => counter.inc(labels, value) };
    });
  }

  gauge(spec: MetricSpec): GaugePort {
    return this.once(spec.name, () => {
      const gauge = new Gauge({ name: spec.name, help: spec.help, labelNames: [...(spec.labelNames ?? [])], registers: [this.registry] });
      return { set: (value, labels = {}) => gauge.set(labels, value) };
    });
  }

  histogram(spec: MetricSpec & { buckets?: number[] }): HistogramPort {
    return this.once(spec.name, () => {
      const histogram = new Histogram({ name: spec.name, help: spec.help, labelNames: [...(spec.labelNames ?? [])], buckets: spec.buckets, registers: [this.registry] });
      return { observe: (value, labels = {}) => histogram.observe(labels, value) };
    });
  }

  gaugeFrom(spec: MetricSpec, read: () => MetricSample | Promise<MetricSample>): void {
    this.once(spec.name, () => {
      new Gauge({
        name: spec.name,
        help: spec.help,
        labelNames: [...(spec.labelNames ?? [])],
        registers: [this.registry],
        async collect() {
          this.reset();
          apply(await read(), (labels, value) => this.set(labels, value));
        },
      });
      return { set() {} };
    });
  }

  counterFrom(spec: MetricSpec, read: () => MetricSample): void {
    this.once(spec.name, () => {
      new Counter({
        name: spec.name,
        help: spec.help,
        labelNames: [...(spec.labelNames ?? [])],
        registers: [this.registry],
        collect() {
          // The owner keeps the monotonic total; the counter shows it as it is now.
          this.reset();
          apply(read(), (labels, value) => this.inc(labels, value));
        },
      });
      return { inc() {} };
    });
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private once<T extends CounterPort | GaugePort | HistogramPort>(name: string, make: () => T): T {
    let metric = this.metrics.get(name);
    if (!metric) this.metrics.set(name, (metric = make()));
    return metric as T;
  }
}

function apply(sample: MetricSample, write: (labels: Record<string, string>, value: number) => void): void {
  if (typeof sample === 'number') write({}, sample);
  else for (const { labels, value } of sample) write(labels, value);
}
