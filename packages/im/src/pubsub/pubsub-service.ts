// XEP-0060 Publish-Subscribe (sections as numbered in its 1.2x revisions) as a generic service on
// pubsub.<domain>, for nodes that the service's administrators (option `admins`) create:
//   disco#info and disco#items of the service and of a node (§5.1–§5.3, §5.5, pubsub#meta-data);
//   create (§8.1, with a configure form; no instant nodes), configure (§8.2), default
//   configuration (§8.3), delete (§8.4), purge (§8.5) and the node's subscription list (§8.8.1):
//   administrators only, everyone else gets forbidden;
//   publish (§7.1, with publish-options preconditions §7.1.5) and retract (§7.2): administrators,
//   and any local account on a node whose pubsub#publish_model is 'open' ('publishers', the
//   default, means the administrators);
//   subscribe (§6.1) and unsubscribe (§6.2), explicit subscriptions of the requester's own bare or
//   full JID; access model open (any local account) or whitelist (administrators only); one's own
//   subscriptions (§5.6); items retrieval (§6.5) with max_items and item ids;
//   notifications (§7.1.2.1, §7.2.2.1, §8.4.2, §8.5.2) as headline messages from the service to every
//   subscriber: a bare-JID subscription reaches the account's available resources with a
//   non-negative priority, a full-JID one that resource. send_last_published_item on_sub (and
//   on_sub_and_presence, which without presence-based delivery here means the same): the last item
//   on subscribe.
// Nodes and items are in the PepStore under the owner '@pubsub' (no account can be named so: a
// localpart has no '@'), subscriptions in the PubsubSubscriptionStore; both are shared by every node
// of a cluster, and every write runs under the cluster-wide lock `pubsub:<service>`, so a publisher
// and its subscribers may be on any nodes. Bounds: nodes of the service, items per node, bytes per item.
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError, childElements, iqPayload, iqResult, parseJid, type JID } from '@deskchat/protocol';
import type { Module, PepNodeConfig, StanzaEvent } from '@deskchat/core';
import { applyConfigureForm, checkPreconditions, configForm, publishOptions } from '../pep/node-config.js';
import { DATA_NS, PUBSUB_NS, PUBSUB_OWNER_NS, pubsubError } from '../pep/pep-ns.js';
import { eventMessage, itemElement, publishedItem } from '../pep/published-item.js';
import { DEFAULT_PUBSUB_OPTIONS, type PubsubOptions } from './pubsub-options.js';

/** The PepStore owner of the service's nodes: never an account name (a localpart cannot contain '@'). */
export const PUBSUB_OWNER = '@pubsub';
const META_DATA_FORM = 'http://jabber.org/protocol/pubsub#meta-data';
/** Node names beyond this many characters are refused on create (they become store keys). */
const MAX_NODE_NAME = 1024;

/** The XEP-0060 §10 features this service implements; each is advertised because it works. */
export const PUBSUB_SERVICE_FEATURES = [
  'access-open',
  'access-whitelist',
  'config-node',
  'config-node-max',
  'create-and-configure',
  'create-nodes',
  'delete-nodes',
  'item-ids',
  'last-published',
  'meta-data',
  'persistent-items',
  'publish',
  'publish-options',
  'purge-nodes',
  'retract-items',
  'retrieve-default',
  'retrieve-items',
  'retrieve-subscriptions',
  'subscribe',
].map((f) => `${PUBSUB_NS}#${f}`);

/** A new node's configuration (XEP-0060 §16.4 defaults where this service has a choice). */
export const defaultServiceConfig = (): PepNodeConfig => ({ accessModel: 'open', maxItems: 10, persistItems: true, notifyRetract: true, sendLastPublishedItem: 'never', publishModel: 'publishers' });

const unsupported = (feature: string) => pubsubError('feature-not-implemented', 'unsupported', `${feature} is not supported by this pubsub service`, { feature }, 'cancel');
const noNode = (node: string, section: string) => new StanzaError('item-not-found', `no node '${node}' (XEP-0060 ${section})`);
const nodeOf = (el: Element | undefined, section: string): string => {
  const node = el?.attrs.node;
  if (!node) throw pubsubError('bad-request', 'nodeid-required', `name the node (XEP-0060 ${section})`, {}, 'modify');
  return node;
};

interface Outcome {
  /** The IQ result's payload. */
  payload?: Element;
  /** Runs after the result is sent (notifications, the last item on subscribe). */
  after?: () => Promise<void>;
}

export const pubsubServiceModule: Module<PubsubOptions> = {
  name: 'pubsub',
  defaults: DEFAULT_PUBSUB_OPTIONS,
  setup(api) {
    const { options } = api;
    if (!options.enabled) return;
    const service = `${options.subdomain}.${api.domain}`;
    const store = api.stores.pep;
    const subscriptions = api.stores.pubsubSubscriptions;
    const { maxNodes, maxItemsPerNode, maxItemBytes } = options;
    const admins = new Set(options.admins.map((a) => a.toLowerCase())); // bare JIDs (parseAdmins), as the adhoc module keeps them
    const isAdmin = (who: JID) => admins.has(who.bare().toString().toLowerCase());
    const withLock = <T>(task: () => Promise<T>) => api.locks.withLock(`pubsub:${service}`, task);

    api.hostService(service, (event) => handle(event));
    api.hook('disco/host-items', () => ({ jid: service, name: 'Publish-Subscribe' }));

    const handle = async (event: StanzaEvent): Promise<void> => {
      const { stanza, from, to } = event;
      if (stanza.name !== 'iq') {
        if (stanza.name === 'message' && stanza.attrs.type !== 'error') throw new StanzaError('service-unavailable', 'the pubsub service takes IQs only');
        return; // presence and errors: nothing to answer
      }
      const type = stanza.attrs.type;
      if (type !== 'get' && type !== 'set') return;
      if (to.local || to.resource) throw new StanzaError('service-unavailable', `address the service as ${service}`);
      if (!from.local || from.domain !== api.domain) throw new StanzaError('forbidden', 'only accounts of this server use this service');
      const payload = iqPayload(stanza);
      if (!payload) throw new StanzaError('bad-request', 'an iq get or set has exactly one payload (RFC 6120 §8.2.3)');
      const outcome = await dispatch(type, payload, from);
      await api.router.deliver(from, iqResult(stanza, outcome.payload));
      if (outcome.after) await outcome.after().catch((err) => api.log.warn({ err }, 'pubsub: notification failed'));
    };

    const dispatch = async (type: 'get' | 'set', payload: Element, from: JID): Promise<Outcome> => {
      const ns = payload.attrs.xmlns;
      if (ns === NS.DISCO_INFO && payload.name === 'query' && type === 'get') return { payload: await discoInfo(payload.attrs.node, from) };
      if (ns === NS.DISCO_ITEMS && payload.name === 'query' && type === 'get') return { payload: await discoItems(payload.attrs.node, from) };
      if (payload.name !== 'pubsub' || (ns !== PUBSUB_NS && ns !== PUBSUB_OWNER_NS)) throw new StanzaError('service-unavailable');
      if (ns === PUBSUB_OWNER_NS) {
        const [action] = childElements(payload);
        if (!isAdmin(from)) throw new StanzaError('forbidden', 'only the administrators of this service manage its nodes (XEP-0060 §8)');
        return type === 'get' ? { payload: await ownerGet(action) } : ownerSet(action);
      }
      if (type === 'get') {
        const [action] = childElements(payload);
        if (action?.name === 'items') return { payload: await getItems(action, from) };
        if (action?.name === 'subscriptions') return { payload: await ownSubscriptions(action, from) };
        throw unsupported(action?.name ?? 'this request');
      }
      const [action] = childElements(payload).filter((c) => c.name !== 'publish-options' && c.name !== 'configure' && c.name !== 'options');
      switch (action?.name) {
        case 'create':
          return create(action, payload.getChild('configure')?.getChild('x', DATA_NS), from);
        case 'publish':
          return publish(action, payload.getChild('publish-options')?.getChild('x', DATA_NS), from);
        case 'retract':
          return retract(action, from);
        case 'subscribe':
          return subscribe(action, from);
        case 'unsubscribe':
          return unsubscribe(action, from);
        default:
          throw unsupported(action?.name ?? 'this request');
      }
    };

    // ---- access ----
    /** §4.5: open — any local account; whitelist — the administrators only. */
    const mayRead = (config: PepNodeConfig, who: JID) => config.accessModel === 'open' || isAdmin(who);
    const checkRead = (config: PepNodeConfig, who: JID, section: string) => {
      if (!mayRead(config, who)) throw pubsubError('not-allowed', 'closed-node', `the node is open to the service's administrators only (XEP-0060 ${section})`, {}, 'cancel');
    };
    const mayPublish = (config: PepNodeConfig, who: JID) => isAdmin(who) || config.publishModel === 'open';
    const existing = async (node: string, section: string): Promise<PepNodeConfig> => {
      const found = await store.getNode(PUBSUB_OWNER, node);
      if (!found) throw noNode(node, section);
      return found.config;
    };
    /** §8.2.5-style check of a submitted configuration: this service has no presence access model. */
    const checkConfig = (config: PepNodeConfig): PepNodeConfig => {
      if (config.accessModel !== 'open' && config.accessModel !== 'whitelist') throw new StanzaError('not-acceptable', `access model '${config.accessModel}' is not supported here: open, whitelist (XEP-0060 §8.2.5)`);
      return config;
    };

    // ---- notifications ----
    /** The full JIDs a subscription JID stands for: a full JID itself, a bare JID's available resources. */
    const resourcesOf = async (subscriber: string): Promise<JID[]> => {
      const jid = parseJid(subscriber);
      if (!jid?.local || jid.domain !== api.domain) return [];
      if (jid.resource) return [jid];
      return (await api.router.availableResourcesOf(jid.local)).map((r) => r.jid);
    };
    const recipientsOf = async (subscribers: string[]): Promise<JID[]> => {
      const out = new Map<string, JID>();
      for (const s of subscribers) for (const jid of await resourcesOf(s)) out.set(jid.toString(), jid);
      return [...out.values()];
    };
    const event = (to: JID, payload: Element, delay?: number) => eventMessage(service, to, payload, delay);
    const notify = async (subscribers: string[], payload: () => Element): Promise<void> => {
      for (const to of await recipientsOf(subscribers)) await api.router.deliver(to, event(to, payload()));
    };

    // ---- disco (§5.1–§5.3, §5.5) ----
    const discoInfo = async (node: string | undefined, from: JID): Promise<Element> => {
      if (!node) {
        return xml(
          'query',
          { xmlns: NS.DISCO_INFO },
          xml('identity', { category: 'pubsub', type: 'service', name: 'Publish-Subscribe' }),
          ...[NS.DISCO_INFO, NS.DISCO_ITEMS, PUBSUB_NS, ...PUBSUB_SERVICE_FEATURES].map((v) => xml('feature', { var: v })),
        );
      }
      const config = await existing(node, '§5.3');
      checkRead(config, from, '§5.3');
      const field = (v: string, value: string) => xml('field', { var: v }, xml('value', {}, value));
      return xml(
        'query',
        { xmlns: NS.DISCO_INFO, node },
        xml('identity', { category: 'pubsub', type: 'leaf' }),
        ...[NS.DISCO_INFO, NS.DISCO_ITEMS, PUBSUB_NS].map((v) => xml('feature', { var: v })),
        xml(
          'x',
          { xmlns: DATA_NS, type: 'result' },
          xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, META_DATA_FORM)),
          field('pubsub#type', 'leaf'),
          field('pubsub#access_model', config.accessModel),
          field('pubsub#publish_model', config.publishModel ?? 'publishers'),
          field('pubsub#max_items', String(config.maxItems)),
          field('pubsub#num_subscribers', String((await subscriptions.subscribersOf(node)).length)),
        ),
      );
    };
    const discoItems = async (node: string | undefined, from: JID): Promise<Element> => {
      if (!node) {
        const nodes = (await store.listNodes(PUBSUB_OWNER)).filter((n) => mayRead(n.config, from));
        return xml('query', { xmlns: NS.DISCO_ITEMS }, ...nodes.map((n) => xml('item', { jid: service, node: n.node })));
      }
      const config = await existing(node, '§5.5');
      checkRead(config, from, '§5.5');
      const items = await store.getItems(PUBSUB_OWNER, node);
      return xml('query', { xmlns: NS.DISCO_ITEMS, node }, ...items.map((i) => xml('item', { jid: service, name: i.id })));
    };

    // ---- subscriber use cases (§5.6, §6) ----
    const subscriptionEl = (node: string, jid: string, state: 'subscribed' | 'none') => xml('subscription', { node, jid, subscription: state });
    const requestedJid = (el: Element, from: JID, section: string, onMismatch: () => StanzaError): JID => {
      const jid = el.attrs.jid ? parseJid(el.attrs.jid) : undefined;
      if (!jid) throw pubsubError('bad-request', 'invalid-jid', `give the JID to (un)subscribe (XEP-0060 ${section})`, {}, 'modify');
      if (jid.bare().toString() !== from.bare().toString()) throw onMismatch();
      return jid;
    };

    const subscribe = async (el: Element, from: JID): Promise<Outcome> => {
      const node = nodeOf(el, '§6.1.3.3');
      const jid = requestedJid(el, from, '§6.1.3.1', () => pubsubError('bad-request', 'invalid-jid', 'subscribe your own JID (XEP-0060 §6.1.3.1)', {}, 'modify'));
      const config = await existing(node, '§6.1.3.12');
      checkRead(config, from, '§6.1.3.4');
      await withLock(async () => {
        await existing(node, '§6.1.3.12');
        await subscriptions.subscribe(node, jid.toString());
      });
      const payload = xml('pubsub', { xmlns: PUBSUB_NS }, subscriptionEl(node, jid.toString(), 'subscribed'));
      if (config.sendLastPublishedItem === 'never') return { payload };
      return {
        payload,
        after: async () => {
          const [last] = await store.getItems(PUBSUB_OWNER, node, 1);
          if (!last) return;
          for (const to of await resourcesOf(jid.toString())) await api.router.deliver(to, event(to, xml('items', { node }, itemElement(last)), last.publishedAt));
        },
      };
    };

    const unsubscribe = async (el: Element, from: JID): Promise<Outcome> => {
      const node = nodeOf(el, '§6.2.3');
      const jid = requestedJid(el, from, '§6.2.3.3', () => new StanzaError('forbidden', 'unsubscribe your own JID only (XEP-0060 §6.2.3.3)'));
      await withLock(async () => {
        await existing(node, '§6.2.3.4');
        if (!(await subscriptions.unsubscribe(node, jid.toString()))) throw pubsubError('unexpected-request', 'not-subscribed', `${jid.toString()} is not subscribed to '${node}' (XEP-0060 §6.2.3.2)`, {}, 'cancel');
      });
      return {};
    };

    const ownSubscriptions = async (el: Element, from: JID): Promise<Element> => {
      const only = el.attrs.node;
      if (only) await existing(only, '§5.6');
      const mine = (await subscriptions.subscriptionsOf(from.bare().toString())).filter((s) => !only || s.node === only);
      return xml('pubsub', { xmlns: PUBSUB_NS }, xml('subscriptions', only ? { node: only } : {}, ...mine.map((s) => subscriptionEl(s.node, s.jid, 'subscribed'))));
    };

    const getItems = async (el: Element, from: JID): Promise<Element> => {
      const node = nodeOf(el, '§6.5.9.3');
      const config = await existing(node, '§6.5.9.11');
      checkRead(config, from, '§6.5.9.4');
      const ids = el.getChildren('item').map((i) => i.attrs.id).filter((id): id is string => !!id);
      const maxAttr = el.attrs.max_items;
      if (maxAttr !== undefined && !/^\d+$/.test(maxAttr)) throw new StanzaError('bad-request', 'max_items is a non-negative integer (XEP-0060 §6.5.7)');
      let found = await store.getItems(PUBSUB_OWNER, node, ids.length > 0 || maxAttr === undefined ? undefined : Number(maxAttr));
      if (ids.length > 0) found = found.filter((i) => ids.includes(i.id));
      return xml('pubsub', { xmlns: PUBSUB_NS }, xml('items', { node }, ...found.map(itemElement)));
    };

    // ---- publisher use cases (§7) ----
    const publish = async (el: Element, optionsForm: Element | undefined, from: JID): Promise<Outcome> => {
      const node = nodeOf(el, '§7.1.3.3');
      const item = publishedItem(el, from, maxItemBytes);
      await withLock(async () => {
        const config = await existing(node, '§7.1.3.5');
        if (!mayPublish(config, from)) throw new StanzaError('forbidden', 'only the publishers of this node publish to it (XEP-0060 §7.1.3.1)');
        const options = publishOptions(optionsForm, config, maxItemsPerNode);
        if (options) checkPreconditions(config, options.config, options.fields);
        await store.publishItem(PUBSUB_OWNER, node, item);
      });
      return {
        payload: xml('pubsub', { xmlns: PUBSUB_NS }, xml('publish', { node }, xml('item', { id: item.id }))),
        after: async () => notify(await subscriptions.subscribersOf(node), () => xml('items', { node }, itemElement(item))),
      };
    };

    const retract = async (el: Element, from: JID): Promise<Outcome> => {
      const node = nodeOf(el, '§7.2.3.3');
      const ids = el.getChildren('item').map((i) => i.attrs.id);
      if (ids.length === 0 || ids.some((id) => !id)) throw pubsubError('bad-request', 'item-required', 'name the item to retract (XEP-0060 §7.2.3.4)', {}, 'modify');
      const config = await withLock(async () => {
        const c = await existing(node, '§7.2.3.5');
        if (!mayPublish(c, from)) throw new StanzaError('forbidden', 'only the publishers of this node retract its items (XEP-0060 §7.2.3.1)');
        for (const id of ids) if (!(await store.retractItem(PUBSUB_OWNER, node, id!))) throw new StanzaError('item-not-found', `no item '${id}' (XEP-0060 §7.2.3.5)`);
        return c;
      });
      const isNotify = el.attrs.notify === 'true' || el.attrs.notify === '1' || config.notifyRetract;
      if (!isNotify) return {};
      return { after: async () => notify(await subscriptions.subscribersOf(node), () => xml('items', { node }, ...ids.map((id) => xml('retract', { id: id! })))) };
    };

    // ---- owner use cases (§8), administrators only ----
    const create = async (el: Element, form: Element | undefined, from: JID): Promise<Outcome> => {
      if (!isAdmin(from)) throw new StanzaError('forbidden', 'only the administrators of this service create nodes (XEP-0060 §8.1.3.1)');
      if (!el.attrs.node) throw pubsubError('not-acceptable', 'nodeid-required', 'this service has no instant nodes: name the node (XEP-0060 §8.1.3.7)', {}, 'modify');
      const node = el.attrs.node;
      if ([...node].length > MAX_NODE_NAME) throw new StanzaError('not-acceptable', `a node name has at most ${MAX_NODE_NAME} characters`);
      const config = checkConfig(applyConfigureForm(defaultServiceConfig(), form, maxItemsPerNode));
      await withLock(async () => {
        if (await store.getNode(PUBSUB_OWNER, node)) throw new StanzaError('conflict', `node '${node}' exists (XEP-0060 §8.1.3.5)`);
        if ((await store.listNodes(PUBSUB_OWNER)).length >= maxNodes) throw new StanzaError('resource-constraint', `this service keeps at most ${maxNodes} nodes`, { type: 'cancel' });
        await store.setNode(PUBSUB_OWNER, node, config);
      });
      return {};
    };

    const ownerGet = async (action: Element | undefined): Promise<Element> => {
      switch (action?.name) {
        case 'configure': {
          const node = nodeOf(action, '§8.2.3.3');
          return xml('pubsub', { xmlns: PUBSUB_OWNER_NS }, xml('configure', { node }, configForm(await existing(node, '§8.2.3.4'))));
        }
        case 'default':
          return xml('pubsub', { xmlns: PUBSUB_OWNER_NS }, xml('default', {}, configForm(defaultServiceConfig())));
        case 'subscriptions': {
          const node = nodeOf(action, '§8.8.1.3');
          await existing(node, '§8.8.1.4');
          const jids = await subscriptions.subscribersOf(node);
          return xml('pubsub', { xmlns: PUBSUB_OWNER_NS }, xml('subscriptions', { node }, ...jids.map((jid) => xml('subscription', { jid, subscription: 'subscribed' }))));
        }
        default:
          throw unsupported(action?.name ?? 'this request');
      }
    };

    const ownerSet = async (action: Element | undefined): Promise<Outcome> => {
      switch (action?.name) {
        case 'configure': {
          const node = nodeOf(action, '§8.2.3.3');
          const x = action.getChild('x', DATA_NS);
          if (x?.attrs.type === 'cancel') {
            await existing(node, '§8.2.3.4');
            return {}; // §8.2.5: the owner cancelled
          }
          await withLock(async () => {
            const config = checkConfig(applyConfigureForm(await existing(node, '§8.2.3.4'), x, maxItemsPerNode));
            await store.setNode(PUBSUB_OWNER, node, config);
            // §8.2 / §4.5: subscribers who may no longer read the node lose their subscription.
            if (config.accessModel === 'whitelist') {
              for (const jid of await subscriptions.subscribersOf(node)) {
                const parsed = parseJid(jid);
                if (!parsed || !isAdmin(parsed)) await subscriptions.unsubscribe(node, jid);
              }
            }
          });
          return {};
        }
        case 'purge': {
          const node = nodeOf(action, '§8.5.3.2');
          await withLock(async () => {
            await existing(node, '§8.5.3.4');
            await store.purgeNode(PUBSUB_OWNER, node);
          });
          return { after: async () => notify(await subscriptions.subscribersOf(node), () => xml('purge', { node })) };
        }
        case 'delete': {
          const node = nodeOf(action, '§8.4.3.2');
          const subscribers = await withLock(async () => {
            await existing(node, '§8.4.3.3');
            const list = await subscriptions.subscribersOf(node);
            await store.deleteNode(PUBSUB_OWNER, node);
            await subscriptions.removeNode(node);
            return list;
          });
          return { after: async () => notify(subscribers, () => xml('delete', { node })) };
        }
        default:
          throw unsupported(action?.name ?? 'this request');
      }
    };
  },
};
