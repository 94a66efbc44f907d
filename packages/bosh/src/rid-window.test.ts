// XEP-0124 §14 (rid window, in-order processing, buffered responses) and §9.2 (acknowledgements,
// reports) as a pure unit.
import { describe, it, expect } from '@jest/globals';
import { RidWindow } from './rid-window.js';
import { buildBody } from './body-writer.js';
import { REPORT_AFTER_MS } from './constants.js';

describe('RidWindow (XEP-0124 §14)', () => {
  it('treats the creation rid as received and not yet answered', () => {
    const w = new RidWindow(100, 2);
    expect(w.highest).toBe(100);
    expect(w.classify(100)).toBe('pending');
  });

  it('accepts the next rid and rids inside the window ahead of a gap (§14.2)', () => {
    const w = new RidWindow(100, 2);
    expect(w.classify(101)).toBe('next');
    expect(w.classify(102)).toBe('ahead');
  });

  it('refuses a rid beyond the window of `requests` values (§14.2)', () => {
    const w = new RidWindow(100, 2);
    expect(w.classify(103)).toBe('unknown');
  });

  it('moves the window as rids are processed in order', () => {
    const w = new RidWindow(100, 2);
    w.receive(101);
    w.advance(101);
    expect(w.highest).toBe(101);
    expect(w.classify(101)).toBe('pending');
    expect(w.classify(103)).toBe('ahead');
  });

  it('keeps a received rid waiting for its gap as pending, so a resend takes its place', () => {
    const w = new RidWindow(100, 2);
    w.receive(102);
    expect(w.classify(102)).toBe('pending');
    expect(w.classify(101)).toBe('next');
  });

  it('answers a repeated rid with the exact buffered response (§14.3)', () => {
    const w = new RidWindow(100, 2);
    w.answered(100, " a='1'", '<message/>', 5);
    expect(w.classify(100)).toBe('cached');
    expect(w.cached(100)).toMatchObject({ body: "<body xmlns='http://jabber.org/protocol/httpbind' a='1'><message/></body>", sentAt: 5 });
    expect(w.cached(100)!.body).toBe(buildBody(" a='1'", '<message/>'));
  });

  it('gives a response restored from another node back as the exact body recorded there (§14.3)', () => {
    const w = new RidWindow(100, 2);
    const recorded = "<body xmlns='http://jabber.org/protocol/httpbind' ack='104'><message id='m1'/></body>";
    w.restore(105, [{ rid: 104, body: recorded, sentAt: 7 }], [105]);
    expect(w.classify(104)).toBe('cached');
    expect(w.cached(104)).toMatchObject({ body: recorded, sentAt: 7 });
    expect(w.classify(105)).toBe('pending');
  });

  it('does not buffer the response to a pause request (§14.3)', () => {
    const w = new RidWindow(100, 2);
    w.answered(100, '', '', 5, false);
    expect(w.classify(100)).toBe('unknown');
  });

  it('keeps the responses a client can still ask for again, those after highest − requests, and forgets older ones (item-not-found after that, §14.3)', () => {
    const w = new RidWindow(100, 2);
    for (let rid = 100; rid <= 104; rid++) {
      w.receive(rid);
      w.advance(rid);
      w.answered(rid, '', `<n>${rid}</n>`, rid);
    }
    // A client allowed two open requests that sent 104 has had the response to 102.
    expect([100, 101, 102, 103, 104].map((rid) => w.classify(rid))).toEqual(['unknown', 'unknown', 'unknown', 'cached', 'cached']);
    // Held next request (processed, not answered): only 104's response can still be missing.
    w.receive(105);
    w.advance(105);
    expect([103, 104, 105].map((rid) => w.classify(rid))).toEqual(['unknown', 'cached', 'pending']);
  });

  it('keeps a response answered before `advance` reached its rid (out of order over two connections)', () => {
    const w = new RidWindow(100, 2);
    w.advance(100);
    w.answered(100, '', '<a/>', 0);
    w.receive(101);
    w.receive(102);
    w.advance(101);
    w.answered(101, '', '<b/>', 1);
    w.answered(102, '', '<c/>', 2); // answered, e.g. a terminate, before 102 is advanced to
    // 100 too: with 101 the highest rid, the client may still be missing 100's response.
    expect([100, 101, 102].map((rid) => w.classify(rid))).toEqual(['cached', 'cached', 'cached']);
  });

  it('keeps a wider window right after a move between nodes', () => {
    const w = new RidWindow(1, 2);
    w.restore(200, [198, 199, 200].map((rid) => ({ rid, sentAt: 0, body: `<body rid='${rid}'/>` })), []);
    w.receive(201);
    w.advance(201);
    expect([198, 199, 200].map((rid) => w.classify(rid))).toEqual(['cached', 'cached', 'cached']);
  });

  it('drops responses the client acknowledged (§9.2)', () => {
    const w = new RidWindow(100, 2);
    for (const rid of [100, 101]) {
      w.receive(rid);
      w.advance(rid);
      w.answered(rid, '', '', 0);
    }
    w.acknowledge(100);
    expect(w.classify(100)).toBe('unknown');
    expect(w.classify(101)).toBe('cached');
  });

  it('reports a response the client has not acknowledged long after it was sent, with its age (§9.2)', () => {
    const w = new RidWindow(100, 2);
    w.answered(100, '', '', 1000);
    expect(w.report(99, 1000 + REPORT_AFTER_MS - 1)).toBeUndefined();
    expect(w.report(99, 1000 + REPORT_AFTER_MS + 5)).toEqual({ report: 100, time: REPORT_AFTER_MS + 5 });
  });

  it('reports nothing when the client has every response', () => {
    const w = new RidWindow(100, 2);
    w.answered(100, '', '', 0);
    expect(w.report(100, 1_000_000)).toBeUndefined();
  });
});

/** Post-authentication stream features as a session builds them: a new string each time, all equal. */
function features(seed: number): string {
  let text = `<stream:features xmlns:stream='http://etherx.jabber.org/streams'>`;
  for (const child of ['<bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/>', '<session xmlns="urn:ietf:params:xml:ns:xmpp-session"><optional/></session>', '<c xmlns="http://jabber.org/protocol/caps" hash="sha-1" node="https://deskchat.invalid/caps" ver="h+tsdg2QMnlqfldaHHfmnD8oHos="/>', '<ver xmlns="urn:xmpp:features:rosterver"/>', '<sub xmlns="urn:xmpp:features:pre-approval"/>', '<csi xmlns="urn:xmpp:csi:0"/>']) text += child;
  return `${text}</stream:features>`.slice(seed % 1); // a distinct string object, the same text
}

describe('RidWindow memory', () => {
  it('keeps an idle session small: arrays sized to what they hold, stream features buffered once for all sessions', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const count = 5_000;
    gc();
    const before = process.memoryUsage().heapUsed;
    const windows = Array.from({ length: count }, (_, i) => {
      // A sign-in's worth of requests, the restart answered with stream features made for this
      // session (equal to every other session's), the rest empty; then a held poll.
      const w = new RidWindow(100, 2);
      for (let rid = 100; rid <= 103; rid++) {
        if (rid > 100) w.receive(rid);
        w.advance(rid);
        w.answered(rid, '', rid === 103 ? features(i) : '', rid);
      }
      w.receive(104);
      w.advance(104);
      return w;
    });
    gc();
    const perWindow = (process.memoryUsage().heapUsed - before) / count;
    expect(windows[count - 1].classify(104)).toBe('pending');
    expect(windows[count - 1].cached(103)!.body).toBe(buildBody('', features(0)));
    // ~385 bytes measured (one response kept once the held request is processed; ~430 with three);
    // ~670 with arrays grown by spread (room for 19 each), and ~480 more with a copy of the features each.
    expect(perWindow).toBeLessThan(520);
  });
});
