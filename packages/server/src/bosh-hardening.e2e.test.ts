// Issue #7 §3 over real HTTP: a page reload (Converse.js with session restore) closes the held
// request's connection and the restored page goes on with the next rid, which must be neither
// overactivity nor a response into the dead connection (XEP-0124 §11, §14.3); a body that cannot be
// read (too large, not XML) ends its session at once, so that the next rid does not hang (§17.2).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { BoshClient, post, postAbortable, until } from './__tests__/raw-clients.js';

let server: TestNode;
let bob: Client;
beforeAll(async () => {
  server = await startTestNode({ raw: { bosh: { polling: 2, inactivity: 30 } } });
  for (const user of ['alice', 'bob']) await server.addUser(user, `pw-${user}`);
  bob = await signIn(server.port, 'bob', 'pw-bob', 'desk');
});
afterAll(async () => {
  await stopClient(bob);
  await server.stop();
});

const openRequests = (sid: string) => server.node.bosh.sessions.get(sid)?.openRequests ?? -1;

describe('BOSH page reload (XEP-0124 §14.3, issue #7 §3)', () => {
  it('drops a held request whose connection closed, so that the next rid is held and gets the next stanza (§11)', async () => {
    const alice = new BoshClient(server.httpPort);
    await alice.signIn('alice', 'pw-alice', 'converse', "wait='20' hold='1'");
    const held = postAbortable(server.httpPort, alice.body());
    await until(() => openRequests(alice.sid) === 1, () => 'the request was not held');
    held.abort(); // the page reloads
    await until(() => openRequests(alice.sid) === 0, () => 'the closed request is still held');
    // The restored page continues at once with the next rid, an empty poll (within `polling`).
    const next = post(server.httpPort, alice.body());
    await until(() => openRequests(alice.sid) === 1, () => 'the next request was not held');
    await bob.send(xml('message', { to: 'alice@localhost/converse', type: 'chat' }, xml('body', {}, 'still there?')));
    const reply = await next;
    expect(reply.body).not.toContain("type='terminate'");
    expect(reply.body).toContain('still there?');
    expect(await held.reply).toBeUndefined();
  });
});

describe('unreadable BOSH bodies (XEP-0124 §17.2, issue #7 §3)', () => {
  it('ends the session of an oversized body with policy-violation, and answers its next rid at once', async () => {
    const alice = new BoshClient(server.httpPort);
    await alice.signIn('alice', 'pw-alice', 'big');
    const huge = alice.body('', `<message to='bob@localhost' xmlns='jabber:client'><body>${'z'.repeat(300_000)}</body></message>`);
    const refused = await post(server.httpPort, huge);
    expect(refused.body).toMatch(/type='terminate' condition='policy-violation'/);
    const next = await alice.send();
    expect(next.body).toMatch(/type='terminate'/);
    expect(server.node.core.sessions.get('alice', 'big')).toBeUndefined();
  });

  it('ends the session of a body that is not XML with bad-request, and answers its next rid at once', async () => {
    const alice = new BoshClient(server.httpPort);
    await alice.signIn('alice', 'pw-alice', 'broken');
    const refused = await post(server.httpPort, alice.body('', '<message><unclosed>'));
    expect(refused.body).toMatch(/type='terminate' condition='bad-request'/);
    const next = await alice.send();
    expect(next.body).toMatch(/type='terminate'/);
    expect(server.node.core.sessions.get('alice', 'broken')).toBeUndefined();
  });

  it('refuses a creation body over xml.maxStanzaBytesBeforeAuth before reading all of it (issue #7 §2)', async () => {
    const creation = `<body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='localhost' ver='1.6' wait='10' hold='1'>${' '.repeat(40_000)}</body>`;
    const refused = await post(server.httpPort, creation);
    expect(refused.body).toMatch(/type='terminate' condition='policy-violation'/);
    expect(refused.body).toContain('xml.maxStanzaBytesBeforeAuth');
  });
});
