// `presence-fanout`: N users, each with K contacts (neighbours on a ring, subscribed both ways
// through the RFC 6121 §3 handshake, every request approved by the client), change their status at
// a total rate; the server broadcasts each change to the K contacts (RFC 6121 §4.4.2). Figures per
// rate: deliveries per second, latency from when each change was due (stamped in <status/>),
// deliveries lost, and the best rate whose p99 stays under the limit with nothing lost.
import { bareJid, type Account } from '../clients.js';
import { Histogram } from '../histogram.js';
import { latency, type Coordinator, type PhaseOutcome } from '../coordinator.js';
import type { BenchOptions } from '../options.js';
import { pace } from '../pacer.js';
import { epochNow } from '../phase-report.js';
import { presence, readStamp, rosterGet, stampText } from '../stanzas.js';
import { attr, childText } from '../xml-split.js';
import type { Figure, Scenario, WorkerContext } from '../scenario.js';
import type { TransportName } from '../xmpp-connection.js';
import { closeAll, signInAll, waitQuiet, waitUntil } from './common.js';
import { cpuFigures, latencyFigures, sendWindowSeconds, lagFigure, share } from './figures.js';

const DEFAULT_USERS = 500;
const DEFAULT_RATE = 500;
const DRAIN_MS = 10_000;

/** The K ring neighbours of user `index` among `total` users (K/2 on each side). */
export function contactsOf(index: number, total: number, contacts: number): number[] {
  const result: number[] = [];
  for (let d = 1; d <= contacts / 2; d++) result.push((index + d) % total, (index - d + total) % total);
  return result;
}

/** The user index of a bench JID (`u17@localhost/x` → 16), or -1. */
export function userIndex(jid: string | undefined, account: Account): number {
  if (!jid) return -1;
  const local = jid.slice(0, jid.indexOf('@'));
  if (!local.startsWith(account.prefix)) return -1;
  const n = Number(local.slice(account.prefix.length));
  return Number.isInteger(n) && n > 0 ? n - 1 : -1;
}

interface FanoutState {
  approvedBy: Set<number>[];
  seen: Set<number>[];
  /** Deliveries and their latencies by the step that sent them: contacts in other workers may start a step first. */
  deliveries: Map<number, Tally>;
  /** Steps already reported; their stragglers count as late. */
  reported: Set<number>;
}

function state(context: WorkerContext): FanoutState {
  return (context.state.fanout ??= { approvedBy: [], seen: [], deliveries: new Map(), reported: new Set() }) as FanoutState;
}

/** One step's deliveries: each change counts once per contact; further copies (such as a server's extra composed presence) count as duplicates. */
interface Tally {
  count: number;
  duplicates: number;
  seen: Set<string>;
  latency: Histogram;
  last: number;
}

function stepTally(s: FanoutState, step: number): Tally {
  let tally = s.deliveries.get(step);
  if (!tally) s.deliveries.set(step, (tally = { count: 0, duplicates: 0, seen: new Set(), latency: new Histogram(), last: 0 }));
  return tally;
}

/** Contacts already subscribed from an earlier run need no handshake: a server answers nothing to a repeated request (RFC 6121 §3.1.3). */
function onRoster(context: WorkerContext, local: number, element: string): void {
  const s = state(context);
  for (const match of element.matchAll(/<item\s[^>]*>/g)) {
    const subscription = attr(match[0], 'subscription');
    if (subscription === 'both' || subscription === 'to') (s.approvedBy[local] ??= new Set()).add(userIndex(attr(match[0], 'jid'), context.init.account));
  }
}

function onPresence(context: WorkerContext, local: number, element: string): void {
  if (element.startsWith('<iq') && attr(element, 'id') === 'roster1') return onRoster(context, local, element);
  if (!element.startsWith('<presence')) return;
  const { account, endpoint, first } = context.init;
  const from = attr(element, 'from');
  const fromIndex = userIndex(from, account);
  if (fromIndex < 0 || fromIndex === first + local) return; // not a contact (or our own presence)
  const s = state(context);
  const type = attr(element, 'type');
  if (type === 'subscribe') {
    // The client approves every request (RFC 6121 §3.1.4).
    context.connections[local]?.send(presence({ to: bareJid(account, fromIndex, endpoint.domain), type: 'subscribed' }));
    return;
  }
  if (type === 'subscribed') return void (s.approvedBy[local] ??= new Set()).add(fromIndex);
  if (type !== undefined) return;
  (s.seen[local] ??= new Set()).add(fromIndex);
  const stamp = readStamp(childText(element, 'status'));
  if (!stamp) return;
  if (s.reported.has(stamp.step)) return void context.recorder.count('late');
  const now = epochNow();
  const tally = stepTally(s, stamp.step);
  const key = `${local} ${fromIndex} ${stamp.seq}`;
  if (tally.seen.has(key)) return void tally.duplicates++;
  tally.seen.add(key);
  tally.latency.recordMs(now - stamp.sentAt);
  tally.count++;
  tally.last = now;
}

/** Contacts of this worker's users that are not in their set yet. */
function missing(context: WorkerContext, sets: Set<number>[], contacts: number): number {
  const { first, count, totalUsers } = context.init;
  let absent = 0;
  for (let local = 0; local < count; local++) {
    for (const contact of contactsOf(first + local, totalUsers, contacts)) if (!sets[local]?.has(contact)) absent++;
  }
  return absent;
}

export const presenceFanout: Scenario = {
  name: 'presence-fanout',
  users: (o) => o.users ?? DEFAULT_USERS,
  socketsPerUser: (o) => (transport(o) === 'bosh' ? 2 : 1),
  needsHttp: (o) => transport(o) !== 'tcp',
  workerPhases: {
    connect: (context, args: { transport: TransportName }, recorder) =>
      signInAll(
        context,
        {
          transport: args.transport,
          onConnected: (c, local) => {
            c.onStanza = (e) => onPresence(context, local, e);
            c.send(rosterGet('roster1')); // an interested resource (RFC 6121 §2.1.2), then initial presence
          },
        },
        recorder,
      ),
    async subscribe(context, args: { contacts: number; timeoutMs: number }, recorder) {
      const { account, endpoint, first, totalUsers } = context.init;
      context.connections.forEach((connection, local) => {
        for (const contact of contactsOf(first + local, totalUsers, args.contacts)) connection?.send(presence({ to: bareJid(account, contact, endpoint.domain), type: 'subscribe' }));
      });
      const s = state(context);
      await waitUntil(() => missing(context, s.approvedBy, args.contacts) === 0, args.timeoutMs, 100);
      recorder.count('subscriptions-missing', missing(context, s.approvedBy, args.contacts));
    },
    async settle(context, args: { contacts: number; timeoutMs: number }, recorder) {
      // Presence seen earlier counts too: contacts in other workers may start this phase first.
      const s = state(context);
      for (const connection of context.connections) connection?.send(presence());
      await waitUntil(() => missing(context, s.seen, args.contacts) === 0, args.timeoutMs, 100);
      recorder.count('presence-missing', missing(context, s.seen, args.contacts));
    },
    async step(context, args: { rate: number; seconds: number; step: number }, recorder) {
      const s = state(context);
      const tally = stepTally(s, args.step);
      const users = context.connections.map((c, i) => i).filter((i) => context.connections[i]?.isOpen);
      let changes = 0;
      const cpuAtStart = process.cpuUsage();
      await pace({
        ratePerSecond: args.rate,
        durationMs: args.seconds * 1000,
        maxCount: Number.MAX_SAFE_INTEGER,
        onDue: (k, dueAt, now) => {
          const local = users[k % users.length];
          const show = k % 2 === 0 ? 'away' : 'chat';
          recorder.histogram('send-lag').recordMs(now - dueAt);
          context.connections[local]?.send(presence({}, stampText({ seq: k, sentAt: now, step: args.step }), show));
          changes++;
          recorder.mark('send', dueAt);
        },
      });
      const cpu = process.cpuUsage(cpuAtStart);
      recorder.count('cpu-send-micros', cpu.user + cpu.system);
      // Contacts live in other workers too: wait until deliveries stop arriving.
      await waitQuiet(() => tally.count, 1000, DRAIN_MS);
      s.reported.add(args.step);
      s.deliveries.delete(args.step);
      recorder.count('changes', changes);
      recorder.count('deliveries', tally.count);
      recorder.count('duplicates', tally.duplicates);
      recorder.histogram('latency').merge(tally.latency);
      if (tally.count) recorder.mark('receive', tally.last);
    },
    close: (context, _args, recorder) => closeAll(context, recorder),
  },
  async run(coordinator: Coordinator, options: BenchOptions) {
    const users = presenceFanout.users(options);
    const contacts = options.contacts;
    if (contacts >= users) throw new Error(`--contacts ${contacts} needs more than ${contacts} users`);
    const chosen = transport(options);
    const limit = options.p99Limit ?? 100;
    const connected = await coordinator.phase('connect', { transport: chosen }, 300_000);
    const subscribed = await coordinator.phase('subscribe', { contacts, timeoutMs: 120_000 }, 180_000);
    const settled = await coordinator.phase('settle', { contacts, timeoutMs: 30_000 }, 90_000);
    const label = `${chosen} ${users} × ${contacts}`;
    const figures: Figure[] = [
      {
        case: label,
        name: 'contacts ready',
        value: users * contacts - (settled.report.counts['presence-missing'] ?? 0),
        unit: `of ${users * contacts}`,
        better: 'higher',
        note: `${connected.report.counts['connect-ok'] ?? 0} signed in; ${subscribed.report.counts['subscriptions-missing'] ?? 0} subscriptions not approved in time`,
      },
    ];
    const steps: Record<string, unknown>[] = [];
    let best: { rate: number; perSecond: number } | undefined;
    let step = 0;
    for (const rate of options.rates ?? [DEFAULT_RATE]) {
      const current = step++;
        const outcome = await coordinator.phase('step', (w: { count: number }) => ({ rate: share(rate, w.count, users), seconds: options.durationS, step: current }), options.durationS * 1000 + DRAIN_MS + 60_000);
      const result = stepFigures(`${label} @ ${rate} changes/s`, outcome, contacts, limit);
      figures.push(...result.figures);
      steps.push({ rate, ...result.detail });
      if (result.isWithinLimit && (!best || result.perSecond > best.perSecond)) best = { rate, perSecond: result.perSecond };
    }
    figures.push({ case: `${label} best`, name: 'deliveries/s', value: best?.perSecond ?? 0, unit: '/s', better: 'higher', note: best ? `at ${best.rate} changes/s, p99 < ${limit} ms, none lost` : `no step had p99 < ${limit} ms with none lost` });
    await coordinator.phase('close', {}, 120_000);
    return { figures, details: { users, contacts, transport: chosen, seconds: options.durationS, steps, setup: { connect: connected.report.counts, subscribe: subscribed.report.counts, settle: settled.report.counts } } };
  },
};

function stepFigures(label: string, outcome: PhaseOutcome, contacts: number, p99Limit: number) {
  const { counts } = outcome.report;
  const expected = (counts.changes ?? 0) * contacts;
  const deliveries = counts.deliveries ?? 0;
  const lost = Math.max(0, expected - deliveries);
  const window = sendWindowSeconds(outcome);
  const l = latency(outcome.report, 'latency');
  const perSecond = deliveries / window;
  const figures: Figure[] = [
    { case: label, name: 'deliveries/s', value: perSecond, unit: '/s', better: 'higher', note: `${deliveries} of ${expected}` },
    ...latencyFigures(label, l),
    { case: label, name: 'lost', value: lost, unit: 'deliveries', better: 'lower', note: `${counts.late ?? 0} late, ${counts.duplicates ?? 0} extra copies, ${counts.dropped ?? 0} sessions dropped` },
    ...cpuFigures(label, outcome),
    lagFigure(label, outcome),
  ];
  const detail = { changes: counts.changes ?? 0, expected, deliveries, lost, perSecond, latencyMs: l, counts, server: outcome.server, generatorCpuPercent: outcome.generatorCpuPercent, machineBusyPercent: outcome.machineBusyPercent };
  return { figures, detail, perSecond, isWithinLimit: lost === 0 && expected > 0 && l.p99 < p99Limit };
}

function transport(options: BenchOptions): TransportName {
  return options.transports?.[0] ?? 'tcp';
}
