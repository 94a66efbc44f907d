// Composed presence end to end through the harness (design.md §3): what a subscriber with an
// unmodified RFC 6121 client receives when the phone, the calendar and the user's devices change.
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { Harness, type HarnessClient } from '@deskchat/testing';
import { rosterModule } from '../roster/roster-module.js';
import { presenceModule } from '../presence/presence-module.js';
import { privateXmlModule, PRIVATE_NS } from '../private/private-xml-module.js';
import { compositionModule } from './composition-module.js';
import { COMPOSITION_NS } from './composed-stanzas.js';
import { PRESENCE_SOURCES_SERVICE, type PresenceSourceService } from './source-service.js';

const fromComposed = (el: Element) => el.name === 'presence' && el.attrs.from === 'alice@localhost/composed-presence';
const fromPhone = (el: Element) => el.name === 'presence' && el.attrs.from === 'alice@localhost/phone-status';
const status = (el: Element) => ({ type: el.attrs.type, show: el.getChildText('show') ?? undefined, status: el.getChildText('status') ?? undefined, priority: el.getChildText('priority') ?? undefined });

let harness: Harness;
let sources: PresenceSourceService;
let alice: HarnessClient;
let bob: HarnessClient;

async function befriend(a: string, b: string) {
  const item = (jid: string) => ({ jid, groups: [], subscription: 'both' as const, isPendingOut: false, isPreApproved: false });
  await harness.core.stores.roster.setItem(a, item(`${b}@localhost`));
  await harness.core.stores.roster.setItem(b, item(`${a}@localhost`));
}

beforeEach(async () => {
  harness = await Harness.create({ modules: [rosterModule, presenceModule, privateXmlModule, compositionModule] });
  await harness.addUser('alice');
  await harness.addUser('bob');
  await befriend('alice', 'bob');
  sources = harness.core.services.get(PRESENCE_SOURCES_SERVICE) as PresenceSourceService;
  bob = await harness.connect('bob', { resource: 'desk' });
  await bob.send(xml('presence'));
  alice = await harness.connect('alice', { resource: 'gadget' });
  await alice.send(xml('presence'));
  await bob.next(fromComposed);
  bob.transport.drain();
  alice.transport.drain();
});

describe('composed presence (design.md §3)', () => {
  it('publishes the composed presence from a server-owned resource at priority 127', async () => {
    const report = await sources.report('alice');
    expect(report?.composed).toMatchObject({ isAvailable: true, show: 'available', reason: 'resources', fromResource: 'gadget' });
    await alice.send(xml('presence', {}, xml('show', {}, 'away'), xml('status', {}, 'lunch')));
    const composed = await bob.next(fromComposed);
    expect(status(composed)).toEqual({ type: undefined, show: 'away', status: 'lunch', priority: '127' });
    expect(composed.getChild('composed', COMPOSITION_NS)?.attrs.reason).toBe('resources');
  });

  it('shows On the phone to subscribers when the phone goes off-hook, with the phone as its own resource', async () => {
    await sources.setSource('alice', 'phone', 'on-call');
    expect(status(await bob.next(fromComposed))).toEqual({ type: undefined, show: 'away', status: 'On the phone', priority: '127' });
    expect(status(await bob.next(fromPhone))).toEqual({ type: undefined, show: 'away', status: 'On the phone', priority: '-1' });
    // The user's own resources see it too (the gadget shows it).
    expect(status(await alice.next(fromComposed)).status).toBe('On the phone');
  });

  it('lets a manual Do Not Disturb win over the phone and the calendar', async () => {
    await sources.setSource('alice', 'phone', 'on-call');
    await sources.setSource('alice', 'calendar', 'in-meeting');
    await alice.send(xml('presence', {}, xml('show', {}, 'dnd'), xml('status', {}, 'coaching')));
    const last = await lastComposed(bob);
    expect(status(last)).toMatchObject({ show: 'dnd', status: 'coaching' });
    expect(last.getChild('composed', COMPOSITION_NS)?.attrs.reason).toBe('manual-dnd');
  });

  it('shows In a meeting over a call, and goes back to the device state when both clear', async () => {
    await sources.setSource('alice', 'phone', 'on-call');
    await sources.setSource('alice', 'calendar', 'in-meeting');
    expect(status(await lastComposed(bob)).status).toBe('In a meeting');
    await sources.setSource('alice', 'calendar', undefined);
    expect(status(await lastComposed(bob)).status).toBe('On the phone');
    await sources.setSource('alice', 'phone', 'idle');
    expect(status(await lastComposed(bob))).toMatchObject({ show: undefined, status: undefined });
    expect((await lastFrom(bob, fromPhone)).attrs.type).toBe('unavailable');
  });

  it('is unavailable when the user has no connected resource, whatever the phone says', async () => {
    await sources.setSource('alice', 'phone', 'on-call');
    bob.transport.drain();
    alice.session.onTransportClosed();
    expect((await lastComposed(bob)).attrs.type).toBe('unavailable');
    expect((await sources.report('alice'))?.composed).toMatchObject({ isAvailable: false, reason: 'offline' });
  });

  it('answers the probe of a subscriber who signs in later with the composed presence', async () => {
    await sources.setSource('alice', 'phone', 'on-call');
    const bob2 = await harness.connect('bob', { resource: 'laptop' });
    await bob2.send(xml('presence'));
    expect(status(await bob2.next(fromComposed)).status).toBe('On the phone');
  });

  it('delivers a message addressed to a server-owned resource as if to the bare JID', async () => {
    await bob.send(xml('message', { to: 'alice@localhost/composed-presence', type: 'chat' }, xml('body', {}, 'hi')));
    expect((await alice.next((el) => el.name === 'message')).getChildText('body')).toBe('hi');
  });

  it('keeps the last manual state for any client to read with XEP-0049', async () => {
    await alice.send(xml('presence', {}, xml('show', {}, 'xa'), xml('status', {}, 'back at 3')));
    await bob.next(fromComposed);
    alice.session.onTransportClosed();
    const later = await harness.connect('alice', { resource: 'other' });
    const reply = await later.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: PRIVATE_NS }, xml('manual-presence', { xmlns: COMPOSITION_NS }))));
    const manual = reply.getChild('query', PRIVATE_NS)!.getChild('manual-presence', COMPOSITION_NS)!;
    expect(manual.attrs.show).toBe('xa');
    expect(manual.getChildText('status')).toBe('back at 3');
  });

  it('does not re-send an unchanged composed presence, but gives it to a newly available resource', async () => {
    const laptop = await harness.connect('alice', { resource: 'laptop' });
    await laptop.send(xml('presence', {}, xml('show', {}, 'xa')));
    await bob.next((el) => el.attrs.from === 'alice@localhost/laptop');
    await expect(bob.next(fromComposed, 100)).rejects.toThrow(); // still "available" from the gadget
    expect(status(await laptop.next(fromComposed))).toMatchObject({ show: undefined, priority: '127' });
  });

  it('refuses unknown users without changing anything', async () => {
    await expect(sources.setSource('nobody', 'phone', 'on-call')).resolves.toBe(false);
    await expect(sources.report('nobody')).resolves.toBeUndefined();
  });

  it('reserves the server-owned resource names', async () => {
    await expect(harness.connect('alice', { resource: 'composed-presence' })).rejects.toThrow(/not-allowed/);
    await expect(harness.connect('alice', { resource: 'phone' })).resolves.toBeDefined(); // an ordinary client name stays free
    expect(NS.CLIENT).toBe('jabber:client');
  });
});

/** The latest composed presence the client has been sent so far (waits for at least one). */
const lastComposed = (client: HarnessClient) => lastFrom(client, fromComposed);

async function lastFrom(client: HarnessClient, match: (el: Element) => boolean): Promise<Element> {
  let last = await client.next(match);
  for (;;) {
    try {
      last = await client.next(match, 50);
    } catch {
      return last;
    }
  }
}
