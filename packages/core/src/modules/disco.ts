// XEP-0030 service discovery for the server itself, the services it hosts as `domain/resource`
// (`api.discoService`: listed in the domain's items), and the bare-JID account identity.
import xml from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import type { DiscoInfo, DiscoItem } from '../hook-events.js';
import type { Module } from '../module-api.js';

export const discoModule: Module = {
  name: 'disco',
  setup(api) {
    api.discoFeature(NS.DISCO_INFO, NS.DISCO_ITEMS);
    api.iq(NS.DISCO_INFO, 'query', {
      async get({ payload, from, to }) {
        const node = payload.attrs.node;
        if (node) {
          if (to.resource) throw new StanzaError('item-not-found', 'no such node');
          return withNode(serviceInfo(await api.collect('disco/node-info', { from, node })), node);
        }
        if (to.resource) return serviceInfo(await api.collect('disco/service-info', { from, resource: to.resource }));
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
      async get({ payload, from, to }) {
        const node = payload.attrs.node;
        let items: DiscoItem[];
        if (node) {
          const known = to.resource ? undefined : (await api.collect('disco/node-items', { from, node }))[0];
          if (!known) throw new StanzaError('item-not-found', 'no such node');
          items = known.items;
        } else {
          // A service entity has no items of its own.
          items = to.resource ? [] : await api.collect('disco/host-items', { from });
        }
        return withNode(xml('query', { xmlns: NS.DISCO_ITEMS }, ...items.map(itemElement)), node);
      },
    });
    // XEP-0030 §3.1 / RFC 6121: an account's bare JID answers disco#info with the account identity —
    // to the account itself and to contacts subscribed to its presence. XEP-0030 §8 (issue #7 §7):
    // anyone else gets service-unavailable, whether or not the account exists, so that disco cannot
    // be used to find accounts or probe users who did not share their presence.
    api.iq(
      NS.DISCO_INFO,
      'query',
      {
        async get({ to, from }) {
          if (!to.equals(from.bare()) && !(await isSubscribed(from.bare().toString(), to.local))) throw new StanzaError('service-unavailable');
          const features = [...new Set(await api.collect('disco/account-features', { from, to }))].sort();
          return xml('query', { xmlns: NS.DISCO_INFO }, xml('identity', { category: 'account', type: 'registered' }), ...features.map((f) => xml('feature', { var: f })));
        },
      },
      'account',
    );
    // XEP-0030 §8: disco#items of a bare JID is an empty result for everyone (an account publishes
    // no items here), the same for an unknown account as for an unsubscribed one.
    api.iq(NS.DISCO_ITEMS, 'query', { get: () => xml('query', { xmlns: NS.DISCO_ITEMS }) }, 'account');

    /** Whether `contact` may see `username`'s presence (RFC 6121 subscription 'from' or 'both' in the user's roster). */
    const isSubscribed = async (contact: string, username: string): Promise<boolean> => {
      const item = await api.stores.roster.getItem(username, contact);
      return item?.subscription === 'from' || item?.subscription === 'both';
    };
  },
};

function itemElement(item: DiscoItem) {
  return xml('item', { jid: item.jid, ...(item.node ? { node: item.node } : {}), ...(item.name ? { name: item.name } : {}) });
}

/** XEP-0030 §3.2, §4.2: the answer about a node names it. */
function withNode(query: ReturnType<typeof xml>, node: string | undefined) {
  if (node) query.attrs.node = node;
  return query;
}

/** The info of one service (XEP-0030 §3.1), or item-not-found when no module serves that resource. */
function serviceInfo(found: DiscoInfo[]) {
  const info = found[0];
  if (!info) throw new StanzaError('item-not-found', 'no such service or node on this server');
  return xml(
    'query',
    { xmlns: NS.DISCO_INFO },
    ...info.identities.map((i) => xml('identity', i.name ? { category: i.category, type: i.type, name: i.name } : { category: i.category, type: i.type })),
    ...[...new Set(info.features)].sort().map((f) => xml('feature', { var: f })),
    ...(info.extensions ?? []),
  );
}
