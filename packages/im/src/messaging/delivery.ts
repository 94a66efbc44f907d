// Message delivery above core's RFC 6121 §8.5 fallbacks (core/modules/delivery.ts): the IM&P
// forking rule (chat-locks.ts) for chat messages to a bare JID, XEP-0280 §9 <private/> removal,
// and the 'message/routed' event that carbons (carbons.ts) copy from. XEP-0085 chat states are
// chat messages: they are forked, locked and copied like any other.
//
// Only chat and normal messages are handled here, and only when the user has a resource to take
// them; everything else (no available resource → offline storage or service-unavailable, an
// unknown account, headline, groupchat, error) returns false so that the fallback decides exactly
// as before. This hook never looks up the account, so an unknown user's error is produced by the
// same code path, in the same time, as any other service-unavailable from the fallback.
import type { JID } from '@deskchat/protocol';
import { isReachable, type Module, type ModuleRouter, type Resource, type StanzaEvent } from '@deskchat/core';
import './events.js';
import { ChatLocks } from './chat-locks.js';
import { hasBody, messageType, withoutPrivate } from './message-rules.js';
import { MESSAGING_NS } from './namespaces.js';
import { DEFAULT_MESSAGE_DELIVERY_OPTIONS, type MessageDeliveryOptions } from './options.js';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Every message reads its recipient's resources: a cluster node may take them from its copy of
 * the directory (core's DirectoryReadOptions), which can lag a resource that has just come by
 * about a round trip. So when the copy has none that `takes` the message, they are read again
 * fresh before the fallback stores or bounces it.
 */
async function resourcesTaking(router: ModuleRouter, username: string, takes: (r: Resource) => boolean): Promise<Resource[]> {
  const copy = await router.resourcesOf(username, { mayBeCached: true });
  return copy.some(takes) ? copy : router.resourcesOf(username);
}

export const messageDeliveryModule: Module<MessageDeliveryOptions> = {
  name: 'message-delivery',
  defaults: DEFAULT_MESSAGE_DELIVERY_OPTIONS,
  setup(api) {
    const { router } = api;
    const locks = new ChatLocks(api.chatLocks, api.options.lockIdleSeconds * 1000, api.options.now);
    // XEP-0085 §4: chat states are relayed untouched, so the server advertises them.
    api.discoFeature(MESSAGING_NS.CHATSTATES);

    const isChatOrNormal = (event: StanzaEvent) => {
      const type = messageType(event.stanza);
      return type === 'chat' || type === 'normal';
    };

    // The user answered a contact from one resource (a chat with a body: chat states alone do not
    // count, since clients send <inactive/> or <gone/> from windows nobody is looking at).
    // Not async: in a conversation the lock is usually fresh already, and every chat passes here.
    const noteAnswer = ({ stanza, from, to, origin }: StanzaEvent): void | Promise<void> => {
      if (!origin?.jid || messageType(stanza) !== 'chat' || !hasBody(stanza)) return;
      if (to.local === from.local && to.domain === from.domain) return; // to oneself
      const contact = to.bare().toString();
      if (!locks.isFresh(origin.jid.local, contact, origin.id)) return locks.lock(origin.jid.local, contact, origin.jid.resource, origin.id);
    };

    /** Delivers to the recipients and tells carbons who got it; false when nobody did (they all went away meanwhile). */
    const deliver = async (event: StanzaEvent, recipients: Resource[], recipientResources: Resource[]): Promise<boolean> => {
      const stanza = withoutPrivate(event.stanza);
      let got: JID[];
      if (recipients.length === 1) got = (await router.deliver(recipients[0]!.jid, stanza)) ? [recipients[0]!.jid] : []; // the usual case, without Promise.all's arrays
      else {
        const delivered = await Promise.all(recipients.map((r) => router.deliver(r.jid, stanza)));
        got = recipients.filter((_, i) => delivered[i]).map((r) => r.jid);
      }
      await api.notify('message/routed', { ...event, recipients: got, recipientResources });
      return got.length > 0;
    };

    // RFC 6121 §8.5.2.1.1 with the IM&P rule: to every available non-negative resource, unless
    // the user answered this contact from one of them (then to that one alone).
    api.hook('message/bare', async (event) => {
      if (!isChatOrNormal(event)) return false;
      await noteAnswer(event);
      const { to, from } = event;
      const all = await resourcesTaking(router, to.local, isReachable); // RFC 6121 §8.5.2: available, priority ≥ 0
      const available = all.filter(isReachable);
      if (available.length === 0) {
        // No recipient: the fallback stores it or answers service-unavailable. The sender's other
        // resources still get their <sent/> carbons.
        await api.notify('message/routed', { ...event, recipients: [], recipientResources: all });
        return false;
      }
      let recipients = available;
      if (messageType(event.stanza) === 'chat') {
        const contact = from.bare().toString();
        const lock = await locks.locked(to.local, contact);
        const holder = lock && available.find((r) => r.sessionId === lock.sessionId);
        if (holder) {
          recipients = [holder];
          await locks.touch(to.local, contact, holder.sessionId);
        } else if (lock) {
          await locks.release(to.local, contact); // gone negative, unavailable or replaced
        }
      }
      return deliver(event, recipients, all);
    });

    // RFC 6121 §8.5.3.1: to the session of the full JID. No session → false, and the fallback
    // re-dispatches a chat to the bare JID (§8.5.3.2.1), where the hook above takes it.
    api.hook('message/full', async (event) => {
      if (!isChatOrNormal(event)) return false;
      const isTarget = (r: Resource) => r.jid.resource === event.to.resource;
      const all = await resourcesTaking(router, event.to.local, isTarget);
      const target = all.find(isTarget);
      if (!target) return false;
      await noteAnswer(event);
      await locks.touch(event.to.local, event.from.bare().toString(), target.sessionId);
      return deliver(event, [target], all);
    });

    // The lock lasts until the locked resource goes away or stops taking bare-JID messages.
    api.hook('session/unbound', ({ session }) => locks.releaseSession(session.jid!.local, session.id));
    api.hook('session/lost', ({ username, sessionId }) => locks.releaseSession(username, sessionId));
    api.hook('session/presence-changed', async ({ session }) => {
      if (!session.presence.isAvailable || session.presence.priority < 0) await locks.releaseSession(session.jid!.local, session.id);
    });
    api.timer(SWEEP_INTERVAL_MS, () => void locks.sweep().catch((err) => api.log.warn({ err }, 'chat lock sweep failed')));
  },
};
