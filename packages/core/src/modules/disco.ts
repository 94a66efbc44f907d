// XEP-0030 service discovery for the server itself, the services it hosts as `domain/resource`
// (`api.discoService`: listed in the domain's items), nodes of the server answered by modules
// (XEP-0050 commands), and the bare-JID account identity (with what modules add to it: XEP-0163
// pubsub/pep and the account's PEP nodes, XEP-0313). XEP-0115 §6.3: the server's own capabilities
// as `<c/>` in stream features, and its disco#info at the node `<node>#<ver>`.
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError, parseJid, type JID } from '@deskchat/protocol';
import type { DiscoInfo, DiscoItem } from '../hook-events.js';
import type { Module } from '../module-api.js';
import { CAPS_NS, SERVER_CAPS_NODE, capsVerOf } from './caps.js';

export const discoModule: Module = {
  name: 'disco',
  setup(api) {
    api.discoFeature(NS.DISCO_INFO, NS.DISCO_ITEMS);
    /** The server's own disco#info (XEP-0030 §3.1) as `from` sees it. */
    const hostInfo = async (from: JID): Promise<Element> => {
      const features = [...new Set(await api.collect('disco/host-features', { from }))].sort();
      return xml('query', { xmlns: NS.DISCO_INFO }, xml('identity', { category: 'server', type: 'im', name: 'DeskChat' }), ...features.map((f) => xml('feature', { var: f })));
    };
    /** XEP-0115 §6.3: the server's caps as anyone sees them (features asked for as the domain itself). */
    const serverCaps = async (): Promise<{ ver: string; info: Element }> => {
      const info = await hostInfo(parseJid(api.domain)!);
      return { ver: capsVerOf(info)!, info };
    };
    api.iq(NS.DISCO_INFO, 'query', {
      async get({ payload, from, to }) {
        const node = payload.attrs.node;
        if (node) {
          if (to.resource) throw new StanzaError('item-not-found', 'no such node');
          // XEP-0115 §6.2: the info behind the server's caps, asked at <node>#<ver>.
          if (node.startsWith(`${SERVER_CAPS_NODE}#`)) {
            const caps = await serverCaps();
            if (node !== `${SERVER_CAPS_NODE}#${caps.ver}`) throw new StanzaError('item-not-found', 'no such node');
            caps.info.attrs.node = node;
            return caps.info;
          }
          return withNode(serviceInfo(await api.collect('disco/node-info', { from, node })), node);
        }
        if (to.resource) return serviceInfo(await api.collect('disco/service-info', { from, resource: to.resource }));
        return hostInfo(from);
      },
    });
    for (const stage of ['pre-auth', 'post-auth'] as const) {
      api.hook(`stream-features/${stage}`, async () => xml('c', { xmlns: CAPS_NS, hash: 'sha-1', node: SERVER_CAPS_NODE, ver: (await serverCaps()).ver }));
    }
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
        async get({ to, from, payload }) {
          if (!to.equals(from.bare()) && !(await isSubscribed(from.bare().toString(), to.local))) throw new StanzaError('service-unavailable');
          if (payload.attrs.node) throw new StanzaError('item-not-found', 'no such node');
          const added = await api.collect('disco/account-info', { from, to });
          const identities = [{ category: 'account', type: 'registered' }, ...added.flatMap((i) => i.identities)];
          const features = [...new Set(added.flatMap((i) => i.features))].sort();
          return xml(
            'query',
            { xmlns: NS.DISCO_INFO },
            ...identities.map((i) => xml('identity', { category: i.category, type: i.type })),
            ...features.map((f) => xml('feature', { var: f })),
          );
        },
      },
      'account',
    );
    // XEP-0030 §8: disco#items of a bare JID lists only what modules let `from` see (XEP-0163 §6.2:
    // the PEP nodes it may read); nothing, the same for an unknown account as for an unsubscribed one.
    api.iq(
      NS.DISCO_ITEMS,
      'query',
      {
        async get({ to, from, payload }) {
          if (payload.attrs.node) return xml('query', { xmlns: NS.DISCO_ITEMS, node: payload.attrs.node });
          const items = await api.collect('disco/account-items', { from, to });
          return xml('query', { xmlns: NS.DISCO_ITEMS }, ...items.map((i) => xml('item', { jid: i.jid, ...(i.node !== undefined ? { node: i.node } : {}), ...(i.name ? { name: i.name } : {}) })));
        },
      },
      'account',
    );

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
