// The rules that end or bend a BOSH session, in process with an injected clock: pause (XEP-0124
// §10), overactivity and polling (§11, §12), inactivity (§10), key sequencing (§15), termination by
// the client (§13) and by the server (§17.2: remote-stream-error, system-shutdown, see-other-uri).
import { describe, it, expect, beforeEach } from '@jest/globals';
import { createHash } from 'node:crypto';
import xml from '@xmpp/xml';
import { StreamError } from '@deskchat/protocol';
import { Harness, eventually } from '@deskchat/testing';
import { BoshKit, body, message, settle } from './__tests__/bosh-kit.js';
import { redirectSession } from './redirect.js';

let kit: BoshKit<Harness>;
beforeEach(async () => {
  kit = await BoshKit.create(await Harness.create(), { polling: 2, inactivity: 60, maxPause: 120 });
});

const EMPTY = `<body xmlns='http://jabber.org/protocol/httpbind'/>`;

describe('pause (XEP-0124 §10)', () => {
  it('answers every held request at once, the pause response without payloads, and stretches inactivity to the pause', async () => {
    const s = await kit.signIn('alice');
    const held = await kit.send(body({ rid: s.next(), sid: s.sid }));
    kit.now += 3000;
    const pause = await kit.send(body({ rid: s.next(), sid: s.sid, pause: 100 }));
    expect(held.body).toBe(EMPTY);
    expect(pause.body).toBe(EMPTY);
    kit.advance(90_000); // past the normal inactivity, within the pause
    expect(kit.harness.core.sessions.forUser('alice')).toHaveLength(1);
    const after = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(after.isAnswered).toBe(false);
  });

  it('caps a longer pause at maxpause', async () => {
    const s = await kit.signIn('alice');
    await kit.send(body({ rid: s.next(), sid: s.sid, pause: 3600 }));
    kit.advance(121_000);
    expect(kit.harness.core.sessions.forUser('alice')).toEqual([]);
  });
});

describe('overactivity and polling (XEP-0124 §11, §12)', () => {
  it('terminates with policy-violation when the client has more than `requests` requests open', async () => {
    const s = await kit.signIn('alice', 'web', { hold: 1 });
    const bob = await kit.harness.connect('bob');
    await kit.send(body({ rid: s.next(), sid: s.sid }));
    const rid = s.next();
    // rid+1 arrives before rid and waits for it: with the held one, rid is a third open request.
    await kit.send(body({ rid: rid + 1, sid: s.sid }, message(bob.jid.toString(), 'a')));
    const res = await kit.send(body({ rid, sid: s.sid }, message(bob.jid.toString(), 'b')));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
  });

  it('allows one extra request when it terminates the session', async () => {
    const s = await kit.signIn('alice', 'web', { hold: 1 });
    const bob = await kit.harness.connect('bob');
    const held = await kit.send(body({ rid: s.next(), sid: s.sid }));
    const rid = s.next();
    await kit.send(body({ rid: rid + 1, sid: s.sid, type: 'terminate' }));
    await kit.send(body({ rid, sid: s.sid }, message(bob.jid.toString(), 'bye')));
    expect(held.element.attrs).toMatchObject({ type: 'terminate' });
    expect(held.element.attrs.condition).toBeUndefined();
  });

  it('terminates a client that sends an empty request within `polling` while its other requests are held', async () => {
    const s = await kit.signIn('alice');
    await kit.send(body({ rid: s.next(), sid: s.sid }));
    const res = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
  });

  it('terminates a polling session (hold=0) that polls again within `polling` after an empty answer (§12)', async () => {
    const s = await kit.signIn('alice', 'web', { hold: 0 });
    const first = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(first.body).toBe(EMPTY);
    kit.now += 1000;
    const second = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(second.element.attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
  });

  it('lets a polling session poll quickly again when the last answer carried payloads', async () => {
    const s = await kit.signIn('alice', 'web', { hold: 0 });
    const bob = await kit.harness.connect('bob');
    await bob.send(message('alice@localhost/web', 'news'));
    const first = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(first.body).toContain('news');
    const second = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(second.body).toBe(EMPTY);
  });
});

describe('inactivity (XEP-0124 §10)', () => {
  it('ends a session with no request open for longer than inactivity, unbinding it, and then forgets the sid', async () => {
    const s = await kit.signIn('alice');
    const unbound: string[] = [];
    kit.harness.core.hooks.on('session/unbound', ({ session }) => void unbound.push(session.jid!.toString()));
    kit.advance(59_000);
    expect(unbound).toEqual([]);
    kit.advance(2_000);
    await eventually(() => unbound.length > 0, 'unbound');
    expect(unbound).toEqual(['alice@localhost/web']);
    const res = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });

  it('never counts inactivity while a request is held', async () => {
    const s = await kit.signIn('alice');
    await kit.send(body({ rid: s.next(), sid: s.sid }));
    for (let i = 0; i < 3; i++) {
      kit.advance(29_000);
      await kit.send(body({ rid: s.next(), sid: s.sid }));
      kit.advance(1_000);
    }
    expect(kit.harness.core.sessions.forUser('alice')).toHaveLength(1);
  });
});

describe('key sequencing (XEP-0124 §15)', () => {
  const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
  const k1 = sha1('seed');
  const k2 = sha1(k1);
  const k3 = sha1(k2);

  it('accepts each next key and ends the session with item-not-found on a wrong one, without handling its payload', async () => {
    const s = await kit.create({ newkey: k3 });
    const bob = await kit.harness.connect('bob');
    const ok = await kit.send(body({ rid: s.next(), sid: s.sid, key: k2 }));
    expect(ok.isAnswered).toBe(false);
    kit.now += 3000;
    const bad = await kit.send(body({ rid: s.next(), sid: s.sid, key: 'f'.repeat(40) }, message(bob.jid.toString(), 'injected')));
    expect(bad.element.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
    await expect(bob.next((el) => el.is('message'), 100)).rejects.toThrow();
  });
});

describe('termination (XEP-0124 §13, §17.2)', () => {
  it("handles the payloads of a client's terminate request, then answers type='terminate'", async () => {
    const s = await kit.signIn('alice');
    const bob = await kit.harness.connect('bob');
    const res = await kit.send(body({ rid: s.next(), sid: s.sid, type: 'terminate' }, message(bob.jid.toString(), 'goodbye')));
    expect((await bob.next((el) => el.is('message'))).getChildText('body')).toBe('goodbye');
    expect(res.element.attrs).toMatchObject({ type: 'terminate' });
    expect(kit.harness.core.sessions.forUser('alice')).toEqual([]);
  });

  it('wraps a stream error from core in remote-stream-error (XEP-0206 §5)', async () => {
    const s = await kit.create();
    const res = await kit.send(body({ rid: s.next(), sid: s.sid }, message('bob@localhost', 'too early')));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'remote-stream-error' });
    expect(StreamError.fromElement(res.element.getChild('error', 'http://etherx.jabber.org/streams')!).condition).toBe('not-authorized');
  });

  it('ends the session of a malformed request with bad-request (§17.2)', async () => {
    const s = await kit.signIn('alice');
    const res = await kit.send(body({ rid: s.next(), sid: s.sid, pause: 'soon' }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'bad-request' });
    expect(kit.harness.core.sessions.forUser('alice')).toEqual([]);
  });

  it('refuses xmpp:restart before SASL success with bad-request', async () => {
    const s = await kit.create();
    const res = await kit.send(body({ rid: s.next(), sid: s.sid, 'xmpp:restart': 'true' }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'bad-request' });
  });

  it("ends every session with system-shutdown when core shuts down", async () => {
    const s = await kit.signIn('alice');
    const held = await kit.send(body({ rid: s.next(), sid: s.sid }));
    await kit.harness.core.shutdown();
    expect(held.element.attrs).toMatchObject({ type: 'terminate', condition: 'system-shutdown' });
  });

  it('sends a client elsewhere with see-other-uri and its <uri/> (clustering)', async () => {
    const s = await kit.signIn('alice');
    const held = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(redirectSession(kit.harness.core.sessions.forUser('alice')[0], 'https://node2.example.com:5280/http-bind')).toBe(true);
    expect(held.element.attrs).toMatchObject({ type: 'terminate', condition: 'see-other-uri' });
    expect(held.element.getChildText('uri')).toBe('https://node2.example.com:5280/http-bind');
  });

  it('keeps a terminate that found no open request for the next request, with the payloads still queued', async () => {
    const s = await kit.signIn('alice');
    const bob = await kit.harness.connect('bob');
    await bob.send(message('alice@localhost/web', 'last words'));
    redirectSession(kit.harness.core.sessions.forUser('alice')[0], 'https://node2.example.com/http-bind');
    const res = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'see-other-uri' });
    expect(res.element.getChild('message')?.getChildText('body')).toBe('last words');
  });

  it('closes an unencrypted connection that carries a secure session, and keeps the session (§19.1)', async () => {
    const s = await kit.create({}, { isSecure: true });
    const res = await kit.send(body({ rid: s.next(), sid: s.sid }), { isSecure: false });
    expect(res.destroyed).toBe(true);
    expect(kit.service.sessions.get(s.sid)).toBeDefined();
    const ok = await kit.send(body({ rid: s.rid - 1, sid: s.sid }, message('bob@localhost', 'x')), { isSecure: true });
    await settle();
    expect(ok.element.attrs.condition).toBe('remote-stream-error'); // handled: not-authorized, as any stanza before SASL
  });

  it('answers a ping over BOSH like any other transport', async () => {
    const s = await kit.signIn('alice');
    const ping = xml('iq', { type: 'get', id: 'p', to: 'localhost', xmlns: 'jabber:client' }, xml('ping', { xmlns: 'urn:xmpp:ping' }));
    const res = await kit.send(body({ rid: s.next(), sid: s.sid }, ping));
    expect(res.element.getChild('iq')?.attrs).toMatchObject({ type: 'result', id: 'p' });
  });
});
