// Test kit for the muc harness tests: a harness with the muc module (one node, or the
// DESKCHAT_HARNESS_NODES the 'muc-two-nodes' jest project sets), and helpers that speak raw
// XEP-0045 stanzas. Every wait is for a stanza, never a sleep.
import xml, { type Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import { Harness, type HarnessClient } from '@deskchat/testing';
import { DEFAULT_MUC_OPTIONS, MUC, mucModule, type MucOptions } from '../index.js';

export const SERVICE = 'conference.localhost';
export const room = (name: string, nick?: string) => `${name}@${SERVICE}${nick === undefined ? '' : `/${nick}`}`;

export async function mucHarness(options: Partial<MucOptions> = {}, nodes?: number): Promise<Harness> {
  const harness = await Harness.create({ modules: [{ ...mucModule, defaults: { ...DEFAULT_MUC_OPTIONS, ...options } }], ...(nodes ? { nodes } : {}) });
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) await harness.addUser(user);
  return harness;
}

export const mucX = (...children: Element[]) => xml('x', { xmlns: MUC.BASE }, ...children);

/** The muc#user <x/> of a stanza, its status codes and its item. */
export function userX(stanza: Element): { codes: string[]; item: Element | undefined; x: Element | undefined } {
  const x = stanza.getChild('x', MUC.USER);
  return { x, codes: (x?.getChildren('status') ?? []).map((s) => s.attrs.code).sort(), item: x?.getChild('item') };
}

export const isPresenceFrom = (from: string, type?: string) => (el: Element) => el.name === 'presence' && el.attrs.from === from && el.attrs.type === type;
export const isSelfPresence = (el: Element) => el.name === 'presence' && userX(el).codes.includes('110');
export const isSubject = (el: Element) => el.name === 'message' && el.getChild('subject') !== undefined && el.getChild('body') === undefined;

export function errorOf(stanza: Element): { condition: string; type: string } | undefined {
  if (stanza.attrs.type !== 'error') return undefined;
  const error = StanzaError.fromStanza(stanza);
  return error && { condition: error.condition, type: error.type };
}

/**
 * Enters a room (§7.2) and reads everything the service sends on entering, up to the subject
 * (§7.2.15), which comes last: occupants' presence, the self-presence, history.
 */
export async function join(client: HarnessClient, name: string, nick: string, children: Element[] = [mucX()]): Promise<{ self: Element; before: Element[]; history: Element[] }> {
  await client.send(xml('presence', { to: room(name, nick) }, ...children));
  const before: Element[] = [];
  const history: Element[] = [];
  let self: Element | undefined;
  for (;;) {
    const el = await client.next((e) => e.attrs.from?.startsWith(`${name}@${SERVICE}`) ?? false);
    if (el.attrs.type === 'error') throw new Error(`join failed: ${el.toString()}`);
    if (el.name === 'presence' && isSelfPresence(el)) self = el;
    else if (el.name === 'presence') before.push(el);
    else if (isSubject(el)) break;
    else if (el.name === 'message') history.push(el);
  }
  if (!self) throw new Error('no self-presence before the subject');
  return { self, before, history };
}

/** Tries to enter and returns the error presence. */
export async function joinError(client: HarnessClient, name: string, nick: string, children: Element[] = [mucX()]): Promise<Element> {
  await client.send(xml('presence', { to: room(name, nick) }, ...children));
  return client.next((e) => e.name === 'presence' && e.attrs.type === 'error' && e.attrs.from === room(name, nick));
}

/** Creates a room as its owner and accepts the default configuration (an instant room, §10.1.2). */
export async function createRoom(owner: HarnessClient, name: string, nick: string, config: Record<string, string> = {}): Promise<void> {
  const { self } = await join(owner, name, nick);
  if (!userX(self).codes.includes('201')) throw new Error(`room ${name} already existed`);
  const result = await configure(owner, name, config);
  if (result.attrs.type !== 'result') throw new Error(`configuration failed: ${result.toString()}`);
}

export function configure(owner: HarnessClient, name: string, values: Record<string, string>): Promise<Element> {
  const fields = Object.entries(values).map(([v, value]) => xml('field', { var: v }, xml('value', {}, value)));
  return owner.iq(
    xml('iq', { type: 'set', to: room(name) }, xml('query', { xmlns: MUC.OWNER }, xml('x', { xmlns: MUC.DATA, type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, MUC.ROOMCONFIG)), ...fields))),
  );
}

export function admin(client: HarnessClient, name: string, type: 'get' | 'set', ...items: Element[]): Promise<Element> {
  return client.iq(xml('iq', { type, to: room(name) }, xml('query', { xmlns: MUC.ADMIN }, ...items)));
}

export function groupchat(client: HarnessClient, name: string, body: string, ...children: Element[]): Promise<void> {
  return client.send(xml('message', { type: 'groupchat', to: room(name) }, xml('body', {}, body), ...children));
}

/** The next groupchat message with a body from the room. */
export const nextGroupchat = (client: HarnessClient, body?: string) =>
  client.next((e) => e.name === 'message' && e.attrs.type === 'groupchat' && e.getChildText('body') !== null && (body === undefined || e.getChildText('body') === body));

/** Proves that nothing else matching arrived before: `marker` is sent through the same room afterwards and must come first. */
export async function nothingBefore(client: HarnessClient, match: (el: Element) => boolean, marker: () => Promise<Element>): Promise<void> {
  const markerEl = await marker();
  const stray = client.transport.drain().filter(match);
  if (stray.length > 0) throw new Error(`unexpected before the marker ${markerEl.toString()}: ${stray.map(String).join(' ')}`);
}
