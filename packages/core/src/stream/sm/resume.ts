// XEP-0198 §5: <resume previd h/> on a newly authenticated stream, on any node. The stream takes
// over the bound session the SM-ID names — same session id, same full JID, same availability, so
// that contacts see no unavailable/available flap — with its counters and the stanzas its client
// has not acknowledged, which are sent again.
//
//   1. Only on an authenticated stream that has neither bound a resource nor enabled stream
//      management (else unexpected-request, §3); never on BOSH (feature-not-implemented).
//   2. An unknown SM-ID, another user's, or one past its timeout: item-not-found (§5).
//   3. An 'h' beyond what the former stream sent: undefined-condition with
//      <handled-count-too-high/> (§6), and the former session ends as if not resumed.
//   4. The session must still hold its full JID in the session directory (a takeover of a dead
//      node may have ended it): else item-not-found, and what it held goes back to the router.
//   5. Claim the record (compare-and-set on its epoch: a second resumption, or the timeout, loses).
//   6. This stream becomes the session: registered locally, <resumed/> sent, then the stanzas
//      not acknowledged, then anything routed to it meanwhile.
//   7. The former stream is closed with conflict (§5) without ending the session: on this node
//      directly; on another, the directory entry moves to this node and the former node is told
//      through core.closeSession (it finds the record claimed and leaves the session alone).
import type { Element } from '@xmpp/xml';
import { StreamError } from '@deskchat/protocol';
import type { Session } from '../../session.js';
import type { ResumableStream } from '../../volatile/index.js';
import { parseDocument } from '../../xml/index.js';
import { parseSeq, seqDistance } from './counters.js';
import { failedElement, handledCountTooHigh, resumedElement } from './elements.js';
import type { SmService } from './sm-service.js';
import { StreamManagement } from './stream-management.js';

export async function resume(service: SmService, session: Session, el: Element): Promise<void> {
  const { core } = service;
  const fail = (...args: Parameters<typeof failedElement>) => session.write(failedElement(...args));
  // 1.
  if (!service.isOffered(session)) return fail('feature-not-implemented');
  if (session.state !== 'authenticated' || session.sm) return fail('unexpected-request');
  const previd = el.attrs.previd;
  const h = parseSeq(el.attrs.h);
  if (!previd || h === undefined) return fail('bad-request');
  await session.whileResuming(async () => {
    // 2.
    const record = await service.store.get(previd);
    const now = service.clock.now();
    if (!record || record.username !== session.username || (record.expiresAt !== undefined && record.expiresAt <= now)) return fail('item-not-found');
    const former = { node: record.node, username: record.username, resource: record.resource, sessionId: record.sessionId };
    // 3.
    const sent = (record.acked + record.unacked.length) % 2 ** 32;
    if (seqDistance(h, record.acked) > record.unacked.length) {
      fail('undefined-condition', { extra: handledCountTooHigh(h, sent) });
      await core.closeSession(former, new StreamError('undefined-condition', 'a resumption acknowledged more stanzas than were sent (XEP-0198 §6)'));
      return;
    }
    // 4.
    const entry = await core.directory.get(record.username, record.resource);
    if (!entry) await endOrphan(service, record, now);
    if (entry?.sessionId !== record.sessionId) return fail('item-not-found'); // replaced by a new bind: that session's end removes the record
    // 5.
    const claimed = await service.store.claim(previd, { username: record.username, epoch: record.epoch, node: core.node, now });
    if (!claimed) return fail('item-not-found');
    // 6. No await until the session is registered: a stanza forwarded by the former holder finds it.
    const unacked = claimed.unacked.map((text) => parseDocument(text, service.storedLimits));
    session.onResumed(claimed.sessionId, core.jid(claimed.username, claimed.resource), { isAvailable: entry.isAvailable, priority: entry.priority });
    const sm = new StreamManagement(session, service, { id: previd, epoch: claimed.epoch, maxSeconds: claimed.maxSeconds, inbound: claimed.inbound, acked: claimed.acked, unacked });
    session.sm = sm;
    sm.onAck(h);
    const predecessor = service.local.get(previd);
    service.local.set(previd, session);
    core.sessions.add(session);
    session.transport.send(resumedElement(previd, claimed.inbound));
    sm.resend();
    // 7.
    const conflict = new StreamError('conflict', 'this session was resumed by another stream (XEP-0198 §5)');
    if (predecessor && predecessor !== session) predecessor.detach(conflict);
    if (record.node !== core.node) {
      await core.directory.move(record.username, record.resource, record.sessionId, core.node);
      await core.closeSession(former, conflict);
    }
    session.log.info({ from: record.node, resent: sm.unackedCount }, 'stream resumed (XEP-0198)');
    await core.hooks.notify('session/resumed', { session, previousNode: record.node });
  });
}

/** Step 4: a record whose full JID is bound nowhere (its node died and was cleaned up); what it held goes back to the router. */
async function endOrphan(service: SmService, record: ResumableStream, now: number): Promise<void> {
  const claimed = await service.store.claim(record.id, { username: record.username, epoch: record.epoch, node: service.core.node, now });
  const ended = claimed && (await service.store.end(record.id, claimed.epoch));
  if (ended) await service.core.router.redeliver(ended.unacked.map((text) => parseDocument(text, service.storedLimits)));
}
