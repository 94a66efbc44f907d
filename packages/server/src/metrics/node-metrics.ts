// What one node reports on /metrics and in the admin page's live view. Gauges are read at scrape
// time from state the node keeps anyway (sessions, streams, BOSH requests, the offline table);
// counters are driven from core's hook events, so no other package carries instrumentation except
// BOSH's terminations (counted where they happen, in bosh-session.ts).
import type { Core, MetricLabels, Metrics, TransportKind } from '@deskchat/core';
import type { BoshService, BoshWire } from '@deskchat/bosh';
import type {} from '@deskchat/files'; // its hook events ('files/refused', 'files/stored')

export interface NodeMetricsSources {
  core: Core;
  metrics: Metrics;
  bosh?: BoshService;
  /** The BOSH wire in front of the HTTP server. */
  boshWire?: BoshWire;
  /** Every stored offline message (the backend's count; undefined when it cannot count). */
  offlineQueue?: () => Promise<number>;
  /** Admin page sign-ins refused while throttled. */
  adminThrottled?: () => number;
}

const TRANSPORTS: TransportKind[] = ['tcp', 'bosh', 'websocket'];
const STANZA_EVENTS = ['message/host', 'message/bare', 'message/full', 'presence/host', 'presence/bare', 'presence/full', 'presence/self', 'iq/host', 'iq/bare', 'iq/full'] as const;

/** A monotonic total per label set, kept here and shown by a scrape-time counter. */
class Totals {
  private readonly values = new Map<string, { labels: MetricLabels; value: number }>();

  add(labels: MetricLabels, value = 1): void {
    this.entryOf(JSON.stringify(labels), labels).value += value;
  }

  /** Adds one to a fixed label set, its key made once (every stanza is counted). Shown from its first count. */
  counter(labels: MetricLabels): () => void {
    const key = JSON.stringify(labels);
    let entry: { labels: MetricLabels; value: number } | undefined;
    return () => void ((entry ??= this.entryOf(key, labels)).value += 1);
  }

  private entryOf(key: string, labels: MetricLabels): { labels: MetricLabels; value: number } {
    let entry = this.values.get(key);
    if (!entry) this.values.set(key, (entry = { labels, value: 0 }));
    return entry;
  }

  samples(): { labels: MetricLabels; value: number }[] {
    return [...this.values.values()];
  }

  sum(filter: (labels: MetricLabels) => boolean = () => true): number {
    return this.samples().reduce((n, s) => n + (filter(s.labels) ? s.value : 0), 0);
  }
}

export interface NodeMetrics {
  /** Records an admin page sign-in (the admin API calls this). */
  adminSignIn(result: string): void;
  /** The key figures for the admin page's live view. */
  status(): Promise<Record<string, unknown>>;
}

export function instrumentNode(sources: NodeMetricsSources): NodeMetrics {
  const { core, metrics } = sources;
  const signIns = new Totals();
  const ended = new Totals();
  const failures = new Totals();
  const stanzas = new Totals();
  const adminSignIns = new Totals();
  const throttled = new Totals();
  const fileRefusals = new Totals();
  const filesStored = new Totals();
  const fileBytesStored = new Totals();

  core.hooks.on('session/bound', ({ session }) => signIns.add({ transport: session.transport.kind }));
  core.hooks.on('session/unbound', ({ session, error }) => {
    ended.add({ transport: session.transport.kind, condition: error?.condition ?? 'normal' });
    core.loadLimit.isAtLimit(core.sessions.size); // leave the refusing state as soon as the node is back under its threshold
  });
  core.hooks.on('session/auth-failed', ({ condition, throttled: scope }) => {
    failures.add({ condition });
    if (scope) throttled.add({ scope });
  });
  core.hooks.on('files/refused', ({ code, at }) => fileRefusals.add({ code, at }));
  core.hooks.on('files/stored', ({ bytes }) => {
    filesStored.add({});
    fileBytesStored.add({}, bytes);
  });
  // Highest priority, never claiming the stanza: dispatch goes on to the real handlers.
  for (const event of STANZA_EVENTS) {
    const [kind, to] = event.split('/') as [string, string];
    const count = stanzas.counter({ kind, to });
    core.hooks.on(event, () => void count(), 1_000_000);
  }

  const byTransport = (items: Iterable<{ transport: { kind: TransportKind } }>) => {
    const counts = Object.fromEntries(TRANSPORTS.map((t) => [t, 0])) as Record<TransportKind, number>;
    for (const item of items) counts[item.transport.kind]++;
    return counts;
  };
  const perTransport = (counts: Record<string, number>) => Object.entries(counts).map(([transport, value]) => ({ labels: { transport }, value }));
  const boshHeld = () => {
    let held = 0;
    for (const session of sources.bosh?.sessions.values() ?? []) held += session.openRequests;
    return held;
  };

  metrics.gaugeFrom({ name: 'deskchat_sessions', help: 'Bound (signed-in) XMPP sessions on this node, by transport', labelNames: ['transport'] }, () => perTransport(byTransport(core.sessions.all())));
  metrics.gaugeFrom({ name: 'deskchat_connections', help: 'Open client streams (TCP connections, WebSocket connections, BOSH sessions), signed in or still negotiating', labelNames: ['transport'] }, () => perTransport(byTransport(core.streams)));
  metrics.counterFrom({ name: 'deskchat_sign_ins_total', help: 'Sessions bound (successful sign-ins), by transport', labelNames: ['transport'] }, () => signIns.samples());
  metrics.counterFrom({ name: 'deskchat_sessions_ended_total', help: 'Bound sessions that ended, by transport and stream error condition (normal: no error)', labelNames: ['transport', 'condition'] }, () => ended.samples());
  metrics.counterFrom({ name: 'deskchat_sign_in_failures_total', help: 'Failed SASL attempts by condition (temporary-auth-failure: refused by the failed-auth lockout)', labelNames: ['condition'] }, () => failures.samples());
  metrics.counterFrom(
    { name: 'deskchat_sign_ins_throttled_total', help: 'Sign-in attempts refused by the failed-auth lockout, by scope (user: limits.authFailuresPerUser from one address; address: limits.authFailuresPerAddress)', labelNames: ['scope'] },
    () => throttled.samples(),
  );
  metrics.counterFrom({ name: 'deskchat_file_uploads_total', help: 'Files uploaded and stored whole (XEP-0363)' }, () => filesStored.sum());
  metrics.counterFrom({ name: 'deskchat_file_upload_bytes_total', help: 'Bytes of the files uploaded and stored whole (XEP-0363)' }, () => fileBytesStored.sum());
  metrics.counterFrom(
    { name: 'deskchat_file_refusals_total', help: 'Transfers refused under the file policy, by refusal code and where it was found (slot request, upload, peer-to-peer offer, in-band data)', labelNames: ['code', 'at'] },
    () => fileRefusals.samples(),
  );
  metrics.counterFrom({ name: 'deskchat_stanzas_routed_total', help: 'Stanzas routed, by kind and addressing (host, bare, full, self)', labelNames: ['kind', 'to'] }, () => stanzas.samples());
  metrics.counterFrom({ name: 'deskchat_load_limit_refusals_total', help: 'Sign-ins refused at limits.maxSessionsPerNode' }, () => core.loadLimit.refusals);
  metrics.gaugeFrom({ name: 'deskchat_load_limit_refusing', help: '1 while this node refuses sign-ins at its load limit' }, () => (core.loadLimit.isAtLimit(core.sessions.size) ? 1 : 0));
  metrics.gaugeFrom({ name: 'deskchat_load_limit_max_sessions', help: 'limits.maxSessionsPerNode (0: no limit)' }, () => core.loadLimit.current.maxSessionsPerNode);
  metrics.gaugeFrom({ name: 'deskchat_load_limit_restore_sessions', help: 'limits.restoreSessionsPerNode' }, () => core.loadLimit.current.restoreSessionsPerNode);
  if (sources.offlineQueue) metrics.gaugeFrom({ name: 'deskchat_offline_messages', help: 'Messages stored offline (XEP-0160) for all users' }, sources.offlineQueue);
  if (sources.bosh) {
    const bosh = sources.bosh;
    metrics.gaugeFrom({ name: 'deskchat_bosh_sessions', help: 'BOSH sessions held by the connection manager' }, () => bosh.sessions.size);
    metrics.gaugeFrom({ name: 'deskchat_bosh_held_requests', help: 'BOSH requests held open (long polls)' }, boshHeld);
  }
  if (sources.boshWire) {
    const wire = sources.boshWire;
    metrics.gaugeFrom({ name: 'deskchat_bosh_wire_connections', help: 'HTTP connections the BOSH wire reads itself (plain BOSH requests on the raw socket)' }, () => wire.connections);
  }
  metrics.counterFrom({ name: 'deskchat_admin_sign_ins_total', help: 'Admin page sign-ins by result (ok, failed, throttled)', labelNames: ['result'] }, () => adminSignIns.samples());

  return {
    adminSignIn: (result) => adminSignIns.add({ result }),
    async status() {
      const limit = core.loadLimit.current;
      return {
        sessions: byTransport(core.sessions.all()),
        connections: byTransport(core.streams),
        signIns: signIns.sum(),
        signInFailures: failures.sum(),
        messagesRouted: stanzas.sum((l) => l.kind === 'message'),
        offlineMessages: sources.offlineQueue ? await sources.offlineQueue() : null,
        boshHeldRequests: boshHeld(),
        loadLimit: { ...limit, isRefusing: core.loadLimit.isAtLimit(core.sessions.size), refusals: core.loadLimit.refusals },
        uptimeSeconds: Math.round(process.uptime()),
        memoryBytes: process.memoryUsage().rss,
      };
    },
  };
}
