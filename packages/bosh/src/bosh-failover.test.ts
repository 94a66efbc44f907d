// A BOSH session continued on another node after its node died (issue "Failover", design.md §5):
// two Cores sharing state (harness cluster mode, with the shared BOSH state), a BOSH service on
// each. The client resends to the second node what it had sent to the first; the session goes on
// with the same sid, nothing lost, nothing duplicated, and no sign-out seen by anyone.
import { beforeEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { takeOver, type Module } from '@deskchat/core';
import { Harness, stanzaMatching, type HarnessClient } from '@deskchat/testing';
import { BoshKit, body, settle, type KitSession } from './__tests__/bosh-kit.js';

const chat = (to: string, text: string, from?: string) => xml('message', { to, type: 'chat', ...(from ? { from } : {}), xmlns: 'jabber:client' }, xml('body', {}, text));
const bodies = (text: string | undefined) => [...(text ?? '').matchAll(/<body>([^<]*)<\/body>/g)].map((m) => m[1]);

let h: Harness;
let a: BoshKit<Harness>;
let b: BoshKit<Harness>;
let s: KitSession;
let bob: HarnessClient;
let unbound: string[];

beforeEach(async () => {
  h = await Harness.create({ nodes: 2, modules: [] });
  a = await BoshKit.create(h, {}, h.cores[0]);
  b = await BoshKit.create(h, {}, h.cores[1]);
  s = await a.signIn('alice');
  bob = await h.connect('bob', { resource: 'desk', node: 1 });
  unbound = [];
  for (const core of h.cores) core.hooks.on('session/unbound', ({ session }) => void unbound.push(session.jid!.toString()));
  await settle();
});

/** Node 1 dies: it stops reading the bus, and its BOSH service is never asked again. */
async function killNodeA(): Promise<void> {
  await h.crash(0);
}

describe('BOSH session continued on the pair peer', () => {
  it('answers a resent request with the response the dead node had sent (the client never got it), then goes on', async () => {
    const held = a.post(body({ rid: s.next(), sid: s.sid }));
    await bob.send(chat('alice@localhost/web', 'one'));
    await settle();
    expect(bodies(held.body)).toEqual(['one']); // written by node 1, lost on the way with the node
    await killNodeA();
    await bob.send(chat('alice@localhost/web', 'two'));
    b.now = a.now;
    const resent = await b.send(body({ rid: s.rid - 1, sid: s.sid }));
    expect(resent.body).toBe(held.body); // the same bytes, from shared state (XEP-0124 §14.3)
    const next = await b.send(body({ rid: s.next(), sid: s.sid }));
    expect(bodies(next.body)).toEqual(['two']);
    await expect(h.core.directory.get('alice', 'web')).resolves.toMatchObject({ node: 'node2' });
    expect(unbound).toEqual([]);
  });

  it('sends what waited in the queue of the dead node, once', async () => {
    await bob.send(chat('alice@localhost/web', 'queued on node 1'));
    await killNodeA();
    await bob.send(chat('alice@localhost/web', 'sent after it died'));
    b.now = a.now;
    const first = await b.send(body({ rid: s.next(), sid: s.sid }));
    expect(bodies(first.body)).toEqual(['queued on node 1', 'sent after it died']);
    const poll = b.post(body({ rid: s.next(), sid: s.sid }));
    await bob.send(chat('alice@localhost/web', 'marker'));
    await settle();
    expect(bodies(poll.body)).toEqual(['marker']);
  });

  it('does not handle twice the payloads of a request the dead node received but never answered', async () => {
    const rid = s.next();
    a.post(body({ rid, sid: s.sid }, chat('bob@localhost/desk', 'exactly once')));
    await settle();
    await bob.next(stanzaMatching('message'));
    await killNodeA();
    b.now = a.now;
    const resent = b.post(body({ rid, sid: s.sid }, chat('bob@localhost/desk', 'exactly once')));
    await settle();
    // The marker comes after anything the resend could have caused.
    await b.send(body({ rid: s.next(), sid: s.sid }, chat('bob@localhost/desk', 'marker')));
    const next = await bob.next(stanzaMatching('message'));
    expect(next.getChildText('body')).toBe('marker');
    expect(resent.destroyed).toBe(false); // held for its answer, not refused
  });

  it('continues every request that was open at the crash (hold = 2: a long poll and a send both held), resent in either order', async () => {
    await a.send(body({ rid: s.next(), sid: s.sid, type: 'terminate' }));
    s = await a.signIn('alice', 'web', { hold: 2 });
    await settle();
    const pollRid = s.next();
    a.post(body({ rid: pollRid, sid: s.sid }));
    const sendRid = s.next();
    a.post(body({ rid: sendRid, sid: s.sid }, chat('bob@localhost/desk', 'sent before the crash')));
    await settle();
    await bob.next(stanzaMatching('message'));
    await killNodeA();
    b.now = a.now;
    // The send is resent first (the client's order is not guaranteed), then the poll.
    const resentSend = b.post(body({ rid: sendRid, sid: s.sid }, chat('bob@localhost/desk', 'sent before the crash')));
    await settle();
    const resentPoll = b.post(body({ rid: pollRid, sid: s.sid }));
    await settle();
    await bob.send(chat('alice@localhost/web', 'after the move'));
    await settle();
    const answered = [resentSend, resentPoll].filter((r) => r.body !== undefined);
    expect(answered.flatMap((r) => bodies(r.body))).toEqual(['after the move']);
    for (const r of [resentSend, resentPoll]) {
      expect(r.destroyed).toBe(false);
      expect(r.body ?? '').not.toContain('terminate');
    }
    // The session goes on, and bob never saw the first message twice.
    await b.send(body({ rid: s.next(), sid: s.sid }, chat('bob@localhost/desk', 'marker')));
    expect((await bob.next(stanzaMatching('message'))).getChildText('body')).toBe('marker');
  });

  it('refuses a sid that no node knows with item-not-found', async () => {
    const res = await b.send(body({ rid: 5, sid: 'no-such-sid' }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });

  it('keeps nothing for a session that ended normally', async () => {
    await a.send(body({ rid: s.next(), sid: s.sid, type: 'terminate' }));
    await settle();
    const res = await b.send(body({ rid: s.next(), sid: s.sid }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });

  it('ends a session nobody continued within its inactivity: lost for the modules, what waited for it routed again to the user\'s bare JID, and the sid forgotten', async () => {
    // What the router routes to alice's bare JID on the surviving node (IM delivers it to her other
    // resources or to offline storage; no IM module here, so this stands in for it).
    const routedToBare: string[] = [];
    h.cores[1].hooks.on('message/bare', ({ stanza }) => {
      if (stanza.attrs.to === 'alice@localhost') routedToBare.push(stanza.getChildText('body') ?? '');
      return true;
    });
    const lost: string[] = [];
    h.cores[1].hooks.on('session/lost', ({ username, resource }) => void lost.push(`${username}/${resource}`));
    await bob.send(chat('alice@localhost/web', 'queued on node 1'));
    await settle();
    await killNodeA();
    await bob.send(chat('alice@localhost/web', 'sent after it died'));
    await settle();
    // Within its inactivity the session waits to be continued: nothing ends, nothing is broadcast.
    await expect(takeOver(h.cores[1], 'node1', a.now + 1_000)).resolves.toEqual({ sessions: 0, stanzas: 0 });
    expect(lost).toEqual([]);
    expect(routedToBare).toEqual([]);
    // Past it (60 s here), the takeover ends it as an idle session would end.
    await expect(takeOver(h.cores[1], 'node1', a.now + 61_000)).resolves.toEqual({ sessions: 1, stanzas: 2 });
    expect(lost).toEqual(['alice/web']);
    expect(routedToBare).toEqual(['queued on node 1', 'sent after it died']);
    b.now = a.now + 61_000;
    const res = await b.send(body({ rid: s.next(), sid: s.sid }));
    expect(res.element.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
    expect(unbound).toEqual([]); // the dead node's session never unbound anywhere: it was lost, and said so once
  });
});

describe('a request answered at once (stanzas were waiting) while its own payloads are still being handled', () => {
  it('is not answered before they are handled: the node dying in between leaves it to be resent, and its payload is not lost', async () => {
    // Node 1 routes a message with body 'slow' only once released: it dies before that.
    let isStuck = false;
    const stuck: Module = {
      name: 'stuck-routing',
      setup(api) {
        api.hook('message/full', async ({ stanza }) => {
          if (stanza.getChildText('body') !== 'slow') return false;
          isStuck = true;
          return new Promise<boolean>(() => {});
        }, 100);
      },
    };
    h = await Harness.create({ nodes: 2, modules: [], nodeModules: (_node, i) => (i === 0 ? [stuck] : []) });
    a = await BoshKit.create(h, {}, h.cores[0]);
    b = await BoshKit.create(h, {}, h.cores[1]);
    s = await a.signIn('alice');
    bob = await h.connect('bob', { resource: 'desk', node: 1 });
    await settle();
    await bob.send(chat('alice@localhost/web', 'waiting for alice'));
    await settle();
    const rid = s.next();
    const answered = a.post(body({ rid, sid: s.sid }, chat('bob@localhost/desk', 'slow')));
    await settle();
    expect(isStuck).toBe(true);
    // Before its payload is handled, rid's response (with the waiting stanza) is neither recorded nor written.
    expect(answered.body).toBeUndefined();
    await killNodeA();
    b.now = a.now;
    const resent = await b.send(body({ rid, sid: s.sid }, chat('bob@localhost/desk', 'slow')));
    expect(bodies(resent.body)).toEqual(['waiting for alice']);
    expect((await bob.next(stanzaMatching('message'))).getChildText('body')).toBe('slow');
  });
});
