// Figures every scenario reports beside its own: the server's CPU and memory, the load generator's
// CPU, and how busy the whole machine was (a saturated machine makes any server look slow).
import { latency, type PhaseOutcome } from '../coordinator.js';
import { usageBetween } from '../proc-stats.js';
import type { Figure } from '../scenario.js';

/** A worker's part of a total rate, in proportion to its users. */
export function share(total: number, workerUsers: number, allUsers: number): number {
  return (total * workerUsers) / allUsers;
}

/**
 * CPU figures over the whole phase, or over the sending window when the workers marked one (span
 * `send`, with their CPU during it in count `cpu-send-micros`): a drain wait must not dilute them.
 */
export function cpuFigures(label: string, outcome: PhaseOutcome): Figure[] {
  const span = outcome.report.spans.send;
  const sendMicros = outcome.report.counts['cpu-send-micros'];
  const window = span && sendMicros !== undefined ? usageBetween(outcome.samples, span[0], span[1]) : undefined;
  const server = window ? window.serverCpuPercent : (outcome.server?.cpuPercent ?? NaN);
  const generator = window ? (sendMicros! / 1000 / (span![1] - span![0])) * 100 : outcome.generatorCpuPercent;
  const machine = window ? window.machineBusyPercent : outcome.machineBusyPercent;
  const figures: Figure[] = [];
  if (outcome.server) {
    figures.push(
      { case: label, name: 'server CPU', value: server, unit: '% of a core', better: 'lower' },
      { case: label, name: 'server RSS', value: outcome.server.rssEnd / 2 ** 20, unit: 'MB', better: 'lower' },
    );
  }
  figures.push(
    { case: label, name: 'generator CPU', value: generator, unit: '% of a core' },
    { case: label, name: 'machine busy', value: machine, unit: '% of a core' },
  );
  // What neither the server nor the generator used: other work on a shared machine disturbs the run.
  if (outcome.server) figures.push({ case: label, name: 'other processes CPU', value: Math.max(0, machine - server - generator), unit: '% of a core', note: 'should be near 0' });
  // Other processes are not the only disturbance: the machine itself has slow phases.
  const [before, after] = outcome.fixedWorkMs;
  figures.push({ case: label, name: 'machine speed', value: before, unit: 'ms', note: `a fixed piece of work timed before the step (${after.toFixed(1)} ms after it): higher is a slower machine` });
  return figures;
}

/** How late the generator sent what was due (p99): above a few ms, the generator is the bottleneck. */
export function lagFigure(label: string, outcome: PhaseOutcome): Figure {
  const lag = latency(outcome.report, 'send-lag');
  return { case: label, name: 'generator lag p99', value: lag.p99, unit: 'ms', note: `max ${lag.max} ms` };
}

/** Seconds from the first send to the last send or receive: the window a delivered rate is measured over. */
export function sendWindowSeconds(outcome: PhaseOutcome): number {
  const { spans } = outcome.report;
  return spans.send && spans.receive ? (Math.max(spans.receive[1], spans.send[1]) - spans.send[0]) / 1000 : NaN;
}

/** p50 / p95 / p99 of a latency summary (the p99 with its max). */
export function latencyFigures(label: string, l: ReturnType<typeof latency>): Figure[] {
  return [
    { case: label, name: 'latency p50', value: l.p50, unit: 'ms', better: 'lower' },
    { case: label, name: 'latency p95', value: l.p95, unit: 'ms', better: 'lower' },
    { case: label, name: 'latency p99', value: l.p99, unit: 'ms', better: 'lower', note: `max ${l.max} ms` },
  ];
}
