// What a worker process measured in one phase (histograms, counters, time spans, errors and its
// own CPU), and how the coordinator adds up the reports of all workers.
import { Histogram, type SerializedHistogram } from './histogram.js';

export interface PhaseReport {
  histograms: Record<string, SerializedHistogram>;
  counts: Record<string, number>;
  /** Named time spans (epoch ms): merged as the earliest start and the latest end. */
  spans: Record<string, [number, number]>;
  /** Distinct error texts with how often each happened. */
  errors: Record<string, number>;
  /** CPU time (user + system, µs) the worker process used during the phase. */
  cpuMicros: number;
  wallMs: number;
}

const MAX_DISTINCT_ERRORS = 20;

/** Collects one phase's measurements inside a worker. */
export class Recorder {
  private histograms = new Map<string, Histogram>();
  private counts: Record<string, number> = {};
  private spans: Record<string, [number, number]> = {};
  private errors: Record<string, number> = {};
  private readonly cpuStart = process.cpuUsage();
  private readonly wallStart = performance.now();

  histogram(name: string): Histogram {
    let histogram = this.histograms.get(name);
    if (!histogram) this.histograms.set(name, (histogram = new Histogram()));
    return histogram;
  }

  count(name: string, n = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + n;
  }

  /** Widens span `name` to include the instant `at` (epoch ms). */
  mark(name: string, at = epochNow()): void {
    const span = this.spans[name];
    if (!span) this.spans[name] = [at, at];
    else {
      if (at < span[0]) span[0] = at;
      if (at > span[1]) span[1] = at;
    }
  }

  error(text: string): void {
    const key = text.slice(0, 200);
    if (key in this.errors || Object.keys(this.errors).length < MAX_DISTINCT_ERRORS) this.errors[key] = (this.errors[key] ?? 0) + 1;
    else this.errors['(other errors)'] = (this.errors['(other errors)'] ?? 0) + 1;
  }

  /** The phase's measurements; the recorder starts empty again for late events. */
  report(): PhaseReport {
    const cpu = process.cpuUsage(this.cpuStart);
    const histograms: Record<string, SerializedHistogram> = {};
    for (const [name, histogram] of this.histograms) histograms[name] = histogram.serialize();
    const report = { histograms, counts: this.counts, spans: this.spans, errors: this.errors, cpuMicros: cpu.user + cpu.system, wallMs: performance.now() - this.wallStart };
    this.histograms = new Map();
    this.counts = {};
    this.spans = {};
    this.errors = {};
    return report;
  }

  /** Takes over what another recorder collected after its report (events between two phases). */
  absorb(other: Recorder): void {
    for (const [name, histogram] of other.histograms) this.histogram(name).merge(histogram);
    for (const [name, n] of Object.entries(other.counts)) this.count(name, n);
    for (const [name, [start, end]] of Object.entries(other.spans)) {
      this.mark(name, start);
      this.mark(name, end);
    }
    for (const [text, n] of Object.entries(other.errors)) this.errors[text] = (this.errors[text] ?? 0) + n;
  }
}

/** The sum of several workers' reports; histograms become Histogram objects. */
export interface MergedReport {
  histograms: Record<string, Histogram>;
  counts: Record<string, number>;
  spans: Record<string, [number, number]>;
  errors: Record<string, number>;
  cpuMicros: number;
  wallMs: number;
}

export function mergeReports(reports: PhaseReport[]): MergedReport {
  const merged: MergedReport = { histograms: {}, counts: {}, spans: {}, errors: {}, cpuMicros: 0, wallMs: 0 };
  for (const report of reports) {
    for (const [name, histogram] of Object.entries(report.histograms)) (merged.histograms[name] ??= new Histogram()).merge(histogram);
    for (const [name, n] of Object.entries(report.counts)) merged.counts[name] = (merged.counts[name] ?? 0) + n;
    for (const [name, [start, end]] of Object.entries(report.spans)) {
      const span = merged.spans[name];
      merged.spans[name] = span ? [Math.min(span[0], start), Math.max(span[1], end)] : [start, end];
    }
    for (const [text, n] of Object.entries(report.errors)) merged.errors[text] = (merged.errors[text] ?? 0) + n;
    merged.cpuMicros += report.cpuMicros;
    merged.wallMs = Math.max(merged.wallMs, report.wallMs);
  }
  return merged;
}

/** Milliseconds since the epoch with sub-millisecond resolution, comparable across processes. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
