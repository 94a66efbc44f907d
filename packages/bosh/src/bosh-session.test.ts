// One BOSH session in process (real core, fake HTTP responses, injected clock): session creation
// (XEP-0124 §7, XEP-0206 §3), long polling with `wait` and `hold` (§8), the rid window and
// buffered responses (§14), acknowledgements (§9).
import { describe, it, expect, beforeEach } from '@jest/globals';
import xml from '@xmpp/xml';
import { Harness } from '@deskchat/testing';
import { BoshKit, body, message, settle } from './__tests__/bosh-kit.js';
import { REPORT_AFTER_MS } from './constants.js';

let kit: BoshKit<Harness>;
beforeEach(async () => {
  kit = await BoshKit.create(await Harness.create());
});

describe('session creation (XEP-0124 §7, XEP-0206 §3)', () => {
  it('answers with sid, limits, ver, authid and the XMPP attributes, with the stream features inside', async () => {
    const { res } = await kit.create({ wait: 20 });
    const el = res.element;
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('text/xml; charset=utf-8');
    expect(el.attrs).toMatchObject({ wait: '20', hold: '1', requests: '2', inactivity: '60', polling: '2', maxpause: '120', ver: '1.6', from: 'localhost' });
    expect(el.attrs.sid).toMatch(/^[\w-]{20,}$/);
    expect(el.attrs.authid).toBeTruthy();
    expect(el.attrs).toMatchObject({ 'xmpp:version': '1.0', 'xmpp:restartlogic': 'true', 'xmlns:xmpp': 'urn:xmpp:xbosh' });
    expect(el.getChild('features', 'http://etherx.jabber.org/streams')?.getChild('mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl')).toBeDefined();
  });

  it('clamps wait and hold to the configured maxima and answers requests = hold + 1 (§7.2)', async () => {
    const { res } = await kit.create({ wait: 3600, hold: 9, ver: '1.99' });
    expect(res.element.attrs).toMatchObject({ wait: '50', hold: '2', requests: '3', ver: '1.11' });
  });

  it('uses the default wait when the client gives none', async () => {
    const res = await kit.send(body({ rid: 1, to: 'localhost', ver: '1.6', 'xmpp:version': '1.0' }));
    expect(res.element.attrs.wait).toBe('30');
  });

  it("answers with the Content-Type the client asked for in 'content' (§7.1)", async () => {
    const { res } = await kit.create({ content: 'text/plain; charset=utf-8' });
    expect(res.headers['Content-Type']).toBe('text/plain; charset=utf-8');
  });

  it("echoes the creation rid as 'ack' when the client asked for acknowledgements (§9.1)", async () => {
    const { res } = await kit.create({ ack: 1 });
    expect(res.element.attrs.ack).toBe('1000');
  });

  it.each([
    ['no to', { to: '' }, 'improper-addressing'],
    ['another domain', { to: 'example.org' }, 'host-unknown'],
    ['a malformed route', { route: 'example.org' }, 'bad-request'],
    ['a malformed content', { content: 'not a type' }, 'bad-request'],
  ])('refuses a creation request with %s (§17.2)', async (_, attrs, condition) => {
    const res = await kit.send(body({ rid: 1, to: 'localhost', ver: '1.6', 'xmpp:version': '1.0', ...attrs }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition });
  });

  it('ignores a well-formed route: one server only (§7.1)', async () => {
    const { res } = await kit.create({ route: 'xmpp:chat.example.com:5222' });
    expect(res.element.attrs.sid).toBeDefined();
  });

  it('wraps the stream error of a client without xmpp:version (pre-1.0 XMPP) in remote-stream-error (XEP-0206 §3)', async () => {
    const res = await kit.send(body({ rid: 1, to: 'localhost', ver: '1.6' }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'remote-stream-error' });
    expect(res.body).toContain('<unsupported-version');
  });

  it('signs in with SASL, restarts with xmpp:restart and binds through core (XEP-0206 §5)', async () => {
    await kit.signIn('alice', 'web');
    expect(kit.harness.core.sessions.forUser('alice').map((s) => s.jid?.toString())).toEqual(['alice@localhost/web']);
  });

  it('answers an unknown sid with item-not-found (§17.2)', async () => {
    const res = await kit.send(body({ rid: 5, sid: 'nope' }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
    expect(res.status).toBe(200);
  });
});

describe('long polling (XEP-0124 §8)', () => {
  it('holds an empty request until wait has passed, then answers it empty', async () => {
    const s = await kit.signIn('alice');
    const res = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(res.isAnswered).toBe(false);
    kit.advance(29_000);
    expect(res.isAnswered).toBe(false);
    kit.advance(1_000);
    expect(res.body).toBe(`<body xmlns='http://jabber.org/protocol/httpbind'/>`);
  });

  it('answers a held request as soon as a stanza arrives for the session', async () => {
    const s = await kit.signIn('alice');
    const bob = await kit.harness.connect('bob');
    const res = await kit.send(body({ rid: s.next(), sid: s.sid }));
    await bob.send(message('alice@localhost/web', 'hello'));
    await settle();
    expect(res.element.getChild('message')?.getChildText('body')).toBe('hello');
    expect(res.element.getChild('message')?.attrs).toMatchObject({ xmlns: 'jabber:client', from: bob.jid.toString() });
  });

  it('keeps at most `hold` requests: a new request releases the oldest, in rid order', async () => {
    const s = await kit.signIn('alice');
    const first = await kit.send(body({ rid: s.next(), sid: s.sid }));
    const bob = await kit.harness.connect('bob');
    const second = await kit.send(body({ rid: s.next(), sid: s.sid }, message(bob.jid.toString(), 'hi')));
    expect(first.isAnswered).toBe(true);
    expect(second.isAnswered).toBe(false);
    expect((await bob.next((el) => el.is('message'))).getChildText('body')).toBe('hi');
  });

  it('puts the answer to a request into the response of the request held before it', async () => {
    const s = await kit.signIn('alice');
    const held = await kit.send(body({ rid: s.next(), sid: s.sid }));
    const ping = xml('iq', { type: 'get', id: 'p1', to: 'localhost', xmlns: 'jabber:client' }, xml('ping', { xmlns: 'urn:xmpp:ping' }));
    const asking = await kit.send(body({ rid: s.next(), sid: s.sid }, ping));
    expect(held.element.getChild('iq')?.attrs).toMatchObject({ type: 'result', id: 'p1' });
    expect(asking.isAnswered).toBe(false);
  });
});

describe('request ids (XEP-0124 §14)', () => {
  it('answers a repeated rid with the very same bytes, without handling its payload again (§14.3)', async () => {
    const s = await kit.signIn('alice');
    const bob = await kit.harness.connect('bob');
    const rid = s.next();
    const text = body({ rid, sid: s.sid }, message(bob.jid.toString(), 'once'));
    await bob.send(message('alice@localhost/web', 'for alice'));
    const original = await kit.send(text);
    const again = await kit.send(text);
    expect(original.body).toContain('for alice');
    expect(again.body).toBe(original.body);
    await bob.next((el) => el.getChildText('body') === 'once');
    await expect(bob.next((el) => el.getChildText('body') === 'once', 200)).rejects.toThrow();
  });

  it('lets a resent request take the place of the original while it is still held (§14.3)', async () => {
    const s = await kit.signIn('alice');
    const rid = s.next();
    const original = await kit.send(body({ rid, sid: s.sid }));
    const resent = await kit.send(body({ rid, sid: s.sid }));
    expect(original.destroyed).toBe(true);
    kit.advance(30_000);
    expect(resent.body).toBe(`<body xmlns='http://jabber.org/protocol/httpbind'/>`);
  });

  it('processes rids that arrive out of order in rid order (§14.2)', async () => {
    const s = await kit.signIn('alice', 'web', { hold: 2 });
    const bob = await kit.harness.connect('bob');
    const to = bob.jid.toString();
    const [r1, r2] = [s.next(), s.next()];
    const later = await kit.send(body({ rid: r2, sid: s.sid }, message(to, 'second')));
    await expect(bob.next((el) => el.is('message'), 100)).rejects.toThrow();
    await kit.send(body({ rid: r1, sid: s.sid }, message(to, 'first')));
    expect((await bob.next((el) => el.is('message'))).getChildText('body')).toBe('first');
    expect((await bob.next((el) => el.is('message'))).getChildText('body')).toBe('second');
    expect(later.destroyed).toBe(false);
  });

  it('keeps the session when a stanza overtakes the empty poll sent just before it (two connections, §11)', async () => {
    const s = await kit.signIn('alice', 'web');
    const bob = await kit.harness.connect('bob');
    const [poll, send] = [s.next(), s.next()];
    await kit.send(body({ rid: send, sid: s.sid }, message(bob.jid.toString(), 'overtook')));
    const held = await kit.send(body({ rid: poll, sid: s.sid }));
    expect(held.element?.attrs.type).not.toBe('terminate');
    expect((await bob.next((el) => el.is('message'))).getChildText('body')).toBe('overtook');
    expect(kit.harness.core.sessions.forUser('alice')).toHaveLength(1);
  });

  it('terminates with item-not-found on a rid beyond the window (§14.2)', async () => {
    const s = await kit.signIn('alice');
    const res = await kit.send(body({ rid: s.rid + 5, sid: s.sid }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
    expect(kit.harness.core.sessions.forUser('alice')).toEqual([]);
  });

  it('terminates with item-not-found on an old rid whose response is gone (§14.3)', async () => {
    const s = await kit.signIn('alice');
    const res = await kit.send(body({ rid: 1000, sid: s.sid }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });

  it('sends the deprecated HTTP 404 instead to a legacy client without ver (§17.1)', async () => {
    const created = await kit.send(body({ rid: 1, to: 'localhost', 'xmpp:version': '1.0' }));
    const sid = created.element.attrs.sid;
    expect(created.element.attrs.ver).toBeUndefined();
    const res = await kit.send(body({ rid: 9, sid }));
    expect(res.status).toBe(404);
  });
});

describe('acknowledgements (XEP-0124 §9)', () => {
  it("acknowledges a later request in the response to a held one (§9.1)", async () => {
    const s = await kit.signIn('alice', 'web', { ack: 1 });
    const rid = s.next();
    const held = await kit.send(body({ rid, sid: s.sid }));
    kit.now += 3000; // later than `polling`: a legitimate second request
    await kit.send(body({ rid: s.next(), sid: s.sid, ack: rid - 1 }));
    expect(held.element.attrs.ack).toBe(String(rid + 1));
  });

  it('reports a response the client seems to have missed and answers at once (§9.2)', async () => {
    const s = await kit.signIn('alice', 'web', { ack: 1 });
    const lost = s.rid - 1; // the bind request, answered already
    kit.advance(REPORT_AFTER_MS + 100);
    const res = await kit.send(body({ rid: s.next(), sid: s.sid, ack: lost - 1 }));
    expect(res.element.attrs).toMatchObject({ report: String(lost), time: String(REPORT_AFTER_MS + 100) });
  });
});
