// XEP-0160 offline messages: core's fallback fires 'message/offline' for a chat/normal message to
// an existing user with no available non-negative resource (RFC 6121 §8.5.2.2.1). We store it with
// a XEP-0203 delay (§2 step 4) and deliver the queue, in order, to the first session that becomes
// available with priority ≥ 0 (§2 step 5). No XEP-0013: the whole queue is flushed.
//
// Nothing is lost on the way:
//   - A message leaves the store only after proof of receipt: after the batch the server sends the
//     resource a XEP-0199 ping, and the reply (a result, or an error from a client without ping:
//     either way the client read everything before it, RFC 6120 streams being ordered) removes
//     exactly the messages sent. No reply (the connection dropped, the client hung): they stay and
//     come again at the next sign-in — at least once, never zero times.
//   - One flush per user at a time on every node (a shared lock), so two devices coming online
//     together get no duplicates.
//   - A message stored while its recipient was becoming available (the flush may have read the
//     queue just before the message landed) is noticed by the storer, which checks availability
//     after storing and flushes again: core records availability before the flush runs, so one of
//     the two always sees the other.
//   - Stored messages come before newer ones from the same sender (RFC 6120 §10.1's order): from
//     the moment a session is about to become available until its flush has written the queue, a
//     message that arrives for it live waits (see `ArrivalHold`); without that, a live message
//     could overtake the flush, which reads and writes the queue one message at a time.
//
// What the sender sees (and so what it can learn about the account):
//   stored → nothing; queue full → service-unavailable with a text (§2 step 3); standalone chat
//   state → dropped silently (§3, XEP-0085 §5.8); <no-store/> → the fallback's plain
//   service-unavailable. An unknown user never reaches this module: core answers the plain
//   service-unavailable, with the same text (none) and the same code path as any other
//   undeliverable message. That an existing offline user's message is accepted silently while an
//   unknown user's is refused is inherent in offline storage (XEP-0160 §2 steps 3–4).
import xml from '@xmpp/xml';
import { NS, StanzaError, isDelayedBy, type JID } from '@deskchat/protocol';
import { isReachable, parseDocument, type Module, type Resource, type Session } from '@deskchat/core';
import { ArrivalHold } from './arrival-hold.js';
import { offlineDecision, withDelay } from './message-rules.js';
import { MESSAGING_NS } from './namespaces.js';
import { DEFAULT_OFFLINE_OPTIONS, type OfflineOptions } from './options.js';

export const offlineModule: Module<OfflineOptions> = {
  name: 'offline',
  defaults: DEFAULT_OFFLINE_OPTIONS,
  setup(api) {
    const { options, router } = api;
    const store = api.stores.offline;
    api.discoFeature(MESSAGING_NS.MSGOFFLINE);
    const receiptTimeoutMs = options.receiptTimeoutSeconds * 1000;
    // The stored text was accepted once within the stream limits; the delay adds a few bytes.
    const storedLimits = { ...api.coreOptions.xml, maxStanzaBytes: api.coreOptions.xml.maxStanzaBytes + 1024 };

    /** Sessions coming online: their live messages wait until the flush has written the queue. */
    const holds = new WeakMap<Session, ArrivalHold>();

    /**
     * The queue to each target, then a ping each; the messages go once at least one target
     * answered. `written` is called once the queue has been written, before the pings.
     */
    const flush = async (username: string, targets?: JID[], written?: () => void): Promise<void> => {
      await api.locks.withLock(
        `offline:${username}`,
        async () => {
          const messages = await store.listMessages(username);
          if (messages.length === 0) return;
          const to = targets ?? (await router.availableResourcesOf(username)).map((r: Resource) => r.jid);
          const sent: number[] = [];
          for (const message of messages) {
            let stanza;
            try {
              stanza = parseDocument(message.stanza, storedLimits);
            } catch (err) {
              api.log.warn({ err, user: username, id: message.id }, 'dropping an unreadable offline message');
              sent.push(message.id);
              continue;
            }
            const delivered = await Promise.all(to.map((jid) => router.deliver(jid, stanza)));
            if (!delivered.includes(true)) break; // the targets went away: the rest waits for the next sign-in
            sent.push(message.id);
          }
          written?.();
          const receipts = await Promise.all(to.map((jid) => router.request(xml('iq', { type: 'get', to: jid.toString() }, xml('ping', { xmlns: NS.PING })), receiptTimeoutMs)));
          if (receipts.some((reply) => reply !== undefined)) await store.removeMessages(username, sent);
          else api.log.info({ user: username, count: sent.length }, 'offline messages not acknowledged: kept for the next sign-in');
        },
        { ttlMs: receiptTimeoutMs + 10_000 },
      );
    };
    /** `written` also runs when the flush ends without writing (an empty queue, an error); it must be idempotent. */
    const flushInBackground = (username: string, targets?: JID[], written?: () => void) =>
      void flush(username, targets, written)
        .catch((err) => api.log.error({ err, user: username }, 'offline flush failed'))
        .finally(written);

    api.hook('message/offline', async ({ stanza, to }) => {
      const decision = offlineDecision(stanza);
      if (decision === 'discard') return true;
      if (decision === 'refuse') return false;
      const storedAt = options.now();
      const stored = withDelay(stanza, api.domain, storedAt).toString();
      if (!(await store.storeMessage(to.local, { stanza: stored, storedAt }, { maxMessages: options.maxMessagesPerUser, maxBytes: options.maxBytesPerUser }))) {
        api.log.info({ user: to.local, maxMessages: options.maxMessagesPerUser, maxBytes: options.maxBytesPerUser }, 'offline queue full');
        throw new StanzaError('service-unavailable', `the recipient's offline message queue is full (XEP-0160 §2)`);
      }
      // The recipient may have become available while this was being stored (see the top).
      if ((await router.availableResourcesOf(to.local)).length > 0) flushInBackground(to.local);
      return true;
    });

    // Held from before the directory shows the session available (so before anyone can route a
    // bare-JID message to it) until its flush below has written the queue.
    api.hook('session/becoming-reachable', ({ session }) => {
      holds.get(session)?.release();
      holds.set(session, new ArrivalHold(options.holdLiveMessagesMs));
    });
    // A held message is taken (the sender is not kept waiting) and delivered again once the hold
    // ends, through every check as if it had just come; held messages resume in the order they came.
    api.hook(
      'pre-stanza/deliver',
      ({ stanza, session }) => {
        const hold = holds.get(session);
        if (!hold?.isHolding || stanza.name !== 'message' || isDelayedBy(stanza, api.domain)) return false;
        void hold
          .wait()
          .then(() => session.deliver(stanza))
          .catch((err) => api.log.error({ err, user: session.jid?.local }, 'a message held behind the offline flush could not be delivered'));
        return true;
      },
      2000, // before the other checks, which the message passes when it is delivered again
    );

    // §2 step 5: "when the recipient next sends non-negative available presence". Not awaited:
    // the ping's answer comes on the same stream, which must keep reading meanwhile.
    api.hook('session/presence-changed', ({ session, previous }) => {
      if (!session.jid || isReachable(previous) || !isReachable(session.presence)) return;
      const hold = holds.get(session);
      flushInBackground(session.jid.local, [session.jid], () => {
        hold?.release();
        if (holds.get(session) === hold) holds.delete(session);
      });
    });
  },
};
