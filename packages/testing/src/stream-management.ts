// XEP-0198 through the harness: a world with a manual clock, enable, lose a connection (no
// </stream:stream>), resume on any node, and readers for what a client received.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { DEFAULT_CORE_OPTIONS, type Session, type SmOptions } from '@deskchat/core';
import type { FakeTransport } from './fake-transport.js';
import { Harness, type HarnessClient, type HarnessOptions } from './harness.js';
import { ManualClock } from './manual-clock.js';

export const SM = NS.SM;
export const isSm = (name: string) => (el: Element) => el.name === name && el.attrs.xmlns === SM;

export interface SmWorld {
  harness: Harness;
  clock: ManualClock;
}

export async function smWorld(options: HarnessOptions & { sm?: Partial<SmOptions> } = {}): Promise<SmWorld> {
  const clock = new ManualClock();
  const { sm, ...rest } = options;
  const harness = await Harness.create({ clock, ...rest, core: { ...rest.core, sm: { ...DEFAULT_CORE_OPTIONS.sm, ...sm } } });
  for (const user of ['alice', 'bob', 'carol']) await harness.addUser(user);
  return { harness, clock };
}

/** <enable/> (resumable unless told otherwise); resolves with <enabled/>. */
export async function enable(client: HarnessClient, attrs: Record<string, string> = { resume: 'true' }): Promise<Element> {
  const answer = client.next((el) => el.attrs.xmlns === SM && (el.name === 'enabled' || el.name === 'failed'));
  await client.send(xml('enable', { xmlns: SM, ...attrs }));
  return answer;
}

/** The client's connection breaks (no </stream:stream>): what a socket 'close' does. */
export function lose(client: { session: Session }): void {
  client.session.onTransportClosed();
}

export const chat = (to: string, body: string, attrs: Record<string, string> = {}) => xml('message', { to, type: 'chat', ...attrs }, xml('body', {}, body));
export const bodies = (transport: FakeTransport) => transport.sent.filter((el) => el.name === 'message').map((el) => el.getChildText('body'));
export const hasBody = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body;

export interface Resumption {
  session: Session;
  transport: FakeTransport;
  /** <resumed/> or <failed/>. */
  answer: Element;
}

/** A new stream for `username` that sends <resume previd h/> instead of binding. */
export async function resumeStream(harness: Harness, username: string, previd: string, h: number | string, node?: number): Promise<Resumption> {
  const { session, transport } = await harness.authenticate(username, { node });
  const answer = transport.next((el) => el.attrs.xmlns === SM && (el.name === 'resumed' || el.name === 'failed'));
  await session.onElement(xml('resume', { xmlns: SM, previd, h: String(h) }));
  return { session, transport, answer: await answer };
}

/** The stanza error condition inside <failed/>. */
export const failedCondition = (failed: Element) => failed.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === NS.STANZA_ERRORS)?.name;
