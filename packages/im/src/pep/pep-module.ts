// XEP-0163 Personal Eventing Protocol (version 1.2.2) on XEP-0060 Publish-Subscribe (the parts PEP
// needs; sections as numbered in its 1.2x revisions), issue #13: every account is a virtual pubsub service at its bare JID.
//   publish with auto-create (XEP-0163 §3) and publish-options preconditions (XEP-0060 §7.1.5);
//   items retrieval (§6.5), retract (§7.2), create (§8.1), configure (§8.2), delete (§8.4), purge
//   (§8.5); access models presence, open and whitelist (§4.5; a whitelist holds only the owner).
//   Notifications (XEP-0163 §4.3): implicit subscriptions — the owner's own resources and, unless
//   the node is whitelisted, the resources of contacts subscribed to the owner's presence (roster
//   'from' or 'both') — filtered by the `<node>+notify` features of each resource's XEP-0115 caps.
//   They are headline messages from the owner's bare JID delivered through the router, so a
//   publisher and its subscribers may be on any nodes of a cluster. A resource whose caps newly
//   show interest in a node gets the node's last item (XEP-0163 §4.3.4, send_last_published_item).
//   Per-user bounds: nodes per account, items per node, bytes per item.
// Writes of one account run under the cluster-wide lock `pep:<user>`.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, childElements, parseJid, type JID } from '@deskchat/protocol';
import { clampPriority, type Module, type ModuleApi, type PepNodeConfig, type Session } from '@deskchat/core';
import { PRESENCE_SERVICE, type PresenceService } from '../presence/presence-service.js';
import { CapsInterest } from './caps-interest.js';
import { BOOKMARKS_COMPAT, bookmarksBridge } from './bookmarks-compat.js';
import { PRIVATE_XML_BRIDGE } from '../private/private-xml-bridge.js';
import { applyConfigureForm, checkPreconditions, configForm, defaultConfig, publishOptions } from './node-config.js';
import { DATA_NS, PEP_FEATURES, PUBSUB_NS, PUBSUB_OWNER_NS, pubsubError, unsupported } from './pep-ns.js';
import { DEFAULT_PEP_OPTIONS, type PepOptions } from './pep-options.js';
import { eventMessage, itemElement, publishedItem } from './published-item.js';

/** session.data key: the nodes this session's caps last showed +notify interest in. */
const INTEREST = 'pep:interest';

const isSubscriber = (subscription: string | undefined) => subscription === 'from' || subscription === 'both';

export const pepModule: Module<PepOptions> = {
  name: 'pep',
  defaults: DEFAULT_PEP_OPTIONS,
  setup(api) {
    const store = api.stores.pep;
    const presence = api.use<PresenceService>(PRESENCE_SERVICE);
    if (!presence) throw new Error('the pep module needs the presence module, loaded before it');
    const caps = new CapsInterest(api as ModuleApi<unknown>, store, api.options.capsQueryTimeoutMs);
    const { maxNodesPerUser, maxItemsPerNode, maxItemBytes } = api.options;

    api.discoFeature(...PEP_FEATURES);
    api.hook('disco/account-info', () => ({ identities: [{ category: 'pubsub', type: 'pep' }], features: [...PEP_FEATURES, BOOKMARKS_COMPAT] }));
    // XEP-0402 §5: XEP-0048 bookmarks in private storage are the bookmarks PEP node (private storage module's seam).
    api.provide(PRIVATE_XML_BRIDGE, bookmarksBridge(store, api.stores.privateXml, { publish: (from, el, options) => publish(from, el, options), retract: (user, el) => retract(user, el) }));
    // XEP-0163 §6 / XEP-0030: the nodes the requester may read.
    api.hook('disco/account-items', async ({ from, to }) => {
      const owner = to.local!;
      const items = [];
      for (const { node, config } of await store.listNodes(owner)) if (await mayRead(owner, config, from)) items.push({ jid: to.bare().toString(), node });
      return items;
    });

    /** XEP-0060 §4.5 access: the owner always; open: anyone; presence: a contact subscribed to the owner; whitelist: the owner only. */
    const mayRead = async (owner: string, config: PepNodeConfig, who: JID): Promise<boolean> => {
      if (who.local === owner && who.domain === api.domain) return true;
      if (config.accessModel === 'open') return true;
      if (config.accessModel === 'whitelist') return false;
      return isSubscriber((await api.stores.roster.getItem(owner, who.bare().toString()))?.subscription);
    };
    const checkRead = async (owner: string, node: string, who: JID): Promise<PepNodeConfig> => {
      const found = await store.getNode(owner, node);
      if (!found) throw new StanzaError('item-not-found', `no node '${node}' (XEP-0060 §6.5.9.11)`);
      if (await mayRead(owner, found.config, who)) return found.config;
      if (found.config.accessModel === 'presence') throw pubsubError('not-authorized', 'presence-subscription-required', 'the node is for contacts subscribed to its owner\'s presence (XEP-0060 §6.5.9.2)', {}, 'auth');
      throw pubsubError('not-allowed', 'closed-node', 'the node is open to its owner only (XEP-0060 §6.5.9.4)', {}, 'cancel');
    };
    const own = (isOwnAccount: boolean) => {
      if (!isOwnAccount) throw new StanzaError('forbidden', "only the account's owner publishes to and manages its PEP nodes (XEP-0060 §7.1.3.1)");
    };
    const nodeOf = (el: Element | undefined): string => {
      const node = el?.attrs.node;
      if (!node) throw pubsubError('bad-request', 'nodeid-required', 'name the node (XEP-0060 §7.1.3.3)', {}, 'modify');
      return node;
    };
    const withLock = <T>(user: string, task: () => Promise<T>) => api.locks.withLock(`pep:${user}`, task);
    const create = async (user: string, node: string, config: PepNodeConfig): Promise<void> => {
      if ((await store.listNodes(user)).length >= maxNodesPerUser) {
        throw new StanzaError('resource-constraint', `at most ${maxNodesPerUser} PEP nodes per account`, { type: 'cancel' });
      }
      await store.setNode(user, node, config);
    };

    // ---- notifications (XEP-0163 §4.3) ----
    /** The owner's available resources and those of contacts allowed to see the node, that want `node` notifications. */
    const recipients = async (owner: string, node: string, config: PepNodeConfig): Promise<JID[]> => {
      const users = [owner];
      if (config.accessModel !== 'whitelist') {
        for (const jid of await presence.subscribersOf(owner)) if (jid.local && jid.domain === api.domain && jid.local !== owner) users.push(jid.local);
      }
      const out: JID[] = [];
      for (const user of users) {
        // §4.3.2: "appropriate presence information" is an available presence with a non-negative priority and caps showing interest.
        for (const r of await presence.availableResourcesOf(user)) if (r.priority >= 0 && (await caps.interestOf(r.presence))?.has(node)) out.push(r.jid);
      }
      return out;
    };
    const event = (owner: string, to: JID, payload: Element, delay?: number) => eventMessage(api.jid(owner).toString(), to, payload, delay);
    const notify = async (owner: string, node: string, config: PepNodeConfig, payload: () => Element): Promise<void> => {
      for (const to of await recipients(owner, node, config)) await api.router.deliver(to, event(owner, to, payload()));
    };

    // XEP-0163 §4.3.4: a resource whose caps newly show +notify for a node gets its last item, from
    // its own account and from every contact whose presence it is subscribed to. Not awaited in
    // the presence handler: learning a new hash asks the very client whose stanza is being handled.
    api.hook(
      'presence/self',
      ({ stanza, origin }) => {
        if (!origin?.jid) return false;
        if (stanza.attrs.type === 'unavailable') origin.data.delete(INTEREST);
        else if (stanza.attrs.type === undefined) void sendLastItems(origin, stanza).catch((err) => api.log.warn({ err }, 'pep: last items on presence failed'));
        return false;
      },
      10,
    );
    // XEP-0060 send_last_published_item on_sub(_and_presence), with PEP's implicit subscriptions: a
    // contact that has just become subscribed to the owner's presence gets the last item of each
    // node it may read and shows interest in, at each of its resources that count (§4.3.2).
    api.hook('presence/subscriber-added', async ({ username, subscriber }) => {
      const jid = parseJid(subscriber);
      if (!jid?.local || jid.domain !== api.domain) return;
      const nodes = (await store.listNodes(username)).filter((n) => n.config.sendLastPublishedItem !== 'never');
      if (nodes.length === 0) return;
      for (const r of await presence.availableResourcesOf(jid.local)) {
        const interest = r.priority >= 0 ? await caps.interestOf(r.presence) : undefined;
        for (const { node, config } of nodes) {
          if (!interest?.has(node) || !(await mayRead(username, config, r.jid))) continue;
          const [last] = await store.getItems(username, node, 1);
          if (last) await api.router.deliver(r.jid, event(username, r.jid, xml('items', { node }, itemElement(last)), last.publishedAt));
        }
      }
    });
    const sendLastItems = async (session: Session, stanza: Element): Promise<void> => {
      const me = session.jid!;
      const interest = await caps.learn(stanza, me);
      const before = (session.data.get(INTEREST) as Set<string> | undefined) ?? new Set<string>();
      // Most clients announce no +notify features: nothing kept for them.
      if (interest.size > 0) session.data.set(INTEREST, interest);
      else session.data.delete(INTEREST);
      const fresh = [...interest].filter((n) => !before.has(n));
      if (fresh.length === 0 || clampPriority(stanza.getChildText('priority')) < 0) return; // §4.3.2: not to a negative priority
      const owners = [me.local!];
      for (const item of (await api.stores.roster.getRoster(me.local!)).items) {
        const contact = parseJid(item.jid);
        if ((item.subscription === 'to' || item.subscription === 'both') && contact?.local && contact.domain === api.domain) owners.push(contact.local);
      }
      for (const owner of owners) {
        for (const node of fresh) {
          const found = await store.getNode(owner, node);
          if (!found || found.config.sendLastPublishedItem !== 'on_sub_and_presence' || !(await mayRead(owner, found.config, me))) continue;
          const [last] = await store.getItems(owner, node, 1);
          if (last) await api.router.deliver(me, event(owner, me, xml('items', { node }, itemElement(last)), last.publishedAt));
        }
      }
    };

    // ---- http://jabber.org/protocol/pubsub ----
    api.iq(
      PUBSUB_NS,
      'pubsub',
      {
        async get({ payload, from, to }) {
          const items = payload.getChild('items');
          if (!items) throw unsupported(childElements(payload)[0]?.name ?? 'this request');
          const owner = to.local!;
          const node = nodeOf(items);
          await checkRead(owner, node, from);
          const ids = items.getChildren('item').map((i) => i.attrs.id).filter((id): id is string => !!id);
          const maxAttr = items.attrs.max_items;
          const max = maxAttr !== undefined && /^\d+$/.test(maxAttr) ? Number(maxAttr) : undefined;
          let found = await store.getItems(owner, node, ids.length > 0 ? undefined : max);
          if (ids.length > 0) found = found.filter((i) => ids.includes(i.id));
          return xml('pubsub', { xmlns: PUBSUB_NS }, xml('items', { node }, ...found.map(itemElement)));
        },
        async set({ payload, from, isOwnAccount }) {
          const [action] = childElements(payload).filter((c) => c.name !== 'publish-options' && c.name !== 'configure');
          switch (action?.name) {
            case 'publish':
              own(isOwnAccount);
              return publish(from, action, payload.getChild('publish-options')?.getChild('x', DATA_NS));
            case 'retract':
              own(isOwnAccount);
              return retract(from.local!, action);
            case 'create': {
              own(isOwnAccount);
              const node = nodeOf(action);
              const config = applyConfigureForm(defaultConfig(), payload.getChild('configure')?.getChild('x', DATA_NS), maxItemsPerNode);
              await withLock(from.local!, async () => {
                if (await store.getNode(from.local!, node)) throw new StanzaError('conflict', `node '${node}' exists (XEP-0060 §8.1.3)`);
                await create(from.local!, node, config);
              });
              return undefined;
            }
            default:
              // Explicit subscriptions (XEP-0060 §6.1) are not offered: PEP subscriptions are implicit.
              throw unsupported(action?.name ?? 'this request');
          }
        },
      },
      'account',
    );

    const publish = async (from: JID, el: Element, optionsForm: Element | undefined): Promise<Element> => {
      const user = from.local!;
      const node = nodeOf(el);
      const item = publishedItem(el, from, maxItemBytes);
      const config = await withLock(user, async () => {
        const existing = await store.getNode(user, node);
        const options = publishOptions(optionsForm, existing?.config ?? defaultConfig(), maxItemsPerNode);
        if (existing) {
          if (options) checkPreconditions(existing.config, options.config, options.fields);
        } else {
          await create(user, node, options?.config ?? defaultConfig()); // XEP-0163 §3 auto-create
        }
        await store.publishItem(user, node, item);
        return existing?.config ?? options?.config ?? defaultConfig();
      });
      await notify(user, node, config, () => xml('items', { node }, itemElement(item)));
      return xml('pubsub', { xmlns: PUBSUB_NS }, xml('publish', { node }, xml('item', { id: item.id })));
    };

    const retract = async (user: string, el: Element): Promise<undefined> => {
      const node = nodeOf(el);
      const ids = el.getChildren('item').map((i) => i.attrs.id);
      if (ids.length === 0 || ids.some((id) => !id)) throw pubsubError('bad-request', 'item-required', 'name the item to retract (XEP-0060 §7.2.3.3)', {}, 'modify');
      const config = await withLock(user, async () => {
        const found = await store.getNode(user, node);
        if (!found) throw new StanzaError('item-not-found', `no node '${node}' (XEP-0060 §7.2.3.5)`);
        for (const id of ids) if (!(await store.retractItem(user, node, id!))) throw new StanzaError('item-not-found', `no item '${id}' (XEP-0060 §7.2.3.5)`);
        return found.config;
      });
      const isNotify = el.attrs.notify === 'true' || el.attrs.notify === '1' || config.notifyRetract;
      if (isNotify) await notify(user, node, config, () => xml('items', { node }, ...ids.map((id) => xml('retract', { id: id! }))));
      return undefined;
    };

    // ---- http://jabber.org/protocol/pubsub#owner ----
    api.iq(
      PUBSUB_OWNER_NS,
      'pubsub',
      {
        async get({ payload, from, isOwnAccount }) {
          own(isOwnAccount);
          const configure = payload.getChild('configure');
          if (!configure) throw unsupported(childElements(payload)[0]?.name ?? 'this request');
          const node = nodeOf(configure);
          const found = await store.getNode(from.local!, node);
          if (!found) throw new StanzaError('item-not-found', `no node '${node}' (XEP-0060 §8.2.3.4)`);
          return xml('pubsub', { xmlns: PUBSUB_OWNER_NS }, xml('configure', { node }, configForm(found.config)));
        },
        async set({ payload, from, isOwnAccount }) {
          own(isOwnAccount);
          const user = from.local!;
          const [action] = childElements(payload);
          const node = nodeOf(action);
          const existing = async () => {
            const found = await store.getNode(user, node);
            if (!found) throw new StanzaError('item-not-found', `no node '${node}' (XEP-0060 §8)`);
            return found.config;
          };
          switch (action?.name) {
            case 'configure': {
              const x = action.getChild('x', DATA_NS);
              if (x?.attrs.type === 'cancel') return undefined; // §8.2.3: the owner cancelled
              await withLock(user, async () => store.setNode(user, node, applyConfigureForm(await existing(), x, maxItemsPerNode)));
              return undefined;
            }
            case 'purge':
            case 'delete': {
              // §8.5 and §8.4: the change under the user's lock, then the subscribers told.
              const change = action.name === 'purge' ? () => store.purgeNode(user, node) : () => store.deleteNode(user, node);
              const config = await withLock(user, async () => {
                const c = await existing();
                await change();
                return c;
              });
              await notify(user, node, config, () => xml(action.name, { node }));
              return undefined;
            }
            default:
              throw unsupported(action?.name ?? 'this request');
          }
        },
      },
      'account',
    );
  },
};

export { parsePepOptions, DEFAULT_PEP_OPTIONS, type PepOptions } from './pep-options.js';
