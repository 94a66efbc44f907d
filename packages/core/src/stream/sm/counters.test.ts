// XEP-0198 §4 sequence numbers and the server's queue of unacknowledged stanzas, as pure units.
import { describe, it, expect } from '@jest/globals';
import xml from '@xmpp/xml';
import { StreamError } from '@deskchat/protocol';
import { OptionsError } from '../../options.js';
import { SEQ_MODULUS, nextSeq, parseSeq, seqAdd, seqDistance } from './counters.js';
import { OutboundQueue } from './outbound-queue.js';
import { parseSmOptions } from './parse-sm-options.js';
import { DEFAULT_SM_OPTIONS } from './sm-options.js';

const message = (n: number) => xml('message', { id: `m${n}` }, xml('body', {}, `n${n}`));

describe('sequence numbers (XEP-0198 §4)', () => {
  it('wrap from 2^32 − 1 back to zero instead of reaching 2^32', () => {
    expect(nextSeq(0)).toBe(1);
    expect(nextSeq(SEQ_MODULUS - 2)).toBe(SEQ_MODULUS - 1);
    expect(nextSeq(SEQ_MODULUS - 1)).toBe(0);
    expect(seqAdd(SEQ_MODULUS - 2, 3)).toBe(1);
  });

  it('measure distances across the wrap', () => {
    expect(seqDistance(5, 3)).toBe(2);
    expect(seqDistance(1, SEQ_MODULUS - 2)).toBe(3);
    expect(seqDistance(3, 3)).toBe(0);
    expect(seqDistance(3, 5)).toBe(SEQ_MODULUS - 2); // "behind" reads as very far ahead: too high
  });

  it("read 'h' as an xs:unsignedInt and nothing else", () => {
    expect(parseSeq('0')).toBe(0);
    expect(parseSeq('4294967295')).toBe(SEQ_MODULUS - 1);
    for (const bad of [undefined, '', '-1', '4294967296', '1.5', '0x10', 'ten', '99999999999']) expect(parseSeq(bad)).toBeUndefined();
  });
});

describe('the queue of stanzas waiting for an ack', () => {
  it('numbers stanzas after the last ack and drops what an <a/> covers', () => {
    const queue = new OutboundQueue();
    for (const n of [1, 2, 3]) queue.push(message(n));
    expect(queue.sent).toBe(3);
    expect(queue.covered(2)).toBe(2);
    queue.ack(2);
    expect(queue.stanzas().map((s) => s.attrs.id)).toEqual(['m3']);
    expect(queue.acked).toBe(2);
    expect(queue.covered(4)).toBeUndefined(); // handled-count-too-high
    expect(queue.covered(3)).toBe(1);
  });

  it('acknowledges across the wrap of the counter', () => {
    const queue = new OutboundQueue(SEQ_MODULUS - 2, [message(1), message(2), message(3)]);
    expect(queue.sent).toBe(1);
    expect(queue.covered(0)).toBe(2);
    queue.ack(0);
    expect(queue.stanzas().map((s) => s.attrs.id)).toEqual(['m3']);
    expect(queue.covered(2)).toBeUndefined();
  });

  it('counts the bytes waiting (the bound is limits.maxOutputBytes)', () => {
    const queue = new OutboundQueue();
    const text = queue.push(xml('message', {}, xml('body', {}, 'ü')));
    expect(queue.bytes).toBe(Buffer.byteLength(text));
    queue.push(message(2));
    queue.ack(2);
    expect(queue.bytes).toBe(0);
  });

  it('keeps order and counts through many acks (the dropped prefix is compacted)', () => {
    const queue = new OutboundQueue();
    for (let n = 1; n <= 500; n++) {
      queue.push(message(n));
      if (n % 7 === 0) queue.ack(n - 2);
    }
    expect(queue.stanzas()[0].attrs.id).toBe('m496'); // the last ack, at 497, covered 495
    expect(queue.length).toBe(5);
  });
});

describe('sm options (conventions §8)', () => {
  it('defaults: enabled, 300 s to resume, at most 600 s, an <r/> within 5 s or after 5 stanzas', () => {
    expect(parseSmOptions(undefined)).toEqual(DEFAULT_SM_OPTIONS);
    expect(DEFAULT_SM_OPTIONS).toEqual({ enabled: true, resumptionTimeout: 300, maxResumptionTimeout: 600, ackRequestInterval: 5, ackRequestBurst: 5 });
  });

  it('names the key of a bad value', () => {
    expect(() => parseSmOptions({ resumptionTimeout: 0 })).toThrow(new OptionsError('sm.resumptionTimeout', 'must be an integer 1..86400 (got 0)'));
    expect(() => parseSmOptions({ enabled: 'yes' })).toThrow(/^sm\.enabled: must be true or false/);
    expect(() => parseSmOptions({ resumptionTimeout: 600, maxResumptionTimeout: 60 })).toThrow(/^sm\.maxResumptionTimeout: must be at least sm\.resumptionTimeout/);
    expect(() => parseSmOptions({ resumeTimeout: 5 })).toThrow(/^sm\.resumeTimeout: unknown setting/);
    expect(() => parseSmOptions({ ackRequestInterval: '2.5' })).toThrow(/^sm\.ackRequestInterval/);
  });

  it('raises the default maximum with a longer resumption timeout', () => {
    expect(parseSmOptions({ resumptionTimeout: 900, ackRequestInterval: '30' })).toMatchObject({ resumptionTimeout: 900, maxResumptionTimeout: 900, ackRequestInterval: 30 });
  });
});

describe('the undefined-condition stream error of XEP-0198 §6', () => {
  it('carries <handled-count-too-high h send-count/> after the text (RFC 6120 §4.9.4)', async () => {
    const { handledCountTooHighError } = await import('./elements.js');
    const el = handledCountTooHighError(10, 8).toElement();
    expect(el.getChild('undefined-condition')).toBeDefined();
    expect(el.getChild('handled-count-too-high', 'urn:xmpp:sm:3')?.attrs).toMatchObject({ h: '10', 'send-count': '8' });
    expect(StreamError.fromElement(el).condition).toBe('undefined-condition');
  });
});
