// XEP-0160 offline messages: core's fallback fires 'message/offline' for a chat/normal message to
// an existing user with no available non-negative resource (RFC 6121 §8.5.2.2.1). We store it with
// a XEP-0203 delay (§2 step 4) and deliver the queue, in order, to the first session that becomes
// available with priority ≥ 0 (§2 step 5), then delete it. No XEP-0013: the whole queue is flushed.
//
// What the sender sees (and so what it can learn about the account):
//   stored → nothing; queue full → service-unavailable with a text (§2 step 3); standalone chat
//   state → dropped silently (§3, XEP-0085 §5.8); <no-store/> → the fallback's plain
//   service-unavailable. An unknown user never reaches this module: core answers the plain
//   service-unavailable, with the same text (none) and the same code path as any other
//   undeliverable message. That an existing offline user's message is accepted silently while an
//   unknown user's is refused is inherent in offline storage (XEP-0160 §2 steps 3–4).
import { StanzaError } from '@deskchat/protocol';
import { parseDocument, type Module, type Session } from '@deskchat/core';
import { offlineDecision, withDelay } from './message-rules.js';
import { MESSAGING_NS } from './namespaces.js';
import { DEFAULT_OFFLINE_OPTIONS, type OfflineOptions } from './options.js';

const reachable = (p: { isAvailable: boolean; priority: number }) => p.isAvailable && p.priority >= 0;

export const offlineModule: Module<OfflineOptions> = {
  name: 'offline',
  defaults: DEFAULT_OFFLINE_OPTIONS,
  setup(api) {
    const { core, options } = api;
    const store = api.stores.offline;
    api.discoFeature(MESSAGING_NS.MSGOFFLINE);

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
      return true;
    });

    // One flush per user at a time, so that two devices coming online together get no duplicates.
    const flushing = new Set<string>();
    const flush = async (session: Session) => {
      const username = session.username!;
      if (flushing.has(username)) return;
      flushing.add(username);
      try {
        const delivered: number[] = [];
        for (const message of await store.listMessages(username)) {
          if (session.state === 'closed') break; // the rest wait for the next available session
          try {
            await session.deliver(parseDocument(message.stanza, storedLimits));
          } catch (err) {
            api.log.warn({ err, user: username, id: message.id }, 'dropping an unreadable offline message');
          }
          delivered.push(message.id);
        }
        await store.removeMessages(username, delivered);
      } finally {
        flushing.delete(username);
      }
    };
    // The stored text was accepted once within the stream limits; the delay adds a few bytes.
    const storedLimits = { ...core.options.xml, maxStanzaBytes: core.options.xml.maxStanzaBytes + 1024 };

    // §2 step 5: "when the recipient next sends non-negative available presence".
    api.hook('session/presence-changed', async ({ session, previous }) => {
      if (!session.username || reachable(previous) || !reachable(session.presence)) return;
      await flush(session);
    });
  },
};
