// Contract suite for core's PresenceStore port (shared by every node). Every backend runs it.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PresenceStore } from '@deskchat/core';

export interface PresenceStoreFixture {
  store: PresenceStore;
  cleanup?: () => Promise<void>;
}

const available = (from: string, show?: string) => `<presence from="${from}">${show ? `<show>${show}</show>` : ''}</presence>`;

export function presenceStoreContract(name: string, make: () => Promise<PresenceStoreFixture>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let store: PresenceStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('records available presence per resource and returns what it replaced (undefined: initial presence)', async () => {
      await expect(store.setAvailable('alice', 'desk', 's1', available('alice@x/desk'))).resolves.toBeUndefined();
      await expect(store.setAvailable('alice', 'desk', 's1', available('alice@x/desk', 'away'))).resolves.toBe(available('alice@x/desk'));
      await expect(store.getAvailable('alice', 'desk')).resolves.toEqual({ resource: 'desk', sessionId: 's1', stanza: available('alice@x/desk', 'away') });
      await expect(store.getAvailable('alice', 'phone')).resolves.toBeUndefined();
    });

    it("lists a user's available resources and no one else's", async () => {
      await store.setAvailable('alice', 'desk', 's1', available('alice@x/desk'));
      await store.setAvailable('alice', 'composed-presence', 'server', available('alice@x/composed-presence'));
      await store.setAvailable('bob', 'desk', 's3', available('bob@x/desk'));
      const records = (await store.availableOf('alice')).map((r) => `${r.resource}:${r.sessionId}`).sort();
      expect(records).toEqual(['composed-presence:server', 'desk:s1']);
      await expect(store.availableOf('carol')).resolves.toEqual([]);
    });

    it('clears only what the named session wrote, returning it', async () => {
      await store.setAvailable('alice', 'desk', 's2', available('alice@x/desk'));
      await expect(store.clearAvailable('alice', 'desk', 's1')).resolves.toBeUndefined();
      await expect(store.getAvailable('alice', 'desk')).resolves.toMatchObject({ sessionId: 's2' });
      await expect(store.clearAvailable('alice', 'desk', 's2')).resolves.toBe(available('alice@x/desk'));
      await expect(store.clearAvailable('alice', 'desk', 's2')).resolves.toBeUndefined();
      await expect(store.availableOf('alice')).resolves.toEqual([]);
    });

    it('keeps directed-presence targets per session and hands them over once (RFC 6121 §4.6.3)', async () => {
      await store.addDirected('alice', 'desk', 's1', 'room@conference.x/alice');
      await store.addDirected('alice', 'desk', 's1', 'bob@x');
      await store.addDirected('alice', 'desk', 's1', 'bob@x');
      await store.addDirected('alice', 'phone', 's2', 'carol@x');
      await store.removeDirected('alice', 'desk', 's1', 'room@conference.x/alice');
      await expect(store.takeDirected('alice', 'desk', 'other')).resolves.toEqual([]);
      await expect(store.takeDirected('alice', 'desk', 's1')).resolves.toEqual(['bob@x']);
      await expect(store.takeDirected('alice', 'desk', 's1')).resolves.toEqual([]);
      await expect(store.takeDirected('alice', 'phone', 's2')).resolves.toEqual(['carol@x']);
    });

    it("forgets a replaced session's directed targets when the new session directs presence", async () => {
      await store.addDirected('alice', 'desk', 's1', 'bob@x');
      await store.addDirected('alice', 'desk', 's2', 'carol@x');
      await expect(store.takeDirected('alice', 'desk', 's1')).resolves.toEqual([]);
      await expect(store.takeDirected('alice', 'desk', 's2')).resolves.toEqual(['carol@x']);
    });

    it('keeps the last unavailable presence with its time', async () => {
      await expect(store.getLastSeen('alice')).resolves.toBeUndefined();
      await store.setLastSeen('alice', { stanza: '<presence type="unavailable"/>', at: 5 });
      await store.setLastSeen('alice', { stanza: '<presence type="unavailable"><status>bye</status></presence>', at: 9 });
      await expect(store.getLastSeen('alice')).resolves.toEqual({ stanza: '<presence type="unavailable"><status>bye</status></presence>', at: 9 });
    });

    it('sets and clears outside sources independently', async () => {
      await expect(store.getSources('alice')).resolves.toEqual({});
      await store.setSource('alice', 'phone', 'on-call');
      await store.setSource('alice', 'calendar', 'in-meeting');
      await store.setSource('alice', 'phone', 'idle');
      await expect(store.getSources('alice')).resolves.toEqual({ phone: 'idle', calendar: 'in-meeting' });
      await store.setSource('alice', 'calendar', undefined);
      await expect(store.getSources('alice')).resolves.toEqual({ phone: 'idle' });
      await expect(store.getSources('bob')).resolves.toEqual({});
    });

    it('removes everything of one user and nothing of another', async () => {
      for (const user of ['alice', 'bob']) {
        await store.setAvailable(user, 'desk', 's1', available(`${user}@x/desk`));
        await store.addDirected(user, 'desk', 's1', 'carol@x');
        await store.setLastSeen(user, { stanza: '<presence type="unavailable"/>', at: 1 });
        await store.setSource(user, 'phone', 'on-call');
      }
      await store.removeUser('alice');
      await expect(store.availableOf('alice')).resolves.toEqual([]);
      await expect(store.takeDirected('alice', 'desk', 's1')).resolves.toEqual([]);
      await expect(store.getLastSeen('alice')).resolves.toBeUndefined();
      await expect(store.getSources('alice')).resolves.toEqual({});
      await expect(store.availableOf('bob')).resolves.toHaveLength(1);
      await expect(store.getSources('bob')).resolves.toEqual({ phone: 'on-call' });
    });
  });
}
