// Contract suites for core's XEP-0045 ports: the durable MucRoomStore (memory, SQLite, later
// Redis) and the volatile MucOccupantStore (memory, later Redis). Every backend runs the same suite.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { MucOccupant, MucOccupantStore, MucRoomRecord, MucRoomStore } from '@deskchat/core';

export interface MucRoomStoreFixture {
  store: MucRoomStore;
  cleanup?: () => Promise<void>;
}

export interface MucOccupantStoreFixture {
  store: MucOccupantStore;
  cleanup?: () => Promise<void>;
}

const S = 'conference.example.com';
const room = (name: string, extra: Partial<MucRoomRecord> = {}): MucRoomRecord => ({ room: name, isPersistent: false, config: `{"name":"${name}"}`, createdAt: 1_700_000_000_000, ...extra });

export function mucRoomStoreContract(name: string, make: () => Promise<MucRoomStoreFixture>): void {
  describe(`MucRoomStore contract: ${name}`, () => {
    let store: MucRoomStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('returns undefined for a room that does not exist (expected absence is not an error)', async () => {
      await expect(store.getRoom(S, 'lobby')).resolves.toBeUndefined();
      await expect(store.getAffiliation(S, 'lobby', 'alice@example.com')).resolves.toBeUndefined();
      await expect(store.getAffiliations(S, 'lobby')).resolves.toEqual([]);
    });

    it('stores and replaces a room record exactly, subject included', async () => {
      await store.putRoom(S, room('lobby'));
      await store.putRoom(S, room('lobby', { isPersistent: true, config: '{"name":"Lobby & \\"ünïcode\\""}', subject: '<message xmlns="jabber:client"><subject>hi</subject></message>' }));
      await expect(store.getRoom(S, 'lobby')).resolves.toEqual(room('lobby', { isPersistent: true, config: '{"name":"Lobby & \\"ünïcode\\""}', subject: '<message xmlns="jabber:client"><subject>hi</subject></message>' }));
    });

    it('lists the rooms of one service by name and keeps services apart', async () => {
      await store.putRoom(S, room('zeta'));
      await store.putRoom(S, room('alpha', { isPersistent: true }));
      await store.putRoom('rooms.other.org', room('beta'));
      expect((await store.listRooms(S)).map((r) => [r.room, r.isPersistent])).toEqual([['alpha', true], ['zeta', false]]);
      await expect(store.getRoom(S, 'beta')).resolves.toBeUndefined();
    });

    it('sets several affiliations at once, replaces and removes them with none', async () => {
      await store.putRoom(S, room('lobby'));
      await store.setAffiliations(S, 'lobby', [
        { jid: 'owner@example.com', affiliation: 'owner' },
        { jid: 'bob@example.com', affiliation: 'member', nick: 'bobby' },
        { jid: 'troll@example.com', affiliation: 'outcast', reason: 'spam' },
      ]);
      await store.setAffiliations(S, 'lobby', [{ jid: 'bob@example.com', affiliation: 'admin' }, { jid: 'troll@example.com', affiliation: 'none' }]);
      await expect(store.getAffiliations(S, 'lobby')).resolves.toEqual([
        { jid: 'bob@example.com', affiliation: 'admin' },
        { jid: 'owner@example.com', affiliation: 'owner' },
      ]);
      await expect(store.getAffiliation(S, 'lobby', 'bob@example.com')).resolves.toEqual({ jid: 'bob@example.com', affiliation: 'admin' });
      await store.setAffiliations(S, 'lobby', [{ jid: 'carol@example.com', affiliation: 'member', nick: 'caz', reason: 'friend' }]);
      await expect(store.getAffiliation(S, 'lobby', 'carol@example.com')).resolves.toEqual({ jid: 'carol@example.com', affiliation: 'member', nick: 'caz', reason: 'friend' });
    });

    it('removes a room with its affiliations, reporting whether it existed', async () => {
      await store.putRoom(S, room('lobby'));
      await store.putRoom(S, room('other'));
      await store.setAffiliations(S, 'lobby', [{ jid: 'owner@example.com', affiliation: 'owner' }]);
      await store.setAffiliations(S, 'other', [{ jid: 'owner@example.com', affiliation: 'owner' }]);
      await expect(store.removeRoom(S, 'lobby')).resolves.toBe(true);
      await expect(store.removeRoom(S, 'lobby')).resolves.toBe(false);
      await expect(store.getRoom(S, 'lobby')).resolves.toBeUndefined();
      await expect(store.getAffiliations(S, 'lobby')).resolves.toEqual([]);
      await expect(store.getAffiliations(S, 'other')).resolves.toHaveLength(1);
    });
  });
}

const occupant = (nick: string, jid: string, extra: Partial<MucOccupant> = {}): MucOccupant => ({ nick, jid, role: 'participant', sessionId: `s-${nick}`, presence: '<presence xmlns="jabber:client"/>', joinedAt: 1, ...extra });

export function mucOccupantStoreContract(name: string, make: () => Promise<MucOccupantStoreFixture>): void {
  describe(`MucOccupantStore contract: ${name}`, () => {
    let store: MucOccupantStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('has nobody in a room nobody joined', async () => {
      await expect(store.occupants(S, 'lobby')).resolves.toEqual([]);
      await expect(store.byNick(S, 'lobby', 'alice')).resolves.toBeUndefined();
      await expect(store.byJid(S, 'lobby', 'alice@example.com/a')).resolves.toBeUndefined();
      await expect(store.remove(S, 'lobby', 'alice@example.com/a')).resolves.toBeUndefined();
    });

    it('keeps occupants in join order, found by nick and by real JID; a nick change keeps the place', async () => {
      await store.put(S, 'lobby', occupant('alice', 'alice@example.com/a', { role: 'moderator' }));
      await store.put(S, 'lobby', occupant('bob', 'bob@example.com/b'));
      await store.put(S, 'lobby', occupant('alicia', 'alice@example.com/a', { role: 'moderator' }));
      expect((await store.occupants(S, 'lobby')).map((o) => o.nick)).toEqual(['alicia', 'bob']);
      await expect(store.byNick(S, 'lobby', 'alice')).resolves.toBeUndefined();
      await expect(store.byNick(S, 'lobby', 'alicia')).resolves.toEqual(occupant('alicia', 'alice@example.com/a', { role: 'moderator' }));
      await expect(store.byJid(S, 'lobby', 'bob@example.com/b')).resolves.toEqual(occupant('bob', 'bob@example.com/b'));
    });

    it('removes an occupant and returns it; tells which rooms a real JID is in', async () => {
      await store.put(S, 'lobby', occupant('alice', 'alice@example.com/a'));
      await store.put(S, 'kitchen', occupant('al', 'alice@example.com/a'));
      await store.put('rooms.other.org', 'x', occupant('al', 'alice@example.com/a'));
      expect((await store.roomsOf(S, 'alice@example.com/a')).sort()).toEqual(['kitchen', 'lobby']);
      await expect(store.remove(S, 'lobby', 'alice@example.com/a')).resolves.toEqual(occupant('alice', 'alice@example.com/a'));
      await expect(store.roomsOf(S, 'alice@example.com/a')).resolves.toEqual(['kitchen']);
      await expect(store.occupants(S, 'lobby')).resolves.toEqual([]);
    });

    it('keeps the last N history entries, oldest first', async () => {
      for (let i = 1; i <= 5; i++) await store.addHistory(S, 'lobby', { stanza: `<message>${i}</message>`, at: i }, 3);
      await expect(store.history(S, 'lobby')).resolves.toEqual([3, 4, 5].map((i) => ({ stanza: `<message>${i}</message>`, at: i })));
      await expect(store.history(S, 'kitchen')).resolves.toEqual([]);
    });

    it('forgets a room entirely: occupants, history and the reverse index', async () => {
      await store.put(S, 'lobby', occupant('alice', 'alice@example.com/a'));
      await store.addHistory(S, 'lobby', { stanza: '<message/>', at: 1 }, 10);
      await store.put(S, 'kitchen', occupant('alice', 'alice@example.com/a'));
      await store.removeRoom(S, 'lobby');
      await expect(store.occupants(S, 'lobby')).resolves.toEqual([]);
      await expect(store.history(S, 'lobby')).resolves.toEqual([]);
      await expect(store.roomsOf(S, 'alice@example.com/a')).resolves.toEqual(['kitchen']);
    });
  });
}
