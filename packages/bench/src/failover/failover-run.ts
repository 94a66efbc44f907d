// `npm run bench -- failover`: a node dies under load (docs/cluster.md, "Liveness, fencing,
// takeover" and "BOSH sessions that survive their node"). One redis-server (AOF), three nodes —
// imp1a and imp1b (pair1), imp2a (pair2). N BOSH users on imp1a talk with N TCP partners on imp2a
// at R msg/s; M TCP users sit on imp1a, G of them watched (subscribed, RFC 6121 §3) from imp2a.
// imp1a gets SIGKILL mid-traffic; traffic goes on. Measured:
//   1. messages lost and duplicated, both directions (BOSH → TCP counts what the server answered);
//   2. per BOSH session, from the kill to the first request the peer answered (it continues the same sid);
//   3. per watched TCP user, from the kill to the watcher's `unavailable` for its old resource (ghost cleared);
//   4. the TCP users' new sign-ins on imp1b: sign-ins/s while they came in, and kill → last one in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectTcp } from '../tcp-client.js';
import { attr, childText, tagName } from '../stanzas.js';
import type { Endpoint, XmppConnection } from '../xmpp-connection.js';
import { assignHome, importUsers, newRunDir, startClusterNode, startRedis, type ClusterNodeProcess, type Process } from '../cluster-processes.js';
import type { FailoverOptions } from './failover-options.js';
import { MovingBoshClient } from './moving-bosh-client.js';

const DOMAIN = 'localhost';
const PASSWORD = 'bench-failover-pw';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures {
  [name: string]: number | string | undefined;
}

export interface FailoverResult {
  figures: Figures;
  details: Record<string, unknown>;
}

/** Quantiles of a small sample, exactly (no histogram): ms. */
export function quantiles(values: number[]): { p50?: number; p99?: number; max?: number } {
  if (!values.length) return {};
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

async function pool<T>(items: T[], width: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await run(items[i], i);
      }
    }),
  );
}

async function until(check: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s: ${what()}`);
    await sleep(50);
  }
}

const endpoint = (node: ClusterNodeProcess): Endpoint => ({ host: '127.0.0.1', c2sPort: node.c2s, httpPort: node.http, domain: DOMAIN, boshPath: '/http-bind', wsPath: '/xmpp-websocket' });
const chat = (to: string, body: string) => `<message to='${to}@${DOMAIN}' type='chat' xmlns='jabber:client'><body>${body}</body></message>`;

export async function runFailover(options: FailoverOptions, log: (line: string) => void): Promise<FailoverResult> {
  const runDir = newRunDir();
  const processes: Process[] = [];
  const connections: XmppConnection[] = [];
  const boshClients: MovingBoshClient[] = [];
  try {
    const { users: n, tcpUsers: m, ghosts: g } = options;
    const agents = Array.from({ length: n }, (_, i) => `agent${i + 1}`);
    const partners = Array.from({ length: n }, (_, i) => `partner${i + 1}`);
    const tcpUsers = Array.from({ length: m }, (_, i) => `tcp${i + 1}`);
    const watchers = Array.from({ length: g }, (_, i) => `watcher${i + 1}`);

    const redis = await startRedis(runDir);
    processes.push(redis);
    log(`redis-server at ${redis.url}; importing ${2 * n + m + g} users`);
    await importUsers(runDir, redis, [...agents, ...partners, ...tcpUsers, ...watchers], PASSWORD);
    const launch = { runDir, redis: { url: redis.url }, heartbeatSeconds: options.heartbeatSeconds, deadAfterSeconds: options.deadAfterSeconds };
    const [imp1a, imp1b, imp2a] = await Promise.all([
      startClusterNode({ ...launch, name: 'imp1a', pair: 'pair1' }),
      startClusterNode({ ...launch, name: 'imp1b', pair: 'pair1' }),
      startClusterNode({ ...launch, name: 'imp2a', pair: 'pair2' }),
    ]);
    processes.push(imp1a, imp1b, imp2a);
    log(`nodes up (logs in ${runDir})`);
    const homes: [string, string][] = [...[...agents, ...tcpUsers].map((u) => [u, 'imp1a'] as [string, string]), ...[...partners, ...watchers].map((u) => [u, 'imp2a'] as [string, string])];
    await pool(homes, 8, ([user, node]) => assignHome(imp2a.admin, user, node));

    // Received bodies, counted, with the time they arrived (for the delay of the slowest).
    const received = new Map<string, number>();
    const sentAt = new Map<string, number>();
    let slowestMs = 0;
    const onChat = (element: string) => {
      if (tagName(element) !== 'message') return;
      const body = childText(element, 'body');
      if (!body) return;
      received.set(body, (received.get(body) ?? 0) + 1);
      const at = sentAt.get(body);
      if (at !== undefined) slowestMs = Math.max(slowestMs, Date.now() - at);
    };

    // 1. Partners and watchers on imp2a (their home).
    const partnerConns: XmppConnection[] = [];
    const watcherSeen = new Map<string, { availableFrom: Set<string>; unavailableAt: Map<string, number> }>();
    await pool([...partners, ...watchers], 10, async (user) => {
      const conn = await connectTcp(endpoint(imp2a), { username: user, password: PASSWORD, resource: 'desk' });
      connections.push(conn);
      if (user.startsWith('watcher')) {
        const seen = { availableFrom: new Set<string>(), unavailableAt: new Map<string, number>() };
        watcherSeen.set(user, seen);
        conn.onStanza = (el) => {
          if (tagName(el) !== 'presence') return;
          const from = attr(el, 'from') ?? '';
          const type = attr(el, 'type');
          if (type === undefined) seen.availableFrom.add(from);
          if (type === 'unavailable' && !seen.unavailableAt.has(from)) seen.unavailableAt.set(from, Date.now());
        };
      } else {
        conn.onStanza = onChat;
        partnerConns[partners.indexOf(user)] = conn;
      }
      conn.send(`<presence xmlns='jabber:client'/>`);
    });
    log(`${n} partners and ${g} watchers signed in on imp2a`);

    // 2. BOSH agents on imp1a, with imp1b as the next URL.
    const agentClients: MovingBoshClient[] = [];
    await pool(agents, 10, async (user, i) => {
      const client = new MovingBoshClient([imp1a.bosh, imp1b.bosh], user, PASSWORD, DOMAIN, onChat);
      await client.start();
      boshClients.push(client);
      agentClients[i] = client;
    });
    log(`${n} BOSH agents signed in on imp1a`);

    // 3. TCP users on imp1a; the first G approve their watcher's subscription (RFC 6121 §3.1.3).
    const tcpJids = new Map<string, string>();
    const tcpConns = new Map<string, XmppConnection>();
    const approve = (conn: XmppConnection) => (el: string) => {
      if (tagName(el) === 'presence' && attr(el, 'type') === 'subscribe') {
        conn.send(`<presence to='${(attr(el, 'from') ?? '').split('/')[0]}' type='subscribed' xmlns='jabber:client'/>`);
        conn.send(`<presence xmlns='jabber:client'/>`);
      }
    };
    await pool(tcpUsers, 10, async (user) => {
      const conn = await connectTcp(endpoint(imp1a), { username: user, password: PASSWORD, resource: 'desk' });
      connections.push(conn);
      conn.onStanza = approve(conn);
      conn.send(`<presence xmlns='jabber:client'/>`);
      tcpJids.set(user, conn.jid);
      tcpConns.set(user, conn);
    });
    for (const [i, watcher] of watchers.entries()) {
      const conn = connections.find((c) => c.jid.startsWith(`${watcher}@`))!;
      conn.send(`<presence to='${tcpUsers[i]}@${DOMAIN}' type='subscribe' xmlns='jabber:client'/>`);
    }
    await until(
      () => watchers.every((w, i) => watcherSeen.get(w)!.availableFrom.has(tcpJids.get(tcpUsers[i])!)),
      () => 'every watcher sees its TCP user available',
      30_000,
    );
    log(`${m} TCP users on imp1a, ${g} of them watched from imp2a`);

    // 4. Traffic at R msg/s: even k partner → agent, odd k agent → partner, pairs in turn.
    const sentToAgents: string[] = [];
    const confirmedToPartners: string[] = [];
    const failedToPartners: string[] = [];
    const boshSends: Promise<void>[] = [];
    let isTalking = true;
    let k = 0;
    const trafficStart = Date.now();
    const traffic = (async () => {
      while (isTalking) {
        const due = Math.floor(((Date.now() - trafficStart) * options.rate) / 1000);
        for (; k < due; k++) {
          const pair = Math.floor(k / 2) % n;
          const body = `m${k}`;
          sentAt.set(body, Date.now());
          if (k % 2 === 0) {
            partnerConns[pair].send(chat(agents[pair], body));
            sentToAgents.push(body);
          } else {
            boshSends.push(agentClients[pair].send(chat(partners[pair], body)).then(() => void confirmedToPartners.push(body), () => void failedToPartners.push(body)));
          }
        }
        await sleep(10);
      }
    })();
    await sleep(options.before * 1000);

    // 5. The kill. TCP users see their stream drop and sign in again on imp1b, retrying (with
    //    jitter) while imp1b still redirects them to their home, until the takeover.
    const killedAt = Date.now();
    imp1a.kill('SIGKILL');
    log(`imp1a killed after ${options.before} s (${k} messages so far)`);
    const signInAt: number[] = [];
    let failedAttempts = 0;
    const rejoined = Promise.all(
      tcpUsers.map(async (user, i) => {
        const old = tcpConns.get(user)!;
        await until(() => !old.isOpen, () => `${user} sees its connection drop`, 30_000);
        const deadline = Date.now() + 60_000;
        for (let attempt = 0; ; attempt++) {
          try {
            const conn = await connectTcp(endpoint(imp1b), { username: user, password: PASSWORD, resource: `again${attempt}` });
            connections.push(conn);
            conn.onStanza = approve(conn);
            conn.send(`<presence xmlns='jabber:client'/>`);
            signInAt[i] = Date.now();
            return;
          } catch (err) {
            failedAttempts++;
            if (Date.now() > deadline) throw new Error(`${user} could not sign in again on imp1b: ${(err as Error).message}`);
            await sleep(250 + Math.random() * 500);
          }
        }
      }),
    );
    await sleep(options.after * 1000);
    isTalking = false;
    await traffic;
    await rejoined;
    await Promise.all(boshSends);
    log(`traffic stopped after ${k} messages; end markers`);

    // 6. End markers: once each has arrived, everything sent before it on that pair has too.
    for (let i = 0; i < n; i++) {
      partnerConns[i].send(chat(agents[i], `end-to-agent${i}`));
      sentToAgents.push(`end-to-agent${i}`);
    }
    await Promise.all(agentClients.map((c, i) => c.send(chat(partners[i], `end-to-partner${i}`)).then(() => void confirmedToPartners.push(`end-to-partner${i}`))));
    await until(
      () => agents.every((_, i) => received.has(`end-to-agent${i}`) && received.has(`end-to-partner${i}`)),
      () => `end markers missing: ${agents.filter((_, i) => !received.has(`end-to-agent${i}`) || !received.has(`end-to-partner${i}`)).join(' ')}`,
      60_000,
    );

    // 7. Figures.
    const lostToAgents = sentToAgents.filter((b) => !received.has(b));
    const lostToPartners = confirmedToPartners.filter((b) => !received.has(b));
    const duplicated = [...received.entries()].filter(([, count]) => count > 1).map(([body]) => body);
    const resumed = agentClients.map((c) => (c.resumedAt !== undefined ? c.resumedAt - killedAt : undefined));
    const resumedMs = resumed.filter((v): v is number => v !== undefined);
    const ghostMs = watchers.map((w, i) => watcherSeen.get(w)!.unavailableAt.get(tcpJids.get(tcpUsers[i])!)).map((at) => (at === undefined ? undefined : at - killedAt));
    const ghostCleared = ghostMs.filter((v): v is number => v !== undefined);
    const firstIn = Math.min(...signInAt);
    const lastIn = Math.max(...signInAt);
    const r = quantiles(resumedMs);
    const gq = quantiles(ghostCleared);
    const figures: Figures = {
      'messages sent': sentToAgents.length + confirmedToPartners.length,
      'messages lost': lostToAgents.length + lostToPartners.length,
      'messages duplicated': duplicated.length,
      'BOSH sends refused (not counted as sent)': failedToPartners.length,
      'slowest delivery (ms)': slowestMs,
      'BOSH sessions resumed on imp1b': `${resumedMs.length}/${n}`,
      'BOSH resumed after kill p50 (ms)': r.p50,
      'BOSH resumed after kill p99 (ms)': r.p99,
      'BOSH resumed after kill max (ms)': r.max,
      'ghost presences cleared': `${ghostCleared.length}/${g}`,
      'ghost cleared after kill p50 (ms)': gq.p50,
      'ghost cleared after kill max (ms)': gq.max,
      'TCP users signed in again on imp1b': `${signInAt.filter((v) => v !== undefined).length}/${m}`,
      'TCP sign-ins/s absorbed by imp1b': m > 1 && lastIn > firstIn ? Math.round(((m - 1) * 1000) / (lastIn - firstIn)) : undefined,
      'TCP first sign-in after kill (ms)': m ? firstIn - killedAt : undefined,
      'TCP last sign-in after kill (ms)': m ? lastIn - killedAt : undefined,
      'TCP sign-in attempts refused meanwhile': failedAttempts,
    };
    return {
      figures,
      details: {
        runDir,
        lostToAgents: lostToAgents.slice(0, 50),
        lostToPartners: lostToPartners.slice(0, 50),
        duplicated: duplicated.slice(0, 50),
        resumedMs: resumed,
        ghostMs,
        signInMs: signInAt.map((at) => at - killedAt),
        boshErrors: agentClients.flatMap((c) => c.errors).slice(0, 20),
      },
    };
  } finally {
    await Promise.all(boshClients.map((c) => c.stop().catch(() => undefined)));
    await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
    for (const p of processes.reverse()) await p.stop().catch(() => undefined);
  }
}

export function writeFailoverJson(file: string | undefined, options: FailoverOptions, result: FailoverResult, started: Date): string {
  const target = file ?? path.join(os.tmpdir(), 'deskchat-bench', `failover-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory: os.totalmem(), loadAtStart: os.loadavg(), node: process.version };
  fs.writeFileSync(target, `${JSON.stringify({ startedAt: started.toISOString(), machine, options, ...result }, null, 2)}\n`);
  return target;
}
