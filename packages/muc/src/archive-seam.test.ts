// The seam for room archives (events.ts): a module hooked on 'muc/groupchat' sees every message to
// all occupants with its room, sender and time, and what it returns (a XEP-0359 stanza id) is on
// every copy and in the history new occupants get.
import { afterEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import type { Module } from '@deskchat/core';
import { Harness } from '@deskchat/testing';
import { DEFAULT_MUC_OPTIONS, mucModule, type MucGroupchat } from './index.js';
import { createRoom, groupchat, join, nextGroupchat, room } from './__tests__/kit.js';

const SID = 'urn:xmpp:sid:0';
const archived: MucGroupchat[] = [];
const fakeArchive: Module = {
  name: 'fake-room-archive',
  setup(api) {
    api.hook('muc/groupchat', (event) => {
      archived.push(event);
      return xml('stanza-id', { xmlns: SID, by: event.room, id: `id-${archived.length}` });
    });
  },
};

let harness: Harness;
afterEach(async () => {
  for (const core of harness.cores) await core.shutdown();
});

describe('the room archive seam', () => {
  it('hands each groupchat message to the archive and puts its stanza id on every copy and in the history', async () => {
    archived.length = 0;
    harness = await Harness.create({ modules: [{ ...mucModule, defaults: { ...DEFAULT_MUC_OPTIONS, archive: false } }, fakeArchive] }); // the room archive of room-archive.ts off: only the fake one
    for (const user of ['alice', 'bob']) await harness.addUser(user);
    const alice = await harness.connect('alice', { resource: 'desk' });
    const bob = await harness.connect('bob', { resource: 'desk' });
    await createRoom(alice, 'lobby', 'Alice');
    await groupchat(alice, 'lobby', 'archived');
    const own = await nextGroupchat(alice, 'archived');
    expect(own.getChild('stanza-id', SID)?.attrs).toEqual({ xmlns: SID, by: room('lobby'), id: 'id-1' });
    expect(archived).toHaveLength(1);
    expect(archived[0]).toMatchObject({ room: room('lobby'), sender: 'alice@localhost/desk' });
    expect(archived[0].message.attrs.from).toBe(room('lobby', 'Alice'));
    const { history } = await join(bob, 'lobby', 'Bob');
    expect(history[0].getChild('stanza-id', SID)?.attrs.id).toBe('id-1');
  });
});
