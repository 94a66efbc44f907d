// A node dies mid-conversation (issue "Failover"): a four-node cluster of DeskChat processes on a real
// redis-server with AOF — imp1a and imp1b (pair1), imp2a and imp2b (pair2) — and 20 agents on imp1a (10 over BOSH, 5 over
// TCP, 5 over WebSocket) exchanging numbered messages with 20 partners on imp2a. imp1a is killed
// with SIGKILL while they talk. Then, measured and asserted:
//   - every partner's message reaches its agent exactly once: BOSH agents continue their session on
//     imp1b (the same sid, no new sign-in); TCP and WebSocket agents sign in again on imp1b (their
//     home is dead, so their backup serves them) and get what arrived meanwhile from offline storage;
//   - every message a BOSH agent sent (and the server answered) reaches its partner, at most one of
//     them twice: the request whose payloads the dead node had routed but not yet marked handled is
//     routed again by the backup (docs/cluster.md, "BOSH sessions that survive their node");
//   - partners see `unavailable` for the dead node's TCP and WebSocket resources within 10 s, and
//     nothing at all for the BOSH ones (no flap). The TCP and WebSocket agents enabled XEP-0198
//     resumption (xmpp.js does by itself) but sign in again rather than resume
//     (cluster-resumption.e2e.test.ts resumes): their former sessions wait in Redis for a
//     resumption until `sm.resumptionTimeout` after the takeover — 1 s here — and then end;
//   - the last manual status of an agent who signs in again is still kept for any client to read.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { deriveCredentials } from '@deskchat/core';
import { RedisClusterRegistry, RedisSessionDirectory, connectRedis, openRedisStores, parseRedisOptions, type RedisConnection } from '@deskchat/redis';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { writeFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { plainCredentials, tempDir } from './__tests__/e2e-helpers.js';
import { FailoverBoshClient } from './__tests__/failover-bosh-client.js';
import { startNodeProcess, type NodeProcess } from './__tests__/node-process.js';

// @xmpp/websocket uses the WHATWG WebSocket global, which Node 20 lacks; ws implements it.
Object.assign(globalThis, { WebSocket: (globalThis as { WebSocket?: unknown }).WebSocket ?? WebSocket });

const BOSH_AGENTS = 10;
const TCP_AGENTS = 5;
const WS_AGENTS = 5;
const AGENTS = BOSH_AGENTS + TCP_AGENTS + WS_AGENTS;
const RATE_MS = 250;
// Info-level node logs: a failure quotes what the nodes said about the agent it concerns.
const CLUSTER_ENV = { DESKCHAT_HEARTBEAT_SECONDS: '1', DESKCHAT_DEAD_AFTER_SECONDS: '3', DESKCHAT_LOG_LEVEL: 'info' };

let redis: RedisTestServer;
let connection: RedisConnection;
let stores: ReturnType<typeof openRedisStores>;
let imp1a: NodeProcess;
let imp1b: NodeProcess;
let imp2a: NodeProcess;
/** The fourth node: idle, but alive: the takeover happens in a whole cluster, where the dead node's peer (imp1b) takes over before the other pair's nodes may. */
let imp2b: NodeProcess;
const clients: Client[] = [];

type Kind = 'bosh' | 'tcp' | 'websocket';
interface Agent {
  name: string;
  kind: Kind;
  bosh?: FailoverBoshClient;
  xmpp?: Client;
  /** Bodies received, from every connection the agent had. */
  received: string[];
  /** Bodies the agent sent that the server took (BOSH: the request was answered). */
  sent: string[];
  resourceBeforeKill?: string;
  /** The manual status read back after signing in again. */
  restoredShow?: string;
  /** What happened to the agent and when (ms after the kill), for a failure's message. */
  events: string[];
}
interface Partner {
  name: string;
  xmpp: Client;
  received: string[];
  unavailableAt: Map<string, number>;
  presences: Element[];
  /** Bodies of the errors the server returned for the partner's messages. */
  errors: string[];
}

const agents: Agent[] = [];
const partners: Partner[] = [];

const agentName = (i: number) => `agent${i}`;
const partnerName = (i: number) => `partner${i}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let killedAt = 0;
const note = (agent: Agent, event: string) => void agent.events.push(`${killedAt ? Date.now() - killedAt : '-'}ms ${event}`);

async function until(check: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

/** `plain` for the sign-ins after the kill: ten agents computing xmpp.js's SCRAM at once on a loaded machine took over 20 s (e2e-helpers). */
async function xmppClient(service: string, user: string, resource: string, onStanza: (el: Element) => void, options: { plain?: boolean } = {}): Promise<Client> {
  const credentials = options.plain ? plainCredentials(user, `pw-${user}`) : { username: user, password: `pw-${user}` };
  const xmpp = client({ service, domain: 'localhost', ...credentials, resource, timeout: 15_000 });
  xmpp.on('error', () => {});
  xmpp.on('stanza', onStanza);
  xmpp.reconnect.stop();
  await xmpp.start();
  clients.push(xmpp);
  return xmpp;
}

/** Signs a TCP or WebSocket agent in on imp1b once it serves them (their home must be seen dead first). */
async function signInAgain(agent: Agent): Promise<Client> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; ; attempt++) {
    const service = agent.kind === 'tcp' ? `xmpp://127.0.0.1:${imp1b.c2s}` : imp1b.websocket;
    try {
      note(agent, `attempt ${attempt}`);
      const xmpp = await xmppClient(service, agent.name, `after-${attempt}`, (el) => onAgentStanza(agent, el), { plain: true });
      note(agent, `bound ${xmpp.jid?.toString()}`);
      // As the gadget does after a failover: read the last manual status the server kept, and restore it.
      const kept = await xmpp.iqCaller.get(xml('query', { xmlns: 'jabber:iq:private' }, xml('manual-presence', { xmlns: 'urn:deskchat:presence:0' })));
      const manual = kept.getChild('manual-presence');
      agent.restoredShow = manual?.attrs.show;
      await xmpp.send(xml('presence', {}, ...(manual?.attrs.show && manual.attrs.show !== 'available' ? [xml('show', {}, manual.attrs.show)] : []), ...(manual?.getChildText('status') ? [xml('status', {}, manual.getChildText('status')!)] : [])));
      note(agent, 'presence sent');
      return xmpp;
    } catch (err) {
      note(agent, `attempt ${attempt} failed: ${(err as Error).message}`);
      if (Date.now() > deadline) throw err;
      await sleep(300 + Math.random() * 400); // spread over a re-login window: no storm
    }
  }
}

function onAgentStanza(agent: Agent, el: Element): void {
  if (!el.is('message') || !el.getChildText('body')) return;
  const body = el.getChildText('body')!;
  // The first message after a gap, and whether it came from offline storage (a XEP-0203 delay).
  const last = agent.received.at(-1);
  if (last === undefined || Number(body.split('-')[1]) !== Number(last.split('-')[1]) + 1) note(agent, `got ${body} to ${el.attrs.to}${el.getChild('delay', 'urn:xmpp:delay') ? ' (delayed)' : ''}`);
  agent.received.push(body);
}

/** Why an agent lacks messages: what is still in its offline queue, its directory entries, the partner's errors, its events and what the nodes logged about it. */
async function diagnose(agent: Agent, partner: Partner, missing: string[]): Promise<string> {
  const queued = (await stores.offline.listMessages(agent.name)).map((m) => /<body>([^<]*)</.exec(m.stanza)?.[1]);
  const entries = (await new RedisSessionDirectory(connection).resourcesOf(agent.name)).map((e) => `${e.resource}@${e.node}${e.isAvailable ? '' : ' (unavailable)'}`);
  const logged = [imp1a, imp1b, imp2a, imp2b].flatMap((node) => node.log().split('\n').filter((line) => line.includes(`"${agent.name}@`) || line.includes(`user":"${agent.name}"`)).map((line) => `${node.name}: ${line.slice(0, 300)}`));
  return [
    `${agent.name} (${agent.kind}) lacks ${missing.length}: ${missing[0]}..${missing.at(-1)}`,
    `offline queue: ${queued.join(' ')}`,
    `directory: ${entries.join(', ')}`,
    `partner errors: ${partner.errors.join(' ')}`,
    `events: ${agent.events.join('; ')}`,
    ...logged.slice(-20),
  ].join('\n');
}

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  connection = await connectRedis(parseRedisOptions({ url: redis.url }, 'test'));
  stores = openRedisStores(connection);
  const registry = new RedisClusterRegistry(connection);
  const both = { groups: [], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
  for (let i = 0; i < AGENTS; i++) {
    for (const user of [agentName(i), partnerName(i)]) await stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`, 4096) });
    await registry.assign(agentName(i), 'imp1a');
    await registry.assign(partnerName(i), 'imp2a');
    await stores.roster.setItem(agentName(i), { jid: `${partnerName(i)}@localhost`, ...both });
    await stores.roster.setItem(partnerName(i), { jid: `${agentName(i)}@localhost`, ...both });
  }
  // A short resumption timeout: the agents do not resume (above), so their former sessions end soon after the takeover.
  const config = `${tempDir('deskchat-failover-')}/deskchat.yaml`;
  writeFileSync(config, 'sm:\n  resumptionTimeout: 1\n');
  const cluster = { redisUrl: redis.url, env: { ...CLUSTER_ENV, DESKCHAT_CONFIG: config } };
  [imp1a, imp1b, imp2a, imp2b] = await Promise.all([
    startNodeProcess({ name: 'imp1a', pair: 'pair1', ...cluster }),
    startNodeProcess({ name: 'imp1b', pair: 'pair1', ...cluster }),
    startNodeProcess({ name: 'imp2a', pair: 'pair2', ...cluster }),
    startNodeProcess({ name: 'imp2b', pair: 'pair2', ...cluster }),
  ]);
  for (let i = 0; i < AGENTS; i++) {
    const partner: Partner = { name: partnerName(i), xmpp: undefined as unknown as Client, received: [], unavailableAt: new Map(), presences: [], errors: [] };
    partner.xmpp = await xmppClient(`xmpp://127.0.0.1:${imp2a.c2s}`, partner.name, 'desk', (el) => {
      if (el.is('message') && el.attrs.type === 'error') partner.errors.push(`${el.getChildText('body')}: ${el.getChild('error')?.children.map((c) => (typeof c === 'string' ? c : c.name)).join(',')}`);
      else if (el.is('message') && el.getChildText('body')) partner.received.push(el.getChildText('body')!);
      if (el.is('presence')) {
        partner.presences.push(el);
        if (el.attrs.type === 'unavailable' && !partner.unavailableAt.has(el.attrs.from)) partner.unavailableAt.set(el.attrs.from, Date.now());
      }
    });
    await partner.xmpp.send(xml('presence'));
    partners.push(partner);
  }
  for (let i = 0; i < AGENTS; i++) {
    const kind: Kind = i < BOSH_AGENTS ? 'bosh' : i < BOSH_AGENTS + TCP_AGENTS ? 'tcp' : 'websocket';
    const agent: Agent = { name: agentName(i), kind, received: [], sent: [], events: [] };
    const status = xml('presence', {}, xml('show', {}, 'dnd'), xml('status', {}, `busy ${i}`));
    if (kind === 'bosh') {
      agent.bosh = new FailoverBoshClient([imp1a.bosh, imp1b.bosh], agent.name, `pw-${agent.name}`, (el) => onAgentStanza(agent, el));
      await agent.bosh.start(status);
      agent.resourceBeforeKill = agent.bosh.jid;
    } else {
      const service = kind === 'tcp' ? `xmpp://127.0.0.1:${imp1a.c2s}` : imp1a.websocket;
      agent.xmpp = await xmppClient(service, agent.name, 'desk', (el) => onAgentStanza(agent, el));
      await agent.xmpp.send(status);
      agent.resourceBeforeKill = agent.xmpp.jid!.toString();
    }
    agents.push(agent);
  }
}, 120_000);

afterAll(async () => {
  // A debugging aid: DESKCHAT_TEST_NODE_LOGS=dir keeps each node's log there.
  const logDir = process.env.DESKCHAT_TEST_NODE_LOGS;
  if (logDir) for (const node of [imp1a, imp1b, imp2a, imp2b]) if (node) writeFileSync(`${logDir}/${node.name}.log`, node.log());
  await Promise.all(agents.map((a) => a.bosh?.stop().catch(() => undefined)));
  await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
  for (const node of [imp1a, imp1b, imp2a, imp2b]) if (node) await node.stop().catch(() => undefined);
  await connection?.close();
  await redis?.stop();
}, 60_000);

describe('a node killed mid-conversation (SIGKILL)', () => {
  it('loses no message and no BOSH session, and clears the ghost presence of the others', async () => {
    // Every partner sees every agent available before anything happens.
    await until(() => partners.every((p, i) => p.presences.some((el) => el.attrs.from === agents[i].resourceBeforeKill && el.attrs.type === undefined)), 'agents available at their partners', 30_000);
    let isTalking = true;
    let seq = 0;
    // BOSH sends are not awaited by the rounds: during the move one waits for the takeover.
    const boshSends: Promise<void>[] = [];
    const talk = (async () => {
      while (isTalking) {
        seq++;
        const round = seq;
        await Promise.all(
          agents.map(async (agent, i) => {
            const toAgent = `p${i}-${round}`;
            await partners[i].xmpp.send(xml('message', { to: `${agent.name}@localhost`, type: 'chat' }, xml('body', {}, toAgent))).catch(() => undefined);
            if (agent.kind === 'bosh') {
              const toPartner = `a${i}-${round}`;
              // Sent once; taken when the server answers (on whichever node that is).
              boshSends.push(
                agent.bosh!.send(xml('message', { to: `${partnerName(i)}@localhost`, type: 'chat', xmlns: 'jabber:client' }, xml('body', {}, toPartner))).then(
                  () => void agent.sent.push(toPartner),
                  () => undefined,
                ),
              );
            }
          }),
        );
        await sleep(RATE_MS);
      }
    })();
    const sentBefore = () => seq;
    await until(() => sentBefore() >= 6, 'a few rounds before the kill', 30_000);
    killedAt = Date.now();
    imp1a.kill('SIGKILL');
    // TCP and WebSocket agents see their connection drop and sign in again (on the backup, once it serves them).
    const rejoined = Promise.all(
      agents.filter((a) => a.kind !== 'bosh').map(async (agent) => {
        await until(() => agent.xmpp!.status !== 'online', `${agent.name} sees its connection drop`, 15_000);
        note(agent, 'connection dropped');
        agent.xmpp = await signInAgain(agent);
      }),
    );
    await rejoined;
    await until(() => sentBefore() >= 40, 'rounds after the kill', 60_000);
    isTalking = false;
    await talk;
    await Promise.all(boshSends);
    const rounds = seq;

    // Exactly once, in full: a last marker per pair proves everything before it has arrived — also
    // what waited in offline storage, which the server writes before newer live messages (offline.ts).
    for (let i = 0; i < AGENTS; i++) await partners[i].xmpp.send(xml('message', { to: `${agentName(i)}@localhost`, type: 'chat' }, xml('body', {}, `p${i}-end`)));
    const missing = () =>
      agents
        .map((a, i) => ({ a, i }))
        .filter(({ a, i }) => !a.received.includes(`p${i}-end`))
        .map(({ a }) => `${a.name} (${a.kind}, ${a.received.length} received, last ${a.received.at(-1)}; bosh moved ${a.bosh?.movedAt !== undefined} resumed ${a.bosh?.resumedAt !== undefined}; errors ${a.bosh?.errors.join(' | ')})`)
        .join('; ');
    await until(() => agents.every((a, i) => a.received.includes(`p${i}-end`)), () => `the end markers at every agent: missing at ${missing()}`, 30_000);
    for (const [i, agent] of agents.entries()) {
      const expected = Array.from({ length: rounds }, (_, k) => `p${i}-${k + 1}`);
      const got = agent.received.filter((b) => b !== `p${i}-end`).sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]));
      const unique = [...new Set(got)];
      const lacking = expected.filter((body) => !unique.includes(body));
      if (lacking.length > 0) throw new Error(await diagnose(agent, partners[i], lacking));
      expect([agent.name, agent.kind, unique]).toEqual([agent.name, agent.kind, expected]);
      // BOSH: exactly once (the shared outbox). TCP and WebSocket agents sign in again here instead of
      // resuming (cluster-resumption.e2e.test.ts resumes, exactly once): what the dead node had
      // written but the client had not acknowledged yet (XEP-0198, acks asked every few stanzas) or
      // the bus had not marked handled cannot be told apart from what the client never got, so it
      // comes again — at least once, bounded by the unacknowledged window at the kill: the server asks
      // for an ack after 5 stanzas (sm.ackRequestBurst), plus what it wrote while the ack was on its
      // way (up to 13 seen with partners sending every few ms on a 2-core machine).
      if (agent.kind === 'bosh') expect([agent.name, got.length]).toEqual([agent.name, unique.length]);
      else expect([agent.name, got.length - unique.length, got.length - unique.length <= 20]).toEqual([agent.name, got.length - unique.length, true]);
    }
    // In parallel: a request that carries a stanza is held like a poll (hold = 1) until something comes back or `wait` ends.
    await Promise.all(
      agents.map((agent, i) => (agent.kind === 'bosh' ? agent.bosh!.send(xml('message', { to: `${partnerName(i)}@localhost`, type: 'chat', xmlns: 'jabber:client' }, xml('body', {}, `a${i}-end`))) : undefined)),
    );
    await until(() => agents.every((a, i) => a.kind !== 'bosh' || partners[i].received.includes(`a${i}-end`)), 'the BOSH agents\' end markers', 30_000);
    for (const [i, agent] of agents.entries()) {
      if (agent.kind !== 'bosh') continue;
      const got = partners[i].received.filter((b) => b.startsWith(`a${i}-`) && b !== `a${i}-end`);
      expect([agent.name, [...new Set(got)].sort()]).toEqual([agent.name, [...agent.sent].sort()]);
      expect([agent.name, got.length - new Set(got).size <= 1]).toEqual([agent.name, true]);
    }

    // BOSH sessions continued on imp1b: same JID, and it moved there.
    for (const agent of agents.filter((a) => a.kind === 'bosh')) {
      expect(agent.bosh!.resumedAt).toBeDefined();
      expect(agent.bosh!.jid).toBe(agent.resourceBeforeKill);
    }
    // Ghost presence: unavailable for the dead node's TCP and WebSocket resources within 10 s; none for BOSH.
    for (const [i, agent] of agents.entries()) {
      const at = partners[i].unavailableAt.get(agent.resourceBeforeKill!);
      if (agent.kind === 'bosh') expect([agent.name, at]).toEqual([agent.name, undefined]);
      else {
        expect([agent.name, at !== undefined]).toEqual([agent.name, true]);
        expect(at! - killedAt).toBeLessThan(10_000);
      }
    }
    // The last manual status was kept for the agents who signed in again (XEP-0049), and they restored it.
    for (const agent of agents.filter((a) => a.kind !== 'bosh')) expect([agent.name, agent.restoredShow]).toEqual([agent.name, 'dnd']);
  }, 240_000);
});
