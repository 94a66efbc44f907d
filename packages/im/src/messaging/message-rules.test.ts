// The pure message readers (message-rules.ts): XEP-0085 §5.6 standalone chat states, XEP-0280 §6
// eligibility and §9 <private/>, XEP-0160 §3 storage decisions, XEP-0203 delay; and option parsing.
import { describe, it, expect } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { hasContent, isCarbonEligible, offlineDecision, withDelay, withoutPrivate } from './message-rules.js';
import { MESSAGING_NS as M } from './namespaces.js';
import { parseMessageDeliveryOptions, parseOfflineOptions } from './options.js';

const msg = (type: string | undefined, ...children: Element[]) => xml('message', type ? { type } : {}, ...children);
const body = (text = 'hi') => xml('body', {}, text);
const state = (name = 'composing') => xml(name, { xmlns: M.CHATSTATES });

describe('message readers', () => {
  it('sees no content in a standalone chat state, with a thread, hints or an origin id (XEP-0085 §5.6)', () => {
    expect(hasContent(msg('chat', state()))).toBe(false);
    expect(hasContent(msg('chat', xml('thread', {}, 't'), state('paused'), xml('no-store', { xmlns: M.HINTS }), xml('origin-id', { xmlns: M.STANZA_ID, id: 'x' })))).toBe(false);
    expect(hasContent(msg('chat'))).toBe(false);
    expect(hasContent(msg('chat', body(), state('active')))).toBe(true);
    expect(hasContent(msg('chat', xml('x', { xmlns: 'jabber:x:oob' })))).toBe(true);
  });

  it('decides storage per XEP-0160 §3 and XEP-0334 §4', () => {
    expect(offlineDecision(msg('chat', body()))).toBe('store');
    expect(offlineDecision(msg(undefined, body()))).toBe('store');
    expect(offlineDecision(msg('chat', state()))).toBe('discard');
    expect(offlineDecision(msg('chat', state(), xml('store', { xmlns: M.HINTS })))).toBe('store');
    expect(offlineDecision(msg('chat', body(), xml('no-store', { xmlns: M.HINTS })))).toBe('refuse');
    for (const type of ['headline', 'groupchat', 'error']) expect(offlineDecision(msg(type, body()))).toBe('refuse');
  });

  it('finds carbons-eligible messages per XEP-0280 §6 and §9', () => {
    expect(isCarbonEligible(msg('chat', state()))).toBe(true);
    expect(isCarbonEligible(msg('normal', body()))).toBe(true);
    expect(isCarbonEligible(msg(undefined, body()))).toBe(true);
    expect(isCarbonEligible(msg(undefined, xml('x', { xmlns: 'urn:example' })))).toBe(false);
    for (const type of ['headline', 'groupchat', 'error']) expect(isCarbonEligible(msg(type, body()))).toBe(false);
    expect(isCarbonEligible(msg('chat', body(), xml('private', { xmlns: M.CARBONS })))).toBe(false);
    expect(isCarbonEligible(msg('chat', body(), xml('no-copy', { xmlns: M.HINTS })))).toBe(false);
    expect(isCarbonEligible(msg('chat', xml('sent', { xmlns: M.CARBONS })))).toBe(false);
  });

  it('adds a delay and removes <private/> on copies, leaving the original as it was', () => {
    const original = msg('chat', body(), xml('private', { xmlns: M.CARBONS }));
    const before = original.toString();
    const delayed = withDelay(original, 'localhost', 0);
    expect(delayed.getChild('delay', M.DELAY)?.attrs).toEqual({ xmlns: M.DELAY, from: 'localhost', stamp: '1970-01-01T00:00:00.000Z' });
    expect(withoutPrivate(original).getChild('private', M.CARBONS)).toBeUndefined();
    expect(withoutPrivate(original).getChildText('body')).toBe('hi');
    expect(original.toString()).toBe(before);
    const plain = msg('chat', body());
    expect(withoutPrivate(plain)).toBe(plain);
  });
});

describe('options (conventions §8)', () => {
  it('fills defaults and names the offending key', () => {
    expect(parseOfflineOptions(undefined).maxMessagesPerUser).toBe(1000);
    expect(parseOfflineOptions({ maxMessagesPerUser: '50' }).maxMessagesPerUser).toBe(50);
    expect(() => parseOfflineOptions({ maxMessagesPerUser: -1 }, 'im.offline')).toThrow('im.offline.maxMessagesPerUser: must be an integer');
    expect(() => parseOfflineOptions({ max: 1 }, 'im.offline')).toThrow('im.offline.max: unknown option');
    expect(parseMessageDeliveryOptions({}).lockIdleSeconds).toBe(300);
    expect(parseMessageDeliveryOptions({ lockIdleSeconds: 0 }).lockIdleSeconds).toBe(0);
    expect(() => parseMessageDeliveryOptions({ lockIdleSeconds: 1.5 }, 'im.delivery')).toThrow('im.delivery.lockIdleSeconds');
  });
});
