// Taking over a dead node's duties (design.md §5, issue "Failover"): exactly one live node — the
// dead node's pair peer first, any live node once the peer has had its chance — under a lock:
//   1. every session the directory still gives the dead node leaves the directory, and modules end
//      what they kept for it ('session/lost': presence unavailable to subscribers, so no ghost
//      presence; chat locks released);
//   2. whatever waits for the dead node on the bus (published between its death and now) is routed
//      again: a stanza for one of its sessions goes through Router.redeliver (the user's other
//      resources or offline storage), so that nothing sent in the gap is lost — except a stanza for
//      a session still waiting to be continued (below), which joins that session's own queue.
// BOSH sessions that another node can continue (their state is in shared state) are not ended: the
// client resends its request to the peer, which adopts the session with nothing lost and nothing
// broadcast. One that nobody adopts within its `inactivity` ends then, as any idle BOSH session
// would: unavailable to subscribers, its outbox routed again (other resources, offline storage).
// TCP and WebSocket streams that enabled XEP-0198 resumption likewise wait for the client to resume
// them on another node (stream/sm/) until their resumption timeout, counted from the first look
// when the node died with the connection up; then they end the same way, their unacknowledged
// stanzas routed again.
// Running it again finds nothing left to do, so a crash of the taker mid-way is repaired by the next.
import { parseDocument } from '../xml/index.js';
import type { Core } from '../core.js';
import type { NodeStatus } from './cluster-registry.js';

export interface TakeoverResult {
  sessions: number;
  stanzas: number;
}

/** Whether `self` may take over `dead` now: its pair peer at once, anyone else after `graceMs` more. */
export function mayTakeOver(self: NodeStatus | { name: string; pair: string }, dead: NodeStatus, peerAlive: boolean, now: number, deadAfterMs: number, graceMs: number): boolean {
  if (dead.name === self.name || dead.isAlive) return false;
  if (self.pair === dead.pair) return true;
  if (!peerAlive) return now - dead.lastSeen >= deadAfterMs;
  // The peer is alive but has not done it: step in after a grace period.
  return now - dead.lastSeen >= deadAfterMs + graceMs;
}

export async function takeOver(core: Core, dead: string, now: number = Date.now()): Promise<TakeoverResult> {
  const limits = { ...core.options.xml, maxStanzaBytes: core.options.xml.maxStanzaBytes + 4096 };
  const read = (text: string) => {
    const el = parseDocument(text, limits);
    if (el.attrs.xmlns === 'jabber:client') delete el.attrs.xmlns;
    return el;
  };
  return core.locks.withLock(
    `takeover:${dead}`,
    async () => {
      const entries = await core.directory.entriesOfNode(dead);
      let sessions = 0;
      let stanzas = 0;
      // Sessions left to be continued elsewhere, by full JID: what waits for them on the bus joins
      // their own queue instead of being routed again (it would come back to them, tick after tick).
      const waiting = new Map<string, (xml: string) => Promise<boolean>>();
      for (const entry of entries) {
        const jid = `${entry.username}@${core.domain}/${entry.resource}`;
        const bosh = entry.transport === 'bosh' && entry.resumeId && core.boshState ? await core.boshState.load(entry.resumeId) : undefined;
        if (bosh && bosh.record.node === dead && now - bosh.record.lastActivity < bosh.record.params.inactivity * 1000) {
          const sid = entry.resumeId!;
          waiting.set(jid, async (xml) => (await core.boshState!.append(sid, [xml])).length > 0);
          continue; // waits to be adopted
        }
        const resumable = entry.transport !== 'bosh' && entry.resumeId ? await core.sm.takeOver(entry.resumeId, dead, now) : undefined;
        if (resumable === 'waiting') {
          const id = entry.resumeId!;
          waiting.set(jid, (xml) => core.sm.holdForResumption(id, xml));
          continue; // waits to be resumed (XEP-0198)
        }
        if (!(await core.directory.unregister(entry.username, entry.resource, entry.sessionId, dead))) continue;
        sessions++;
        await core.hooks.notify('session/lost', { username: entry.username, resource: entry.resource, sessionId: entry.sessionId, node: dead });
        if (resumable) stanzas += await core.sm.routeAgain(resumable);
        if (bosh) {
          // Nobody continued it in time: what it still had for the client goes to other resources or offline storage.
          await core.boshState!.remove(entry.resumeId!);
          for (const item of bosh.outbox) {
            try {
              stanzas += await core.router.redeliver([read(item.xml)]);
            } catch (err) {
              core.log.warn({ err, dead }, 'could not route again a stanza left in a BOSH outbox');
            }
          }
        }
      }
      for (const message of await core.bus.drain(dead)) {
        if (message.type !== 'stanza') continue; // close orders and IQ replies have nobody left to go to
        try {
          const hold = waiting.get(message.to);
          if (hold && (await hold(message.stanza))) continue;
          stanzas += await core.router.redeliver([read(message.stanza)]);
        } catch (err) {
          core.log.warn({ err, dead }, 'could not route again a stanza left for a dead node');
        }
      }
      if (sessions > 0 || stanzas > 0) core.log.warn({ dead, sessions, stanzas }, 'took over a dead node: its sessions ended, what waited for it routed again');
      return { sessions, stanzas };
    },
    { ttlMs: 60_000 },
  );
}
