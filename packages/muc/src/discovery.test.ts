// XEP-0045 §6 (the service in the server's disco#items, its identity, its public rooms), XEP-0410
// (self-ping), IQs through occupant JIDs, and the router seam: stanzas to conference.<domain> reach
// the service, other domains still get remote-server-not-found. 'muc-two-nodes' runs it on two nodes.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import type { Harness, HarnessClient } from '@deskchat/testing';
import { MUC } from './ns.js';
import { createRoom, errorOf, join, mucHarness, room, SERVICE } from './__tests__/kit.js';

let harness: Harness;
let alice: HarnessClient;
let bob: HarnessClient;
let carol: HarnessClient;

const disco = (client: HarnessClient, to: string, ns: string = MUC.DISCO_INFO) => client.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: ns })));
const ping = (client: HarnessClient, to: string) => client.iq(xml('iq', { type: 'get', to }, xml('ping', { xmlns: MUC.PING })));

beforeEach(async () => {
  harness = await mucHarness();
  alice = await harness.connect('alice', { resource: 'desk' });
  bob = await harness.connect('bob', { resource: 'desk' });
  carol = await harness.connect('carol', { resource: 'desk' });
});

afterEach(async () => {
  for (const core of harness.cores) await core.shutdown();
});

describe('service discovery (XEP-0045 §6)', () => {
  it("lists the service in the server's disco#items (§6.1)", async () => {
    const items = await disco(alice, 'localhost', MUC.DISCO_ITEMS);
    expect(items.getChild('query', MUC.DISCO_ITEMS)!.getChildren('item').map((i) => i.attrs.jid)).toContain(SERVICE);
  });

  it('answers disco#info on the service with the conference identity and the muc feature (§6.2)', async () => {
    const info = (await disco(alice, SERVICE)).getChild('query', MUC.DISCO_INFO)!;
    expect(info.getChild('identity')!.attrs).toMatchObject({ category: 'conference', type: 'text' });
    expect(info.getChildren('feature').map((f) => f.attrs.var)).toEqual(expect.arrayContaining([MUC.BASE, MUC.OCCUPANT_ID]));
  });

  it('lists public rooms with their names, and neither hidden nor locked ones (§6.3)', async () => {
    await createRoom(alice, 'lobby', 'Alice', { 'muc#roomconfig_roomname': 'The Lobby' });
    await createRoom(alice, 'secret', 'Alice', { 'muc#roomconfig_publicroom': '0' });
    await join(bob, 'unconfigured', 'Bob');
    const items = (await disco(carol, SERVICE, MUC.DISCO_ITEMS)).getChild('query', MUC.DISCO_ITEMS)!.getChildren('item');
    expect(items.map((i) => i.attrs)).toEqual([{ jid: room('lobby'), name: 'The Lobby' }]);
  });

  it('advertises self-ping and occupant ids on each room (XEP-0410 §4, XEP-0421 §5)', async () => {
    await createRoom(alice, 'lobby', 'Alice');
    const features = (await disco(bob, room('lobby'))).getChild('query', MUC.DISCO_INFO)!.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([MUC.BASE, MUC.SELF_PING, MUC.OCCUPANT_ID, 'muc_semianonymous', 'muc_public']));
    expect(errorOf(await disco(bob, room('nowhere')))).toEqual({ condition: 'item-not-found', type: 'cancel' });
  });

  it('answers service-unavailable to an IQ the room does not handle', async () => {
    await createRoom(alice, 'lobby', 'Alice');
    const reply = await alice.iq(xml('iq', { type: 'get', to: room('lobby') }, xml('query', { xmlns: 'jabber:iq:version' })));
    expect(errorOf(reply)?.condition).toBe('service-unavailable');
    expect(reply.attrs.from).toBe(room('lobby'));
  });

  it('still answers remote-server-not-found for any other domain (no federation)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'conference.example.org' }, xml('query', { xmlns: MUC.DISCO_INFO })));
    expect(errorOf(reply)?.condition).toBe('remote-server-not-found');
  });
});

describe('self-ping (XEP-0410) and IQs to occupants', () => {
  beforeEach(async () => {
    await createRoom(alice, 'lobby', 'Alice');
    await join(bob, 'lobby', 'Bob');
  });

  it('answers a joined client\'s ping to its own occupant JID itself (§3.2)', async () => {
    const reply = await ping(bob, room('lobby', 'Bob'));
    expect(reply.attrs).toMatchObject({ type: 'result', from: room('lobby', 'Bob') });
  });

  it('answers not-acceptable to a client that is not joined (§3.3), also after it left', async () => {
    expect(errorOf(await ping(carol, room('lobby', 'Carol')))).toEqual({ condition: 'not-acceptable', type: 'modify' });
    await bob.send(xml('presence', { to: room('lobby', 'Bob'), type: 'unavailable' }));
    expect(errorOf(await ping(bob, room('lobby', 'Bob')))?.condition).toBe('not-acceptable');
  });

  it('passes an IQ to another occupant on to its real JID, from the asker\'s occupant JID, and the reply back', async () => {
    const asked = bob.next((e) => e.name === 'iq' && e.attrs.type === 'get' && e.getChild('vCard', 'vcard-temp') !== undefined);
    const replied = alice.iq(xml('iq', { type: 'get', to: room('lobby', 'Bob'), id: 'v1' }, xml('vCard', { xmlns: 'vcard-temp' })));
    const request = await asked;
    expect(request.attrs.from).toBe(room('lobby', 'Alice'));
    expect(request.attrs.to).toBe('bob@localhost/desk');
    await bob.send(xml('iq', { type: 'result', id: request.attrs.id, to: request.attrs.from }, xml('vCard', { xmlns: 'vcard-temp' }, xml('FN', {}, 'Bob B.'))));
    const reply = await replied;
    expect(reply.attrs).toMatchObject({ type: 'result', id: 'v1', from: room('lobby', 'Bob'), to: 'alice@localhost/desk' });
    expect(reply.getChild('vCard', 'vcard-temp')!.getChildText('FN')).toBe('Bob B.');
  });

  it('answers bad-request to a disco request from a non-occupant to an occupant JID (§6.7), and passes an occupant\'s on', async () => {
    const outside = await disco(carol, room('lobby', 'Bob'));
    expect(errorOf(outside)).toEqual({ condition: 'bad-request', type: 'modify' });
    const asked = bob.next((e) => e.name === 'iq' && e.attrs.type === 'get' && e.getChild('query', MUC.DISCO_INFO) !== undefined);
    const replied = disco(alice, room('lobby', 'Bob'));
    const request = await asked;
    await bob.send(xml('iq', { type: 'result', id: request.attrs.id, to: request.attrs.from }, xml('query', { xmlns: MUC.DISCO_INFO }, xml('identity', { category: 'client', type: 'pc' }))));
    expect((await replied).getChild('query', MUC.DISCO_INFO)!.getChild('identity')!.attrs.type).toBe('pc');
  });

  it('answers item-not-found to an IQ for a nick nobody has', async () => {
    expect(errorOf(await ping(alice, room('lobby', 'Nobody')))?.condition).toBe('item-not-found');
  });
});
