// Issue #7 §2–3 for one BOSH session, in process with an injected clock: a held request whose
// connection the client closed (a page reload) leaves `held` at once (XEP-0124 §11, §14.3, §10);
// the queue is bounded while the client does not ask (also paused) and one response is bounded;
// what the session never sends goes back to core, which routes it to offline storage here.
import { describe, it, expect, beforeEach } from '@jest/globals';
import type { Element } from '@xmpp/xml';
import { DEFAULT_CORE_OPTIONS } from '@deskchat/core';
import { Harness } from '@deskchat/testing';
import { BoshKit, body, message, settle } from './__tests__/bosh-kit.js';

let kit: BoshKit<Harness>;
/** What core offered to offline storage (XEP-0160), through the 'message/offline' hook. */
let offline: Element[];
beforeEach(async () => {
  kit = await BoshKit.create(await Harness.create({ core: { limits: { ...DEFAULT_CORE_OPTIONS.limits, maxOutputBytes: 16 * 1024 } } }), {
    polling: 2,
    inactivity: 60,
    maxResponseBytes: 4096,
  });
  offline = [];
  kit.harness.core.hooks.on('message/offline', ({ stanza }) => {
    offline.push(stanza);
    return true;
  });
});

const bodies = (els: Element[]) => els.map((el) => el.getChildText('body'));

describe('a held request whose connection closed (XEP-0124 §14.3, page reload)', () => {
  it('leaves held at once: the reloaded page\'s next empty request is not overactivity (§11)', async () => {
    const s = await kit.signIn('alice');
    const held = await kit.send(body({ rid: s.next(), sid: s.sid }));
    held.destroy(); // the browser dropped the connection
    const next = await kit.send(body({ rid: s.next(), sid: s.sid })); // within `polling`: was policy-violation
    expect(next.isAnswered).toBe(false);
    const bob = await kit.harness.connect('bob');
    await bob.send(message('alice@localhost/web', 'after reload'));
    await settle();
    expect(next.element.getChild('message')?.getChildText('body')).toBe('after reload');
    expect(held.body).toBeUndefined(); // never written into the closed response
  });

  it('keeps its rid pending, so that a resend takes over and gets the answer (§14.3)', async () => {
    const s = await kit.signIn('alice');
    const rid = s.next();
    const held = await kit.send(body({ rid, sid: s.sid }));
    held.destroy();
    const resent = await kit.send(body({ rid, sid: s.sid }));
    const bob = await kit.harness.connect('bob');
    await bob.send(message('alice@localhost/web', 'for the resend'));
    await settle();
    expect(resent.element.getChild('message')?.getChildText('body')).toBe('for the resend');
  });

  it('starts the inactivity period when no live request is left (§10), and hands the queue back to core', async () => {
    const s = await kit.signIn('alice');
    const held = await kit.send(body({ rid: s.next(), sid: s.sid }));
    kit.advance(20_000);
    held.destroy(); // no live request from now on
    const bob = await kit.harness.connect('bob');
    await bob.send(message('alice@localhost/web', 'queued 1'));
    await bob.send(message('alice@localhost/web', 'queued 2'));
    await settle();
    kit.advance(59_000);
    expect(kit.harness.core.sessions.forUser('alice')).toHaveLength(1);
    kit.advance(2_000);
    expect(kit.harness.core.sessions.forUser('alice')).toHaveLength(0);
    await settle();
    expect(bodies(offline)).toEqual(['queued 1', 'queued 2']);
  });
});

describe('bounded output (issue #7 §2)', () => {
  it('puts at most bosh.maxResponseBytes of payloads in one response and the rest in the next', async () => {
    const s = await kit.signIn('alice');
    const bob = await kit.harness.connect('bob');
    const text = 'x'.repeat(1500);
    for (let i = 0; i < 6; i++) await bob.send(message('alice@localhost/web', `${i}${text}`));
    await settle();
    const got: string[] = [];
    for (let i = 0; i < 6 && got.length < 6; i++) {
      const res = await kit.send(body({ rid: s.next(), sid: s.sid }));
      kit.now += 3_000;
      expect(res.body!.length).toBeLessThan(4096 + 1024);
      got.push(...res.element.getChildren('message').map((m) => m.getChildText('body')!.slice(0, 1)));
    }
    expect(got).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('ends a session whose client does not ask for its payloads past limits.maxOutputBytes, and routes them offline', async () => {
    const s = await kit.signIn('alice');
    await kit.send(body({ rid: s.next(), sid: s.sid, pause: 60 })); // paused: nothing is held
    const bob = await kit.harness.connect('bob');
    for (let i = 0; i < 20; i++) await bob.send(message('alice@localhost/web', `${i} ${'y'.repeat(1000)}`));
    await settle();
    expect(kit.harness.core.sessions.forUser('alice')).toHaveLength(0);
    const res = await kit.send(body({ rid: s.next(), sid: s.sid }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
    expect(res.element.getChildren('message')).toHaveLength(0);
    // Every message reached storage once; the handed-back queue and later messages may interleave.
    expect(bodies(offline).map((b) => Number(b!.split(' ')[0])).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('hands the queue back on system-shutdown when no request is open to carry it', async () => {
    const s = await kit.signIn('alice');
    await kit.send(body({ rid: s.next(), sid: s.sid, pause: 60 }));
    const bob = await kit.harness.connect('bob');
    await bob.send(message('alice@localhost/web', 'before shutdown'));
    await settle();
    await kit.harness.core.shutdown();
    expect(bodies(offline)).toEqual(['before shutdown']);
  });
});
