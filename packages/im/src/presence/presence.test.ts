// RFC 6121 §4 presence through the in-process harness: initial presence with probes answered for
// local contacts, broadcast to subscribers and own resources, updates, unavailable (sent, or made
// by the server for a broken connection), directed presence, probes and errors from clients,
// priorities, the 'presence/pre-broadcast' seam and the presence service.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import type { Module, Subscription } from '@deskchat/core';
import { Harness, eventually, type HarnessClient } from '@deskchat/testing';
import { rosterModule } from '../roster/roster-module.js';
import { presenceModule } from './presence-module.js';
import { PRESENCE_SERVICE, type PresenceService } from './presence-service.js';

type Shape = { name: string; attrs: Record<string, string>; children: (Shape | string)[] };
const shape = (el: Element): Shape => ({ name: el.name, attrs: { ...el.attrs }, children: el.children.map((c) => (typeof c === 'string' ? c : shape(c))) });
const settle = () => new Promise((resolve) => setImmediate(resolve));
const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

/** Presence stanzas a client got since the last call, as `type from → to`. */
async function presences(client: HarnessClient): Promise<string[]> {
  await settle();
  return client.transport
    .drain()
    .filter((el) => el.name === 'presence')
    .map((el) => `${el.attrs.type ?? 'available'} ${el.attrs.from} → ${el.attrs.to}`);
}

const reverse: Record<Subscription, Subscription> = { none: 'none', to: 'from', from: 'to', both: 'both' };

/** `user` has `subscription` to `contact`, and the contact's roster agrees. */
async function link(h: Harness, user: string, contact: string, subscription: Subscription): Promise<void> {
  const base = { groups: [], isPendingOut: false, isPreApproved: false };
  await h.core.stores.roster.setItem(user, { jid: `${contact}@localhost`, subscription, ...base });
  await h.core.stores.roster.setItem(contact, { jid: `${user}@localhost`, subscription: reverse[subscription], ...base });
}

async function online(h: Harness, user: string, resource: string, presence: Element = xml('presence')): Promise<HarnessClient> {
  const client = await h.connect(user, { resource });
  await client.send(presence);
  await presences(client);
  return client;
}

let h: Harness;

beforeEach(async () => {
  h = await Harness.create({ modules: [rosterModule, { ...presenceModule, defaults: { now: () => NOW } }] });
  for (const user of ['alice', 'bob', 'carol', 'dave']) await h.addUser(user);
  // alice ⇄ bob both; alice receives carol's presence; dave receives alice's.
  await link(h, 'alice', 'bob', 'both');
  await link(h, 'alice', 'carol', 'to');
  await link(h, 'alice', 'dave', 'from');
});

describe('initial presence (RFC 6121 §4.2)', () => {
  it('goes to subscribers and to all of the user\'s available resources, itself included, and to nobody else (§4.2.2)', async () => {
    const bob = await online(h, 'bob', 'laptop');
    const carol = await online(h, 'carol', 'desk');
    const dave = await online(h, 'dave', 'desk');
    const silentBob = await h.connect('bob', { resource: 'not-available' });
    const phone = await online(h, 'alice', 'phone');
    for (const c of [bob, carol, dave, silentBob]) await presences(c);
    const desk = await h.connect('alice', { resource: 'desk' });
    await desk.send(xml('presence', {}, xml('status', {}, 'at my desk')));
    const [toBob] = bob.transport.drain().filter((el) => el.name === 'presence');
    expect(shape(toBob)).toEqual(shape(xml('presence', { from: 'alice@localhost/desk', to: 'bob@localhost' }, xml('status', {}, 'at my desk'))));
    expect(await presences(dave)).toEqual(['available alice@localhost/desk → dave@localhost']);
    expect(await presences(carol)).toEqual([]);
    expect(await presences(silentBob)).toEqual([]);
    expect(await presences(phone)).toEqual(['available alice@localhost/desk → alice@localhost/phone']);
    expect(await presences(desk)).toContain('available alice@localhost/desk → alice@localhost/desk');
  });

  it('tells the new resource the presence of the user\'s other available resources', async () => {
    await online(h, 'alice', 'phone', xml('presence', {}, xml('show', {}, 'away')));
    const desk = await h.connect('alice', { resource: 'desk' });
    await desk.send(xml('presence'));
    expect(await presences(desk)).toContain('available alice@localhost/phone → alice@localhost/desk');
  });

  it('is answered with the last presence of each available resource of each contact it is subscribed to (§4.3.2)', async () => {
    await online(h, 'bob', 'laptop', xml('presence', {}, xml('status', {}, 'coding')));
    await online(h, 'bob', 'phone', xml('presence', {}, xml('show', {}, 'away')));
    await online(h, 'carol', 'desk');
    await online(h, 'dave', 'desk');
    const alice = await h.connect('alice', { resource: 'desk' });
    await alice.send(xml('presence'));
    await settle();
    const got = alice.transport.drain().filter((el) => el.name === 'presence' && el.attrs.from !== 'alice@localhost/desk');
    expect(got.map(shape)).toEqual([
      shape(xml('presence', { from: 'bob@localhost/laptop', to: 'alice@localhost/desk' }, xml('status', {}, 'coding'))),
      shape(xml('presence', { from: 'bob@localhost/phone', to: 'alice@localhost/desk' }, xml('show', {}, 'away'))),
      shape(xml('presence', { from: 'carol@localhost/desk', to: 'alice@localhost/desk' })),
    ]);
  });

  it('is answered for a contact with no available resource with unavailable and the last-seen time (§4.3.2, XEP-0203)', async () => {
    const bob = await online(h, 'bob', 'laptop');
    await bob.send(xml('presence', { type: 'unavailable' }, xml('status', {}, 'gone home')));
    const alice = await h.connect('alice', { resource: 'desk' });
    await alice.send(xml('presence'));
    await settle();
    const got = alice.transport.drain().filter((el) => el.name === 'presence' && el.attrs.type === 'unavailable');
    expect(got.map(shape)).toEqual([
      shape(
        xml(
          'presence',
          { type: 'unavailable', from: 'bob@localhost/laptop', to: 'alice@localhost/desk' },
          xml('status', {}, 'gone home'),
          xml('delay', { xmlns: 'urn:xmpp:delay', from: 'localhost', stamp: new Date(NOW).toISOString() }),
        ),
      ),
      // carol was never seen: a plain unavailable from her bare JID.
      shape(xml('presence', { type: 'unavailable', from: 'carol@localhost', to: 'alice@localhost/desk' })),
    ]);
  });

  it('is not answered for a contact whose own roster does not grant the subscription (§4.3.2)', async () => {
    await h.core.stores.roster.removeItem('carol', 'alice@localhost');
    await online(h, 'carol', 'desk');
    const alice = await h.connect('alice', { resource: 'desk' });
    await alice.send(xml('presence'));
    expect((await presences(alice)).filter((p) => p.includes('carol'))).toEqual([]);
  });
});

describe('updates and unavailable (RFC 6121 §4.4, §4.5)', () => {
  it('broadcasts an update without probing again (§4.4.2)', async () => {
    await online(h, 'carol', 'desk');
    const bob = await online(h, 'bob', 'laptop');
    const alice = await online(h, 'alice', 'desk');
    await presences(bob);
    await alice.send(xml('presence', {}, xml('show', {}, 'dnd')));
    expect(await presences(bob)).toEqual(['available alice@localhost/desk → bob@localhost']);
    expect(await presences(alice)).toEqual(['available alice@localhost/desk → alice@localhost/desk']);
  });

  it('broadcasts unavailable to subscribers and the user\'s other resources (§4.5.2)', async () => {
    const bob = await online(h, 'bob', 'laptop');
    const phone = await online(h, 'alice', 'phone');
    const desk = await online(h, 'alice', 'desk');
    await presences(bob);
    await presences(phone);
    await desk.send(xml('presence', { type: 'unavailable' }));
    expect(await presences(bob)).toEqual(['unavailable alice@localhost/desk → bob@localhost']);
    expect(await presences(phone)).toEqual(['unavailable alice@localhost/desk → alice@localhost/phone']);
  });

  it('sends unavailable for a resource whose connection ended without one (broken socket)', async () => {
    const alice = await online(h, 'alice', 'desk');
    const bob = await online(h, 'bob', 'laptop');
    await presences(alice);
    bob.session.onTransportClosed();
    expect(shape(await alice.next((el) => el.name === 'presence'))).toEqual(
      shape(xml('presence', { type: 'unavailable', from: 'bob@localhost/laptop', to: 'alice@localhost' })),
    );
  });

  it('sends nothing for a resource that closes after its own unavailable, or that never was available', async () => {
    const alice = await online(h, 'alice', 'desk');
    const bob = await online(h, 'bob', 'laptop');
    const quiet = await h.connect('bob', { resource: 'quiet' });
    await bob.send(xml('presence', { type: 'unavailable' }));
    await presences(alice);
    bob.session.onTransportClosed();
    quiet.session.onTransportClosed();
    expect(await presences(alice)).toEqual([]);
  });
});

describe('directed presence (RFC 6121 §4.6)', () => {
  it('is delivered to a non-subscriber, who gets unavailable when the sender signs out (§4.6.2, §4.6.3)', async () => {
    const carol = await online(h, 'carol', 'desk');
    const alice = await online(h, 'alice', 'desk');
    await presences(carol);
    await alice.send(xml('presence', { to: 'carol@localhost/desk' }, xml('status', {}, 'psst')));
    expect(await presences(carol)).toEqual(['available alice@localhost/desk → carol@localhost/desk']);
    alice.session.onTransportClosed();
    await carol.next((el) => el.name === 'presence');
    expect(await presences(carol)).toEqual([]);
  });

  it('sends the sign-out unavailable once to a subscriber that also got directed presence', async () => {
    const bob = await online(h, 'bob', 'laptop');
    const alice = await online(h, 'alice', 'desk');
    await alice.send(xml('presence', { to: 'bob@localhost' }));
    await presences(bob);
    await alice.send(xml('presence', { type: 'unavailable' }));
    expect(await presences(bob)).toEqual(['unavailable alice@localhost/desk → bob@localhost']);
  });

  it('forgets a recipient that was sent directed unavailable', async () => {
    const carol = await online(h, 'carol', 'desk');
    const alice = await online(h, 'alice', 'desk');
    await alice.send(xml('presence', { to: 'carol@localhost' }));
    await alice.send(xml('presence', { to: 'carol@localhost', type: 'unavailable' }));
    await presences(carol);
    alice.session.onTransportClosed();
    expect(await presences(carol)).toEqual([]);
  });
});

describe('what clients may not do', () => {
  it('ignores a presence probe from a client (§4.3)', async () => {
    const bob = await online(h, 'bob', 'laptop');
    const alice = await online(h, 'alice', 'desk');
    await presences(bob);
    await alice.send(xml('presence', { to: 'bob@localhost', type: 'probe' }));
    expect(await presences(alice)).toEqual([]);
    expect(await presences(bob)).toEqual([]);
  });

  it('drops presence of type error to a bare JID, delivers it to a full JID, and never answers it', async () => {
    const bob = await online(h, 'bob', 'laptop');
    const alice = await online(h, 'alice', 'desk');
    await presences(bob);
    await alice.send(xml('presence', { to: 'bob@localhost', type: 'error' }));
    await alice.send(xml('presence', { to: 'bob@localhost/laptop', type: 'error' }));
    expect(await presences(bob)).toEqual(['error alice@localhost/desk → bob@localhost/laptop']);
    expect(await presences(alice)).toEqual([]);
  });
});

describe('priorities (RFC 6121 §4.7.2.3)', () => {
  it('keeps a negative-priority resource available for presence but not for messages to the bare JID (§8.5.2.1.1)', async () => {
    const alice = await online(h, 'alice', 'desk');
    const bob = await online(h, 'bob', 'phone', xml('presence', {}, xml('priority', {}, '-1')));
    expect(await presences(alice)).toEqual(['available bob@localhost/phone → alice@localhost']);
    await alice.send(xml('presence', {}, xml('status', {}, 'changed')));
    expect(await presences(bob)).toEqual(['available alice@localhost/desk → bob@localhost']);
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'hi')));
    await settle();
    expect(bob.transport.drain().filter((el) => el.name === 'message')).toEqual([]);
  });
});

describe('the composed-presence seam (presence/pre-broadcast)', () => {
  beforeEach(async () => {
    const composed = (from: string) => xml('presence', { from }, xml('priority', {}, '127'), xml('status', {}, 'composed'));
    const composer: Module = {
      name: 'test-composer',
      setup(api) {
        api.hook('presence/pre-broadcast', (event) => {
          event.stanzas.push(composed(`${event.username}@localhost/composed`));
          return true;
        }, 10);
      },
    };
    h = await Harness.create({ modules: [rosterModule, presenceModule, composer] });
    for (const user of ['alice', 'bob']) await h.addUser(user);
    await link(h, 'alice', 'bob', 'both');
  });

  it('sends what the handlers leave in `stanzas` to subscribers, own resources and probe answers', async () => {
    const bob = await online(h, 'bob', 'laptop');
    const alice = await h.connect('alice', { resource: 'desk' });
    await alice.send(xml('presence'));
    expect(await presences(bob)).toEqual(['available alice@localhost/desk → bob@localhost', 'available alice@localhost/composed → bob@localhost']);
    const toAlice = await presences(alice);
    expect(toAlice).toContain('available alice@localhost/composed → alice@localhost/desk');
    expect(toAlice).toContain('available bob@localhost/composed → alice@localhost/desk');
  });
});

describe('the presence service (provided as "presence")', () => {
  let service: PresenceService;
  beforeEach(() => {
    service = h.core.services.get(PRESENCE_SERVICE) as PresenceService;
  });

  it('answers who is subscribed to whom and who is in a roster', async () => {
    expect((await service.subscribersOf('alice')).map(String).sort()).toEqual(['bob@localhost', 'dave@localhost']);
    await expect(service.isSubscribed('alice', 'carol@localhost')).resolves.toBe(true);
    await expect(service.isSubscribed('alice', 'dave@localhost/x')).resolves.toBe(false);
    await expect(service.isInRoster('alice', 'dave@localhost')).resolves.toBe(true);
    await expect(service.isInRoster('bob', 'carol@localhost')).resolves.toBe(false);
  });

  it('reports the last presence of each resource, the available resources and the last-seen time', async () => {
    const bob = await online(h, 'bob', 'laptop', xml('presence', {}, xml('priority', {}, '5')));
    expect((await service.lastPresenceOf('bob@localhost/laptop'))?.getChildText('priority')).toBe('5');
    expect((await service.availableResourcesOf('bob')).map((r) => [r.jid.toString(), r.priority])).toEqual([['bob@localhost/laptop', 5]]);
    await expect(service.lastSeenOf('bob')).resolves.toBeUndefined();
    bob.session.onTransportClosed();
    await eventually(async () => (await service.lastSeenOf('bob')) !== undefined, 'last seen recorded');
    await expect(service.lastPresenceOf('bob@localhost/laptop')).resolves.toBeUndefined();
    await expect(service.lastSeenOf('bob')).resolves.toMatchObject({ at: NOW });
    expect((await service.currentPresenceOf('bob')).map((p) => p.attrs.type)).toEqual(['unavailable']);
  });

  it('publishes a stanza from a server-owned resource to subscribers and the user\'s own resources', async () => {
    const bob = await online(h, 'bob', 'laptop');
    const alice = await online(h, 'alice', 'desk');
    await presences(bob);
    await service.broadcastFor('alice', xml('presence', { from: 'alice@localhost/phone' }, xml('show', {}, 'away')));
    expect(await presences(bob)).toEqual(['available alice@localhost/phone → bob@localhost']);
    expect(await presences(alice)).toEqual(['available alice@localhost/phone → alice@localhost/desk']);
    await service.broadcastFor('alice');
    expect(await presences(bob)).toEqual(['available alice@localhost/desk → bob@localhost']);
  });
});
