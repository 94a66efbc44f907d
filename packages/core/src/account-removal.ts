// Account removal: the account, everything stored for the user, and what other users' data still
// grants the name — so that a new account with the same name starts clean and inherits nobody's
// presence subscription, room affiliation or pubsub subscription (contact centres reuse agent
// IDs). Contacts are told as RFC 6121 §2.5.2 tells them of a removed roster item: a running server
// does it through the router before anything is wiped (`beforeWipe`, 'account/removing'); the
// store sweep below then makes sure of it even with no server running (`deskchat user remove`).
import { parseJid } from '@deskchat/protocol';
import type { Stores } from './stores.js';

export interface AccountRemovalOptions {
  /** The server's domain: the user's bare JID as others' rosters, rooms and subscriptions name it. */
  domain: string;
  /** The group-chat services (e.g. conference.example.com) whose rooms may name the user. */
  mucServices?: readonly string[];
  /**
   * Runs once the account can no longer sign in and before any of its data is removed: a running
   * server tells the user's contacts here (roster pushes and presence, through the router).
   */
  beforeWipe?: (username: string) => Promise<void>;
}

type RemovalStores = Omit<Stores, 'files'> & Partial<Pick<Stores, 'files'>>;

/** Removes the account and all the user's data, and the user from others' data; whether the account existed. */
export async function removeAccount(stores: RemovalStores, username: string, options: AccountRemovalOptions): Promise<boolean> {
  const existed = await stores.accounts.removeAccount(username);
  if (existed) {
    await options.beforeWipe?.(username);
    await removeFromOthers(stores, username, options);
  }
  await Promise.all([stores.vcards, stores.offline, stores.roster, stores.privateXml, stores.blockList, stores.archive, stores.pep, stores.presenceState].map((store) => store.removeUser(username)));
  // Stored files too, where the stores have them (a Redis cluster has no FileStore of its own yet).
  await stores.files?.removeOwner(username);
  return existed;
}

/**
 * What other users' data grants `username`: a local contact's item for the user loses its
 * subscription, pending request and pre-approval (what 'unsubscribed' and 'unsubscribe' would
 * leave: the item stays, as the contact named and grouped it) and the contact's pending request
 * from the user goes; the user's pubsub subscriptions and room affiliations go.
 */
async function removeFromOthers(stores: RemovalStores, username: string, { domain, mucServices = [] }: AccountRemovalOptions): Promise<void> {
  const user = `${username}@${domain}`;
  const [roster, requests] = await Promise.all([stores.roster.getRoster(username), stores.roster.getRequests(username)]);
  for (const jid of new Set([...roster.items.map((item) => item.jid), ...requests.map((request) => request.jid)])) {
    const parsed = parseJid(jid);
    const contact = parsed?.domain === domain ? parsed.local : undefined; // only local accounts hold a roster here
    if (!contact || contact === username) continue;
    const item = await stores.roster.getItem(contact, user);
    if (item && (item.subscription !== 'none' || item.isPendingOut || item.isPreApproved)) await stores.roster.setItem(contact, { ...item, subscription: 'none', isPendingOut: false, isPreApproved: false });
    await stores.roster.removeRequest(contact, user);
  }
  for (const { node, jid } of await stores.pubsubSubscriptions.subscriptionsOf(user)) await stores.pubsubSubscriptions.unsubscribe(node, jid);
  for (const service of mucServices) {
    for (const room of await stores.mucRooms.listRooms(service)) {
      if (await stores.mucRooms.getAffiliation(service, room.room, user)) await stores.mucRooms.setAffiliations(service, room.room, [{ jid: user, affiliation: 'none' }]);
    }
  }
}
