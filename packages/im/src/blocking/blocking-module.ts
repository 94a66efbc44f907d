// XEP-0191 Blocking Command (version 1.3), issue #13: a user's block list, kept in the durable
// BlockListStore (Redis in a cluster, so every node routes by the same list). Each session keeps
// its own user's list once read (`session.data`), since every stanza the user sends or receives is
// checked against it; every change is pushed to every session of the user, wherever it is, and the
// push drops that copy on its way (see `ownList`). The other party's list is that copy too when the
// other party has a session on this node (the common case: both users served here), else read from
// the store — once per message otherwise, which cost a fifth of a node's time under load.
//   §3.1 disco feature urn:xmpp:blocking; §3.2 <blocklist/> get; §3.3 <block/>; §3.4 <unblock/>
//   (empty: all); pushes of each change to the user's resources that asked for the list.
//   §3.3: on blocking a contact subscribed to the user's presence, unavailable presence from each
//   of the user's available resources; §3.4: on unblocking, the user's current presence again (and
//   a probe, so the user learns the contact's presence, which was held back meanwhile).
//   §3.5 enforcement, both ways and for every kind of stanza:
//     inbound from a blocked JID: message → service-unavailable; iq get/set → service-unavailable;
//       presence (subscriptions and probes included) and anything else → dropped silently;
//     outbound to a blocked JID: not-acceptable with <blocked xmlns='urn:xmpp:blocking:errors'/>
//       (never an answer to an error or an IQ result, which are dropped).
// Routed stanzas are checked on the routing events (above every other module); what is delivered
// straight to sessions (presence broadcasts, probe answers) is checked in 'pre-stanza/deliver' on
// the node that holds the recipient's session.
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, parseJid, withAttrs, type JID } from '@deskchat/protocol';
import { OptionsError, StoreUnavailableError, checkInteger, type BlockListStore, type DeliveryEvent, type Module, type ModuleApi, type Session, type StanzaEvent } from '@deskchat/core';
import { isBlockedBy } from './block-match.js';
import { PRESENCE_SERVICE, type PresenceService } from '../presence/presence-service.js';

export const BLOCKING_NS = 'urn:xmpp:blocking';
export const BLOCKING_ERRORS_NS = 'urn:xmpp:blocking:errors';

export interface BlockingOptions {
  /** Blocked JIDs one user may keep (security by default: the list is read on every routing decision). */
  maxItemsPerUser: number;
}

export const DEFAULT_BLOCKING_OPTIONS: BlockingOptions = { maxItemsPerUser: 1000 };

/** The `blocking` config section (conventions §8). */
export function parseBlockingOptions(raw: Record<string, unknown> | undefined, prefix = 'blocking'): BlockingOptions {
  const r = raw ?? {};
  for (const key of Object.keys(r)) if (!(key in DEFAULT_BLOCKING_OPTIONS)) throw new OptionsError(`${prefix}.${key}`, 'unknown option');
  return { maxItemsPerUser: r.maxItemsPerUser === undefined ? DEFAULT_BLOCKING_OPTIONS.maxItemsPerUser : checkInteger(`${prefix}.maxItemsPerUser`, r.maxItemsPerUser, 1, 100_000) };
}

/** The list of a JID that is not one of our accounts: it blocks nothing here. */
const NOBODY: string[] = [];

/** session.data key: the session asked for the block list (§3.2), so it receives pushes. */
const REQUESTED = 'blocking:requested';
/** session.data key: the session's copy of its user's block list, and how many times it was dropped. */
const OWN_LIST = 'blocking:own-list';

interface OwnList {
  items?: string[];
  /** Bumped when the copy is dropped: a read that began before must not store what it got. */
  generation: number;
}

function ownListState(session: Session): OwnList {
  let state = session.data.get(OWN_LIST) as OwnList | undefined;
  if (!state) session.data.set(OWN_LIST, (state = { generation: 0 }));
  return state;
}

/** The session's user's block list: its copy, or the store's (then kept, unless it changed meanwhile). */
async function ownList(store: BlockListStore, session: Session): Promise<string[]> {
  const state = ownListState(session);
  if (state.items) return state.items;
  const generation = state.generation;
  const items = await store.getBlockList(session.jid!.local!);
  if (state.generation === generation) state.items = items;
  return items;
}

/** The session's copy of its user's list, if it has one: no store read, no promise. */
function knownOwnList(session: Session): string[] | undefined {
  return (session.data.get(OWN_LIST) as OwnList | undefined)?.items;
}

/** A user's list as one of their sessions on this node holds it, if one does. */
function knownListOf(api: ModuleApi<BlockingOptions>, username: string): string[] | undefined {
  const session = api.router.localSessionsOf(username)[0];
  return session && knownOwnList(session);
}

/** A user's block list: the copy of one of their sessions on this node when there is one, else the store's. */
function listOf(api: ModuleApi<BlockingOptions>, username: string): Promise<string[]> {
  const session = api.router.localSessionsOf(username)[0];
  return session ? ownList(api.stores.blockList, session) : api.stores.blockList.getBlockList(username);
}

/** The user's list changed: this session's copy goes (a push on its way to it, or its own block/unblock). */
function dropOwnList(session: Session | undefined): void {
  if (!session) return;
  const state = ownListState(session);
  state.items = undefined;
  state.generation++;
}

/** The error a user gets for a stanza to a JID they blocked (§3.4, example 13). */
export function blockedError(): StanzaError {
  return new StanzaError('not-acceptable', 'you have blocked this address (XEP-0191 §3.4)', { type: 'cancel', application: xml('blocked', { xmlns: BLOCKING_ERRORS_NS }) });
}

/** The <item jid=…/> children, normalized and without duplicates (§3.3: jid-malformed for a bad one). */
function readItems(payload: Element): string[] {
  const jids = new Set<string>();
  for (const item of payload.getChildren('item')) {
    const raw = item.attrs.jid;
    if (raw === undefined) throw new StanzaError('bad-request', 'an item needs a jid (XEP-0191 §3.3)');
    const jid = parseJid(raw);
    if (!jid) throw new StanzaError('jid-malformed', `not a valid JID: ${raw} (XEP-0191 §3.3)`);
    jids.add(jid.toString());
  }
  return [...jids];
}

const itemList = (name: string, jids: string[]) => xml(name, { xmlns: BLOCKING_NS }, ...jids.map((jid) => xml('item', { jid })));

/** A push of ours (§3.3/§3.4): iq set with <block/> or <unblock/>, from the account itself. */
function isPush(stanza: Element): boolean {
  return stanza.name === 'iq' && stanza.attrs.type === 'set' && !stanza.attrs.from && (stanza.getChild('block', BLOCKING_NS) ?? stanza.getChild('unblock', BLOCKING_NS)) !== undefined;
}

export const blockingModule: Module<BlockingOptions> = {
  name: 'blocking',
  defaults: DEFAULT_BLOCKING_OPTIONS,
  setup(api) {
    const store = api.stores.blockList;
    const isAccount = (jid: JID) => !!jid.local && jid.domain === api.domain;
    const own = (isOwnAccount: boolean) => {
      if (!isOwnAccount) throw new StanzaError('forbidden', "another user's block list is not reachable (XEP-0191 §3)");
    };

    api.discoFeature(BLOCKING_NS);

    api.iq(BLOCKING_NS, 'blocklist', {
      async get({ from, isOwnAccount, origin }) {
        own(isOwnAccount);
        origin?.data.set(REQUESTED, true);
        return itemList('blocklist', await store.getBlockList(from.local!));
      },
    }, 'account');

    api.iq(BLOCKING_NS, 'block', {
      async set({ payload, from, isOwnAccount, origin }) {
        own(isOwnAccount);
        dropOwnList(origin);
        const user = from.local!;
        const jids = readItems(payload);
        if (jids.length === 0) throw new StanzaError('bad-request', 'name at least one JID to block (XEP-0191 §3.3)');
        const max = api.options.maxItemsPerUser;
        if (!(await store.block(user, jids, max))) {
          // RFC 6120 §8.3.3.18: the server lacks the room to keep more for this user.
          throw new StanzaError('resource-constraint', `the block list is full: at most ${max} JIDs per user`, { type: 'cancel' });
        }
        await sendUnavailable(api, user, jids);
        await push(api, user, () => itemList('block', jids));
        return undefined;
      },
    }, 'account');

    api.iq(BLOCKING_NS, 'unblock', {
      async set({ payload, from, isOwnAccount, origin }) {
        own(isOwnAccount);
        dropOwnList(origin);
        const user = from.local!;
        let jids = readItems(payload);
        if (jids.length === 0) {
          // §3.4: an empty <unblock/> unblocks every JID.
          jids = await store.getBlockList(user);
          await store.removeUser(user);
        } else {
          await store.unblock(user, jids);
        }
        await sendPresenceAgain(api, user, jids);
        const pushed = payload.getChildren('item').length === 0 ? [] : jids; // an empty <unblock/> is pushed as it came
        await push(api, user, () => itemList('unblock', pushed));
        return undefined;
      },
    }, 'account');

    // §3.5 on routed stanzas: above every feature module and fallback, on any node. While the store
    // cannot be read (the cluster's Redis is down, issue 8 §8), traffic goes on: what a session's
    // own copy of its list says still applies (here for the sender, at delivery for the recipient),
    // and a list that cannot be read blocks nothing.
    /** A list, or none (blocking nothing) while the store cannot be read. */
    const readable = async (read: () => Promise<string[]>): Promise<string[]> => {
      try {
        return await read();
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        return [];
      }
    };
    /** Stanzas that passed the check while routed on this node, with the account they were for: delivered to it here, the sender's list is not read again. */
    const passed = new WeakMap<Element, string>();
    // Both lists are usually copies held by sessions on this node: then the check answers at once,
    // with no promise (every stanza passes it twice, routed and delivered).
    const settle = (event: StanzaEvent, isBlocked: boolean): boolean => {
      if (!isBlocked && event.to.local) passed.set(event.stanza, event.to.local);
      return isBlocked;
    };
    const enforce = (event: StanzaEvent): boolean | Promise<boolean> => {
      const isBlocked = check(event);
      return typeof isBlocked === 'boolean' ? settle(event, isBlocked) : isBlocked.then((b) => settle(event, b));
    };
    const check = (event: StanzaEvent): boolean | Promise<boolean> => {
      const { from, to, origin } = event;
      if (from.domain === to.domain && from.local === to.local) return false; // the user's own account
      const sendersSession = origin?.jid?.local === from.local && origin.jid?.domain === from.domain ? origin : undefined;
      const senders = !isAccount(from) ? NOBODY : sendersSession ? knownOwnList(sendersSession) : knownListOf(api, from.local!);
      const recipients = !isAccount(to) ? NOBODY : knownListOf(api, to.local!);
      if (senders && recipients) return decide(event, senders, recipients);
      return (async () => {
        const sendersList = senders ?? (await readable(() => (sendersSession ? ownList(store, sendersSession) : listOf(api, from.local!))));
        return decide(event, sendersList, recipients ?? (await readable(() => listOf(api, to.local!))));
      })();
    };
    /** §3.5 both ways: the sender's list (outbound), then the recipient's (inbound). */
    const decide = ({ stanza, from, to }: StanzaEvent, senders: string[], recipients: string[]): boolean => {
      const type = stanza.attrs.type;
      if (isBlockedBy(senders, to)) {
        if (type !== 'error' && !(stanza.name === 'iq' && type === 'result')) api.router.bounce(stanza, blockedError());
        return true;
      }
      if (isBlockedBy(recipients, from)) {
        const isRequest = stanza.name === 'iq' ? type === 'get' || type === 'set' : stanza.name === 'message' && type !== 'error';
        if (isRequest) api.router.bounce(stanza, new StanzaError('service-unavailable'));
        return true;
      }
      return false;
    };
    for (const kind of ['message', 'presence', 'iq'] as const) {
      for (const addressing of ['bare', 'full'] as const) api.hook(`${kind}/${addressing}`, enforce, 1000);
    }

    // What reaches a session without the routing events (presence broadcasts and probe answers,
    // offline messages stored before the block): dropped, both ways. Errors pass (they are this
    // module's and the router's answers); so does the user's unavailable presence (§3.3 sends it).
    // While the store cannot be read, as for routing: the session's own copy applies, nothing else.
    api.hook('pre-stanza/deliver', (event) => checkDelivery(event), 1000);
    const checkDelivery = ({ stanza, session }: DeliveryEvent): boolean | Promise<boolean> => {
      const me = session.jid;
      if (!me) return false;
      if (isPush(stanza)) {
        dropOwnList(session); // every session of the user gets the push: the list changed
        return !session.data.has(REQUESTED); // §3.3: pushes go to resources that asked for the list
      }
      if (stanza.attrs.type === 'error') return false;
      const from = parseJid(stanza.attrs.from);
      if (!from) return false;
      if (from.domain === api.domain && (!from.local || from.local === me.local)) return false; // the server, or the user's own account
      const fromSender = (mine: string[]): boolean | Promise<boolean> => {
        if (isBlockedBy(mine, from)) return true;
        if (passed.get(stanza) === me.local) return false; // routed here to this account a moment ago: the sender's list was read then
        const isUnavailable = stanza.name === 'presence' && stanza.attrs.type === 'unavailable';
        if (isUnavailable || !isAccount(from)) return false;
        const theirs = knownListOf(api, from.local!);
        return theirs ? isBlockedBy(theirs, me) : readable(() => listOf(api, from.local!)).then((list) => isBlockedBy(list, me));
      };
      const mine = knownOwnList(session);
      return mine ? fromSender(mine) : readable(() => ownList(store, session)).then(fromSender);
    };
  },
};

/** §3.3/§3.4: a push to every resource of the user; the node holding each drops it unless the resource asked for the list. */
async function push(api: ModuleApi<BlockingOptions>, user: string, payload: () => Element): Promise<void> {
  const resources = await api.router.resourcesOf(user);
  await Promise.all(resources.map((r) => api.router.deliver(r.jid, xml('iq', { type: 'set', id: `push-${randomBytes(6).toString('hex')}`, to: r.jid.toString() }, payload()))));
}

/** The resources of this server's contacts in the user's roster with `subscriptions`, that one of `jids` matches. */
async function matchingContacts(api: ModuleApi<BlockingOptions>, user: string, jids: string[], subscriptions: string[]): Promise<{ contact: JID; resources: JID[] }[]> {
  const roster = await api.stores.roster.getRoster(user);
  const found: { contact: JID; resources: JID[] }[] = [];
  for (const item of roster.items) {
    if (!subscriptions.includes(item.subscription)) continue;
    const contact = parseJid(item.jid);
    if (!contact?.local || contact.domain !== api.domain) continue; // no federation: only this server's users
    // Only contacts an item can name (their bare JID or domain, or one of their resources) are looked up.
    const bare = contact.toString();
    if (!jids.some((j) => j === bare || j === contact.domain || j.startsWith(`${bare}/`) || j.startsWith(`${contact.domain}/`))) continue;
    const resources = (await api.router.resourcesOf(contact.local)).map((r) => r.jid).filter((jid) => isBlockedBy(jids, jid));
    if (resources.length > 0 || isBlockedBy(jids, contact)) found.push({ contact, resources });
  }
  return found;
}

/** §3.3: unavailable presence from each of the user's available resources to a newly blocked contact subscribed to them. */
async function sendUnavailable(api: ModuleApi<BlockingOptions>, user: string, jids: string[]): Promise<void> {
  const available = await api.presence.availableOf(user);
  if (available.length === 0) return;
  for (const { resources } of await matchingContacts(api, user, jids, ['from', 'both'])) {
    for (const to of resources) {
      for (const a of available) await api.router.deliver(to, xml('presence', { type: 'unavailable', from: api.jid(user, a.resource).toString(), to: to.toString() }));
    }
  }
}

/**
 * §3.4: the user's current presence (as a probe is answered) to an unblocked contact subscribed to
 * it, and the contact's to the user's available resources when the user is subscribed to the
 * contact (it was held back while blocked). Through the presence module's service, when loaded.
 */
async function sendPresenceAgain(api: ModuleApi<BlockingOptions>, user: string, jids: string[]): Promise<void> {
  const presence = api.use<PresenceService>(PRESENCE_SERVICE);
  if (jids.length === 0 || !presence) return;
  const remaining = await api.stores.blockList.getBlockList(user);
  const mine = await presence.currentPresenceOf(user);
  for (const { contact, resources } of await matchingContacts(api, user, jids, ['from', 'to', 'both'])) {
    const item = await api.stores.roster.getItem(user, contact.toString());
    if (item?.subscription === 'from' || item?.subscription === 'both') {
      for (const to of resources) {
        if (isBlockedBy(remaining, to)) continue; // still blocked by another item (e.g. its domain)
        for (const stanza of mine) await api.router.deliver(to, withAttrs(stanza, { to: to.toString() }));
      }
    }
    if ((item?.subscription === 'to' || item?.subscription === 'both') && !isBlockedBy(remaining, contact)) {
      const theirs = (await presence.currentPresenceOf(contact.local!)).filter((stanza) => !isBlockedBy(remaining, parseJid(stanza.attrs.from) ?? contact));
      for (const r of await api.router.availableResourcesOf(user)) {
        for (const stanza of theirs) await api.router.deliver(r.jid, withAttrs(stanza, { to: r.jid.toString() }));
      }
    }
  }
}
