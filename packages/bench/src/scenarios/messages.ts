// `messages`: pairs of users exchange chat messages (RFC 6121 §5) addressed to each other's full
// JID at a total rate R, over BOSH, WebSocket and TCP in turn. Both partners of a pair live in one
// worker process, so every message sent is known where it should arrive. Figures per transport and
// rate: delivered msg/s, latency from when each message was due (stamped in its body), losses; and
// the best rate whose p99 stays under the limit with nothing lost.
import { latency, type Coordinator, type PhaseOutcome } from '../coordinator.js';
import type { BenchOptions } from '../options.js';
import { pace } from '../pacer.js';
import { epochNow } from '../phase-report.js';
import { benchMessage, readStamp } from '../stanzas.js';
import { childText } from '../xml-split.js';
import type { Figure, Scenario, WorkerContext } from '../scenario.js';
import type { TransportName, XmppConnection } from '../xmpp-connection.js';
import { closeAll, signInAll, waitUntil } from './common.js';
import { cpuFigures, latencyFigures, sendWindowSeconds, lagFigure, share } from './figures.js';

const DEFAULT_RATE = 2000;
const DRAIN_MS = 10_000;

interface PairState {
  step: number;
  sent: number;
  received: number;
  seqOut: number[];
  lastIn: number[];
}

function state(context: WorkerContext): PairState {
  return (context.state.pairs ??= { step: -1, sent: 0, received: 0, seqOut: [], lastIn: [] }) as PairState;
}

function onMessage(context: WorkerContext, local: number, element: string): void {
  if (!element.startsWith('<message')) return;
  const stamp = readStamp(childText(element, 'body'));
  const s = state(context);
  const recorder = context.recorder;
  if (!stamp) return void recorder.count('unexpected');
  if (stamp.step !== s.step) return void recorder.count('late');
  const now = epochNow();
  recorder.histogram('latency').recordMs(now - stamp.sentAt);
  recorder.mark('receive', now);
  s.received++;
  if (stamp.seq <= (s.lastIn[local] ?? -1)) recorder.count('reordered');
  s.lastIn[local] = stamp.seq;
}

export const messages: Scenario = {
  name: 'messages',
  users: (o) => o.pairs * 2,
  socketsPerUser: (o) => (transports(o).includes('bosh') ? 2 : 1),
  groupSize: 2,
  needsHttp: (o) => transports(o).some((t) => t !== 'tcp'),
  workerPhases: {
    connect: (context, args: { transport: TransportName }, recorder) =>
      signInAll(context, { transport: args.transport, onConnected: (c, local) => (c.onStanza = (e) => onMessage(context, local, e)) }, recorder),
    async step(context, args: { rate: number; seconds: number; step: number }, recorder) {
      const s = state(context);
      Object.assign(s, { step: args.step, sent: 0, received: 0 });
      const connections = context.connections;
      // Senders whose partner (local index xor 1) is signed in too.
      const senders = connections.map((c, i) => i).filter((i) => connections[i]?.isOpen && connections[i ^ 1]?.isOpen);
      if (senders.length === 0) throw new Error('no connected pair');
      const cpuAtStart = process.cpuUsage();
      await pace({
        ratePerSecond: args.rate,
        durationMs: args.seconds * 1000,
        maxCount: Number.MAX_SAFE_INTEGER,
        onDue: (k, dueAt, now) => {
          const from = senders[k % senders.length];
          const seq = (s.seqOut[from] = (s.seqOut[from] ?? -1) + 1);
          recorder.histogram('send-lag').recordMs(now - dueAt);
          const text = benchMessage((connections[from ^ 1] as XmppConnection).jid, { seq, sentAt: now, step: args.step });
          connections[from]?.send(text);
          s.sent++;
          recorder.mark('send', dueAt);
        },
      });
      const cpu = process.cpuUsage(cpuAtStart);
      recorder.count('cpu-send-micros', cpu.user + cpu.system);
      await waitUntil(() => s.received >= s.sent, DRAIN_MS);
      recorder.count('sent', s.sent);
      recorder.count('received', s.received);
      recorder.count('lost', Math.max(0, s.sent - s.received));
      s.step = -1;
    },
    close: (context, _args, recorder) => closeAll(context, recorder),
  },
  async run(coordinator: Coordinator, options: BenchOptions) {
    const figures: Figure[] = [];
    const details: Record<string, unknown>[] = [];
    let step = 0;
    for (const transport of transports(options)) {
      const connected = await coordinator.phase('connect', { transport }, 300_000);
      const ok = connected.report.counts['connect-ok'] ?? 0;
      const limit = options.p99Limit ?? (transport === 'bosh' ? 200 : 100);
      let best: { rate: number; delivered: number } | undefined;
      for (const rate of options.rates ?? [DEFAULT_RATE]) {
        const users = options.pairs * 2;
        const current = step++;
        const outcome = await coordinator.phase('step', (w: { count: number }) => ({ rate: share(rate, w.count, users), seconds: options.durationS, step: current }), options.durationS * 1000 + DRAIN_MS + 60_000);
        const result = stepFigures(`${transport} @ ${rate}/s`, outcome, limit);
        figures.push(...result.figures);
        details.push({ transport, rate, signedIn: ok, ...result.detail });
        if (result.isWithinLimit && (!best || result.delivered > best.delivered)) best = { rate, delivered: result.delivered };
      }
      figures.push({ case: `${transport} best`, name: 'msg/s', value: best?.delivered ?? 0, unit: 'msg/s', better: 'higher', note: best ? `at offered ${best.rate}/s, p99 < ${limit} ms, none lost` : `no step had p99 < ${limit} ms with none lost` });
      await coordinator.phase('close', {}, 120_000);
    }
    return { figures, details: { pairs: options.pairs, seconds: options.durationS, steps: details } };
  },
};

function stepFigures(label: string, outcome: PhaseOutcome, p99Limit: number) {
  const { counts } = outcome.report;
  const sent = counts.sent ?? 0;
  const received = counts.received ?? 0;
  const lost = counts.lost ?? 0;
  const window = sendWindowSeconds(outcome);
  const l = latency(outcome.report, 'latency');
  const delivered = received / window;
  const figures: Figure[] = [
    { case: label, name: 'delivered', value: delivered, unit: 'msg/s', better: 'higher', note: `${received} of ${sent}` },
    ...latencyFigures(label, l),
    { case: label, name: 'lost', value: lost, unit: 'messages', better: 'lower', note: `${counts.reordered ?? 0} out of order, ${counts.dropped ?? 0} sessions dropped` },
    ...cpuFigures(label, outcome),
    lagFigure(label, outcome),
  ];
  const detail = { sent, received, lost, delivered, latencyMs: l, counts, server: outcome.server, generatorCpuPercent: outcome.generatorCpuPercent, machineBusyPercent: outcome.machineBusyPercent };
  return { figures, detail, delivered, isWithinLimit: lost === 0 && sent > 0 && l.p99 < p99Limit };
}

function transports(options: BenchOptions): TransportName[] {
  return options.transports ?? ['bosh', 'ws', 'tcp'];
}
