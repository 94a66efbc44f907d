// core's account removal over the in-memory stores: the user's own data goes, and so does what
// other users' data still grants the name (contacts' subscriptions and requests, room affiliations,
// pubsub subscriptions), while everything else of theirs stays; `beforeWipe` runs in between.
import { describe, it, expect, beforeEach } from '@jest/globals';
import { removeAccount } from './account-removal.js';
import { deriveCredentials } from './sasl/credentials.js';
import { memoryStores, type Stores } from './stores.js';
import type { RosterItem } from './storage/roster.js';

const ROOMS = 'conference.localhost';
const item = (jid: string, subscription: RosterItem['subscription'], extra: Partial<RosterItem> = {}): RosterItem => ({ jid, groups: ['Team'], subscription, isPendingOut: false, isPreApproved: false, ...extra });

let stores: Stores;
const credentials = deriveCredentials('pw', 4096);

beforeEach(async () => {
  stores = memoryStores();
  for (const username of ['alice', 'bob', 'carol', 'dave']) await stores.accounts.createAccount({ username, createdAt: 0, credentials });
  // alice ↔ bob mutual; carol asked alice (pending); alice asked dave, who pre-approved her too.
  await stores.roster.setItem('alice', item('bob@localhost', 'both'));
  await stores.roster.setItem('bob', item('alice@localhost', 'both', { name: 'Alice A.' }));
  await stores.roster.setItem('bob', item('carol@localhost', 'both'));
  await stores.roster.setItem('carol', item('alice@localhost', 'none', { isPendingOut: true }));
  await stores.roster.setRequest('alice', { jid: 'carol@localhost', receivedAt: 1 });
  await stores.roster.setItem('alice', item('dave@localhost', 'none', { isPendingOut: true }));
  await stores.roster.setRequest('dave', { jid: 'alice@localhost', receivedAt: 1 });
  await stores.roster.setItem('dave', item('alice@localhost', 'none', { isPreApproved: true }));
  // A contact at another domain: nothing of it is stored here.
  await stores.roster.setItem('alice', item('eve@elsewhere.example', 'both'));
  await stores.pubsubSubscriptions.subscribe('news', 'alice@localhost');
  await stores.pubsubSubscriptions.subscribe('news', 'alice@localhost/desk');
  await stores.pubsubSubscriptions.subscribe('news', 'bob@localhost');
  for (const room of ['ops', 'lobby']) await stores.mucRooms.putRoom(ROOMS, { room, isPersistent: true, config: '{}', createdAt: 0 });
  await stores.mucRooms.setAffiliations(ROOMS, 'ops', [{ jid: 'bob@localhost', affiliation: 'owner' }, { jid: 'alice@localhost', affiliation: 'admin' }]);
  await stores.mucRooms.setAffiliations(ROOMS, 'lobby', [{ jid: 'alice@localhost', affiliation: 'member', nick: 'al' }]);
});

describe('removeAccount', () => {
  it("removes the user from contacts' rosters, rooms and pubsub, and keeps everything else", async () => {
    await expect(removeAccount(stores, 'alice', { domain: 'localhost', mucServices: [ROOMS] })).resolves.toBe(true);
    expect(await stores.accounts.hasAccount('alice')).toBe(false);
    expect((await stores.roster.getRoster('alice')).items).toEqual([]);
    expect(await stores.roster.getRequests('alice')).toEqual([]);
    // bob keeps the item as he named and grouped it, with no subscription either way.
    expect(await stores.roster.getItem('bob', 'alice@localhost')).toEqual(item('alice@localhost', 'none', { name: 'Alice A.' }));
    expect(await stores.roster.getItem('bob', 'carol@localhost')).toEqual(item('carol@localhost', 'both'));
    // carol's request to alice is no longer pending; dave's request from alice and his pre-approval are gone.
    expect(await stores.roster.getItem('carol', 'alice@localhost')).toEqual(item('alice@localhost', 'none'));
    expect(await stores.roster.getRequests('dave')).toEqual([]);
    expect(await stores.roster.getItem('dave', 'alice@localhost')).toEqual(item('alice@localhost', 'none'));
    expect(await stores.pubsubSubscriptions.subscribersOf('news')).toEqual(['bob@localhost']);
    expect(await stores.mucRooms.getAffiliations(ROOMS, 'ops')).toEqual([{ jid: 'bob@localhost', affiliation: 'owner' }]);
    expect(await stores.mucRooms.getAffiliations(ROOMS, 'lobby')).toEqual([]);
    expect((await stores.mucRooms.listRooms(ROOMS)).map((r) => r.room)).toEqual(['lobby', 'ops']);
  });

  it('runs beforeWipe once the account is gone and while its roster is still there', async () => {
    const seen: unknown[] = [];
    await removeAccount(stores, 'alice', {
      domain: 'localhost',
      beforeWipe: async (username) => {
        seen.push(username, await stores.accounts.hasAccount('alice'), (await stores.roster.getRoster('alice')).items.length);
      },
    });
    expect(seen).toEqual(['alice', false, 3]);
  });

  it('touches nobody else for an unknown user', async () => {
    let called = false;
    await expect(removeAccount(stores, 'zoe', { domain: 'localhost', mucServices: [ROOMS], beforeWipe: async () => void (called = true) })).resolves.toBe(false);
    expect(called).toBe(false);
    expect(await stores.roster.getItem('bob', 'alice@localhost')).toMatchObject({ subscription: 'both' });
    expect(await stores.mucRooms.getAffiliations(ROOMS, 'lobby')).toHaveLength(1);
  });
});
