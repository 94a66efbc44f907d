// XEP-0030 service discovery for the server itself (and the bare-JID account identity).
import xml from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import type { Module } from '../module-api.js';

export const discoModule: Module = {
  name: 'disco',
  setup(api) {
    api.discoFeature(NS.DISCO_INFO, NS.DISCO_ITEMS);
    api.iq(NS.DISCO_INFO, 'query', {
      async get({ payload, from }) {
        if (payload.attrs.node) throw new StanzaError('item-not-found', 'no such node');
        const features = [...new Set(await api.collect('disco/host-features', { from }))].sort();
        return xml(
          'query',
          { xmlns: NS.DISCO_INFO },
          xml('identity', { category: 'server', type: 'im', name: 'DeskChat' }),
          ...features.map((f) => xml('feature', { var: f })),
        );
      },
    });
    api.iq(NS.DISCO_ITEMS, 'query', {
      async get({ payload, from }) {
        if (payload.attrs.node) throw new StanzaError('item-not-found', 'no such node');
        return xml('query', { xmlns: NS.DISCO_ITEMS }, ...(await api.collect('disco/host-items', { from })));
      },
    });
    // XEP-0030 §3.1 / RFC 6121: an account's bare JID answers disco#info with the account identity.
    api.iq(
      NS.DISCO_INFO,
      'query',
      {
        async get({ to, from }) {
          const isSelf = to.equals(from.bare());
          if (!isSelf && !(await api.stores.accounts.hasAccount(to.local))) throw new StanzaError('service-unavailable');
          return xml('query', { xmlns: NS.DISCO_INFO }, xml('identity', { category: 'account', type: 'registered' }));
        },
      },
      'account',
    );
  },
};
