// Message delivery above core's RFC 6121 §8.5 fallbacks (core/modules/delivery.ts): the IM&P
// forking rule (chat-locks.ts) for chat messages to a bare JID, XEP-0280 §9 <private/> removal,
// and the 'message/routed' event that carbons (carbons.ts) copy from. XEP-0085 chat states are
// chat messages: they are forked, locked and copied like any other.
//
// Only chat and normal messages are handled here, and only when the user has a local session to
// take them; everything else (no available resource → offline storage or service-unavailable, an
// unknown account, headline, groupchat, error) returns false so that the fallback decides exactly
// as before. This hook never looks up the account, so an unknown user's error is produced by the
// same code path, in the same time, as any other service-unavailable from the fallback.
import type { Module, Session, StanzaEvent } from '@deskchat/core';
import './events.js';
import { ChatLocks } from './chat-locks.js';
import { hasBody, messageType, withoutPrivate } from './message-rules.js';
import { MESSAGING_NS } from './namespaces.js';
import { DEFAULT_MESSAGE_DELIVERY_OPTIONS, type MessageDeliveryOptions } from './options.js';

const SWEEP_INTERVAL_MS = 60_000;

export const messageDeliveryModule: Module<MessageDeliveryOptions> = {
  name: 'message-delivery',
  defaults: DEFAULT_MESSAGE_DELIVERY_OPTIONS,
  setup(api) {
    const { core } = api;
    const locks = new ChatLocks(api.options.lockIdleSeconds * 1000, api.options.now);
    // XEP-0085 §4: chat states are relayed untouched, so the server advertises them.
    api.discoFeature(MESSAGING_NS.CHATSTATES);

    const isChatOrNormal = (event: StanzaEvent) => {
      const type = messageType(event.stanza);
      return type === 'chat' || type === 'normal';
    };

    // The user answered a contact from one resource (a chat with a body: chat states alone do not
    // count, since clients send <inactive/> or <gone/> from windows nobody is looking at).
    const noteAnswer = ({ stanza, from, to, origin }: StanzaEvent) => {
      if (!origin?.username || messageType(stanza) !== 'chat' || !hasBody(stanza)) return;
      const contact = to.bare();
      if (!contact.equals(from.bare())) locks.lock(origin.username, contact.toString(), origin);
    };

    const deliver = async (event: StanzaEvent, recipients: Session[]) => {
      const stanza = withoutPrivate(event.stanza);
      await Promise.all(recipients.map((s) => s.deliver(stanza)));
      await core.hooks.notify('message/routed', { ...event, recipients });
    };

    // RFC 6121 §8.5.2.1.1 with the IM&P rule: to every available non-negative resource, unless
    // the user answered this contact from one of them (then to that one alone).
    api.hook('message/bare', async (event) => {
      if (!isChatOrNormal(event)) return false;
      noteAnswer(event);
      const { to, from } = event;
      const available = core.sessions.availableForUser(to.local);
      if (available.length === 0) {
        // No local recipient: the fallback stores it or answers service-unavailable. The sender's
        // other resources still get their <sent/> carbons.
        await core.hooks.notify('message/routed', { ...event, recipients: [] });
        return false;
      }
      let recipients = available;
      if (messageType(event.stanza) === 'chat') {
        const contact = from.bare().toString();
        const locked = locks.lockedSession(to.local, contact);
        if (locked && available.includes(locked)) {
          recipients = [locked];
          locks.touch(to.local, contact, locked);
        } else if (locked) {
          locks.release(to.local, contact); // gone negative, unavailable or replaced
        }
      }
      await deliver(event, recipients);
      return true;
    });

    // RFC 6121 §8.5.3.1: to the session of the full JID. No session → false, and the fallback
    // re-dispatches chat/normal to the bare JID (§8.5.3.2.1), where the hook above takes it.
    api.hook('message/full', async (event) => {
      if (!isChatOrNormal(event)) return false;
      const session = core.router.sessionFor(event.to);
      if (!session) return false;
      noteAnswer(event);
      locks.touch(event.to.local, event.from.bare().toString(), session);
      await deliver(event, [session]);
      return true;
    });

    // The lock lasts until the locked resource goes away or stops taking bare-JID messages.
    api.hook('session/unbound', ({ session }) => locks.releaseSession(session));
    api.hook('session/presence-changed', ({ session }) => {
      if (!session.presence.isAvailable || session.presence.priority < 0) locks.releaseSession(session);
    });
    api.timer(SWEEP_INTERVAL_MS, () => locks.sweep());
  },
};
