// `idle-hold`: N BOSH sessions sign in at a set rate and then sit idle for T seconds, each keeping
// one long poll outstanding (XEP-0124 §11, `hold` = 1), while a sample of them sends XEP-0199 pings
// to the server, during the sign-ins (do they stall the others?) and during the hold. Figures:
// sessions alive at the end, ping latency, server memory per session and idle CPU.
import { latency, type Coordinator } from '../coordinator.js';
import type { BenchOptions } from '../options.js';
import { epochNow, type Recorder } from '../phase-report.js';
import { sampleProcesses } from '../proc-stats.js';
import { pingIq } from '../stanzas.js';
import { attr } from '../xml-split.js';
import type { Figure, Scenario, WorkerContext } from '../scenario.js';
import { closeAll, openConnections, signInAtRate } from './common.js';
import { cpuFigures, share } from './figures.js';

const DEFAULT_RATE = 300;
const PING_TICK_MS = 20;

/** Pings random signed-in sessions at a steady rate and times the replies. */
class Pinger {
  histogramName = 'ping-ramp';
  private readonly pending = new Map<string, number>();
  private next = 0;
  private credit = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly context: WorkerContext,
    ratePerSecond: number,
  ) {
    this.timer = setInterval(() => {
      this.credit += (ratePerSecond * PING_TICK_MS) / 1000;
      for (; this.credit >= 1; this.credit--) this.ping();
    }, PING_TICK_MS);
  }

  /** Handles a reply; true when the element was one. */
  onStanza(element: string): boolean {
    if (!element.startsWith('<iq')) return false;
    const id = attr(element, 'id');
    const sentAt = id === undefined ? undefined : this.pending.get(id);
    if (sentAt === undefined) return false;
    this.pending.delete(id!);
    const recorder = this.context.recorder;
    if (attr(element, 'type') === 'result') recorder.histogram(this.histogramName).recordMs(epochNow() - sentAt);
    else recorder.count('ping-errors');
    return true;
  }

  /** Stops pinging; a ping still in flight gets two seconds to be answered before it counts as unanswered. */
  async stop(recorder: Recorder): Promise<void> {
    clearInterval(this.timer);
    for (const until = Date.now() + 2000; this.pending.size > 0 && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 10));
    recorder.count('ping-unanswered', this.pending.size);
    this.pending.clear();
  }

  private ping(): void {
    const connections = this.context.connections;
    // A few random tries find an open session without scanning them all.
    for (let attempt = 0; attempt < 5; attempt++) {
      const connection = connections[Math.floor(Math.random() * connections.length)];
      if (!connection?.isOpen) continue;
      const id = `ping${this.next++}`;
      this.pending.set(id, epochNow());
      connection.send(pingIq(id, this.context.init.endpoint.domain));
      return;
    }
  }
}

export const idleHold: Scenario = {
  name: 'idle-hold',
  users: (o) => o.sessions,
  socketsPerUser: () => 2,
  needsHttp: () => true,
  workerPhases: {
    async ramp(context, args: { rate: number; pingRate: number; from?: number; to?: number }, recorder) {
      const pinger = (context.state.pinger ??= new Pinger(context, args.pingRate)) as Pinger;
      await signInAtRate(context, args.rate, { transport: 'bosh', onConnected: (c) => (c.onStanza = (e) => void pinger.onStanza(e)), from: args.from, to: args.to }, recorder);
    },
    /** --warmup: some sessions sign in and out before the server's memory at rest is taken. */
    async warmup(context, args: { rate: number; to: number }, recorder) {
      await signInAtRate(context, args.rate, { transport: 'bosh', to: args.to }, recorder, 'warmup');
      await closeAll(context, recorder);
    },
    /** --marginal: the first half of the sessions held, pings going on. */
    async settle(context, args: { seconds: number }, recorder) {
      await new Promise((resolve) => setTimeout(resolve, args.seconds * 1000));
      recorder.count('alive', openConnections(context).length);
    },
    async hold(context, args: { seconds: number }, recorder) {
      const pinger = context.state.pinger as Pinger;
      pinger.histogramName = 'ping-hold';
      await new Promise((resolve) => setTimeout(resolve, args.seconds * 1000));
      recorder.count('alive', openConnections(context).length);
      await pinger.stop(recorder);
    },
    close: (context, _args, recorder) => closeAll(context, recorder),
  },
  async run(coordinator: Coordinator, options: BenchOptions) {
    const sessions = options.sessions;
    const rate = options.rates?.[0] ?? DEFAULT_RATE;
    let warmedUp = 0;
    if (options.warmup > 0) {
      const warm = Math.min(options.warmup, sessions);
      const outcome = await coordinator.phase('warmup', (w: { count: number }) => ({ rate: share(rate, w.count, sessions), to: Math.min(w.count, Math.ceil(share(warm, w.count, sessions))) }), (warm / rate) * 1000 + 120_000);
      warmedUp = outcome.report.counts['warmup-ok'] ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 2000)); // the closed sessions' last requests answered
    }
    const baseline = sampleProcesses(coordinator.serverPids);
    const half = (count: number) => Math.floor(count / 2);
    // --marginal: half the sessions first, held as long as all of them are later. The memory between
    // the two holds is what sessions cost a node that is already warm (its young generation, code
    // and caches at working size), which the first sessions of a fresh node also pay for.
    let halfway: { alive: number; rss: number } | undefined;
    let firstHalf = { ok: 0, failed: 0 };
    if (options.isMarginal) {
      const first = await coordinator.phase(
        'ramp',
        (w: { count: number }) => ({ rate: share(rate, w.count, sessions), pingRate: share(options.pingRate, w.count, sessions), to: half(w.count) }),
        (sessions / 2 / rate) * 1000 + 180_000,
      );
      firstHalf = { ok: first.report.counts['login-ok'] ?? 0, failed: first.report.counts['login-failed'] ?? 0 };
      const settled = await coordinator.phase('settle', { seconds: options.holdS }, options.holdS * 1000 + 60_000);
      if (settled.server) halfway = { alive: settled.report.counts.alive ?? 0, rss: settled.server.rssMedian };
    }
    const ramp = await coordinator.phase(
      'ramp',
      (w: { count: number }) => ({ rate: share(rate, w.count, sessions), pingRate: share(options.pingRate, w.count, sessions), from: options.isMarginal ? half(w.count) : 0 }),
      (sessions / rate) * 1000 + 180_000,
    );
    const hold = await coordinator.phase('hold', { seconds: options.holdS }, options.holdS * 1000 + 60_000);
    const alive = hold.report.counts.alive ?? 0;
    const signedIn = (ramp.report.counts['login-ok'] ?? 0) + firstHalf.ok;
    const span = ramp.report.spans.login;
    const pingRamp = latency(ramp.report, 'ping-ramp');
    const pingHold = latency(hold.report, 'ping-hold');
    const label = `bosh × ${sessions}`;
    const figures: Figure[] = [
      { case: label, name: 'sessions alive', value: alive, unit: 'sessions', better: 'higher', note: `${signedIn} signed in, ${(ramp.report.counts['login-failed'] ?? 0) + firstHalf.failed} failed, ${(ramp.report.counts.dropped ?? 0) + (hold.report.counts.dropped ?? 0)} dropped` },
      { case: label, name: 'sign-ins/s', value: span && span[1] > span[0] ? (signedIn - firstHalf.ok) / ((span[1] - span[0]) / 1000) : NaN, unit: '/s', better: 'higher', note: `offered ${rate}/s` },
      { case: label, name: 'sign-in p99', value: latency(ramp.report, 'login').p99, unit: 'ms', better: 'lower' },
      { case: label, name: 'ping p99 during sign-ins', value: pingRamp.p99, unit: 'ms', better: 'lower', note: `p50 ${pingRamp.p50} ms, p95 ${pingRamp.p95} ms, ${pingRamp.count} pings` },
      { case: label, name: 'ping p99 while idle', value: pingHold.p99, unit: 'ms', better: 'lower', note: `p50 ${pingHold.p50} ms, p95 ${pingHold.p95} ms, ${pingHold.count} pings, ${hold.report.counts['ping-unanswered'] ?? 0} unanswered` },
    ];
    if (hold.server && baseline) {
      const perSession = alive > 0 ? (hold.server.rssMedian - baseline.rss) / alive / 1024 : NaN;
      figures.push(
        { case: label, name: 'server memory per session', value: perSession, unit: 'KB', better: 'lower', note: `RSS ${mb(baseline.rss)} MB before${warmedUp > 0 ? ` (after ${warmedUp} sessions signed in and out)` : ''}, ${mb(hold.server.rssMedian)} MB held (median)` },
      );
      if (halfway && alive > halfway.alive) {
        const added = alive - halfway.alive;
        figures.push({
          case: label,
          name: 'server memory per added session',
          value: (hold.server.rssMedian - halfway.rss) / added / 1024,
          unit: 'KB',
          better: 'lower',
          note: `RSS ${mb(halfway.rss)} MB with ${halfway.alive} held, ${mb(hold.server.rssMedian)} MB with ${alive} (medians)`,
        });
      }
      figures.push(
        { case: label, name: 'server CPU while idle', value: hold.server.cpuPercent, unit: '% of a core', better: 'lower' },
      );
    }
    figures.push(...cpuFigures(`${label} sign-ins`, ramp).filter((f) => f.name !== 'server RSS'));
    figures.push(...cpuFigures(`${label} idle`, hold).filter((f) => f.name === 'generator CPU'));
    await coordinator.phase('close', {}, 180_000);
    return {
      figures,
      details: { sessions, rate, holdSeconds: options.holdS, baselineRss: baseline?.rss, ramp: summary(ramp), hold: summary(hold), pingRamp, pingHold },
    };
  },
};

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function summary(outcome: Awaited<ReturnType<Coordinator['phase']>>): Record<string, unknown> {
  return { counts: outcome.report.counts, server: outcome.server, generatorCpuPercent: outcome.generatorCpuPercent, machineBusyPercent: outcome.machineBusyPercent, wallMs: outcome.wallMs };
}
