// Default delivery rules (RFC 6121 §8.5, RFC 6120 §10.5) as fallbacks at negative priority.
// Feature modules (presence, offline storage, forking, carbons) hook in above them. Sessions are
// reached only through the router, so the rules hold whichever node holds each resource.
import { StanzaError } from '@deskchat/protocol';
import type { Module } from '../module-api.js';
import type { StanzaEvent } from '../hook-events.js';

export const FALLBACK = -1000;

export const deliveryModule: Module = {
  name: 'delivery',
  setup(api) {
    const { router } = api;

    // RFC 6121 §8.5.3: to a full JID.
    const toFull = async (event: StanzaEvent): Promise<boolean> => {
      if (await router.deliver(event.to, event.stanza)) return true;
      const { stanza } = event;
      if (stanza.name === 'message') {
        const type = stanza.attrs.type ?? 'normal';
        // §8.5.3.2.1: a chat message is handled as if sent to the bare JID; a normal, groupchat or
        // headline message is ignored or answered with an error (we answer, so that the sender
        // knows); an error is dropped.
        if (type === 'chat') return api.dispatch('message/bare', { ...event, to: event.to.bare() });
        if (type === 'normal' || type === 'groupchat') throw new StanzaError('service-unavailable', 'the addressed resource is not connected (RFC 6121 §8.5.3.2.1)');
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
        if (!(await api.stores.accounts.hasAccount(to.local))) {
          if (type === 'headline') return true;
          throw new StanzaError('service-unavailable');
        }
        if (type === 'groupchat') throw new StanzaError('service-unavailable');
        const resources = await router.availableResourcesOf(to.local);
        if (resources.length === 0) {
          if (type === 'headline') return true;
          if (await api.dispatch('message/offline', event)) return true;
          throw new StanzaError('service-unavailable');
        }
        // chat and normal go to every non-negative resource (the IM&P "forking" behaviour; §8.5.2.1.1 allows it).
        const delivered = await Promise.all(resources.map((r) => router.deliver(r.jid, stanza)));
        // Every resource went away meanwhile: as if none had been there.
        if (!delivered.includes(true) && type !== 'headline') {
          if (await api.dispatch('message/offline', event)) return true;
          throw new StanzaError('service-unavailable');
        }
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
          const resources = (await router.resourcesOf(to.local)).filter((r) => r.isAvailable);
          await Promise.all(resources.map((r) => router.deliver(r.jid, stanza)));
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
