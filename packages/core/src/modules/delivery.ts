// Default delivery rules (RFC 6121 §8.5, RFC 6120 §10.5) as fallbacks at negative priority.
// Feature modules (presence, offline storage, forking, carbons) hook in above them.
import { StanzaError } from '@deskchat/protocol';
import type { Module } from '../module-api.js';
import type { StanzaEvent } from '../hook-events.js';

export const FALLBACK = -1000;

export const deliveryModule: Module = {
  name: 'delivery',
  setup(api) {
    const { core } = api;

    // RFC 6121 §8.5.3: to a full JID.
    const toFull = async (event: StanzaEvent): Promise<boolean> => {
      const session = core.router.sessionFor(event.to);
      if (session) {
        await session.deliver(event.stanza);
        return true;
      }
      const { stanza } = event;
      if (stanza.name === 'message') {
        const type = stanza.attrs.type ?? 'normal';
        // §8.5.3.2.1: chat and normal are handled as if sent to the bare JID; headline and error are dropped.
        if (type === 'chat' || type === 'normal') return core.hooks.dispatch('message/bare', { ...event, to: event.to.bare() });
        if (type === 'groupchat') throw new StanzaError('service-unavailable');
        return true;
      }
      if (stanza.name === 'presence') return true; // §8.5.3.2.3: silently ignored
      throw new StanzaError('service-unavailable'); // §8.5.3.2.2: IQ to an unavailable resource
    };
    api.hook('message/full', toFull, FALLBACK);
    api.hook('presence/full', toFull, FALLBACK);
    api.hook('iq/full', toFull, FALLBACK);

    // RFC 6121 §8.5.2: a message to a bare JID.
    api.hook(
      'message/bare',
      async (event) => {
        const { stanza, to } = event;
        const type = stanza.attrs.type ?? 'normal';
        if (type === 'error') return true;
        // §8.5.1: no such account. The same error as an offline user with no storage, so that
        // nothing tells whether the account exists.
        if (!(await core.stores.accounts.hasAccount(to.local))) {
          if (type === 'headline') return true;
          throw new StanzaError('service-unavailable');
        }
        if (type === 'groupchat') throw new StanzaError('service-unavailable');
        const sessions = core.sessions.availableForUser(to.local);
        if (sessions.length === 0) {
          if (type === 'headline') return true;
          if (await core.hooks.dispatch('message/offline', event)) return true;
          throw new StanzaError('service-unavailable');
        }
        // chat and normal go to every non-negative resource (the IM&P "forking" behaviour; §8.5.2.1.1 allows it).
        await Promise.all(sessions.map((s) => s.deliver(stanza)));
        return true;
      },
      FALLBACK,
    );

    // RFC 6121 §8.5.2.1.1: available/unavailable presence to a bare JID goes to every available resource.
    api.hook(
      'presence/bare',
      async ({ stanza, to }) => {
        const type = stanza.attrs.type;
        if (type === undefined || type === 'unavailable') {
          await Promise.all(core.sessions.forUser(to.local).filter((s) => s.presence.isAvailable).map((s) => s.deliver(stanza)));
        }
        return true;
      },
      FALLBACK,
    );
    api.hook('presence/self', () => true, FALLBACK);
    api.hook('presence/host', () => true, FALLBACK);
    // RFC 6120 §10.3.1: a message to the server itself with no handler gets service-unavailable (message/host has no fallback).
  },
};
