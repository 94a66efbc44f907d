// The BOSH wire in a real node (issue #7 §8): BOSH sessions over plain HTTP and HTTPS are read on
// the raw socket, not by node's HTTP server, while every other request on port 5280 (the gadget,
// WebSocket, a BOSH request the wire does not take) still reaches node's HTTP server.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { BOSH_NS, FRAMING_OPEN, BoshClient, TextWebSocket, post, until } from './__tests__/raw-clients.js';

let plain: TestNode;
let secure: TestNode;
let bob: Client;
beforeAll(async () => {
  plain = await startTestNode();
  secure = await startTestNode({ tls: true });
  for (const node of [plain, secure]) for (const user of ['alice', 'bob']) await node.addUser(user, `pw-${user}`);
  bob = await signIn(plain.port, 'bob', 'pw-bob', 'desk');
});
afterAll(async () => {
  await stopClient(bob);
  await plain.stop();
  await secure.stop();
});

describe('the BOSH wire in a node', () => {
  it('holds a signed-in session’s long poll on its own connection and delivers on it', async () => {
    const alice = new BoshClient(plain.httpPort);
    await alice.signIn('alice', 'pw-alice', 'wire', "wait='20' hold='1'");
    const poll = alice.send();
    const session = () => plain.node.bosh.sessions.get(alice.sid);
    await until(() => session()?.openRequests === 1, () => 'the poll was not held');
    // Each request of this client came on a connection of its own: the held one is the wire's.
    expect(plain.node.boshWire.connections).toBeGreaterThanOrEqual(1);
    await bob.send(xml('message', { to: 'alice@localhost/wire', type: 'chat' }, xml('body', {}, 'over the wire')));
    expect((await poll).body).toContain('over the wire');
  });

  it('serves BOSH over HTTPS the same way', async () => {
    const alice = new BoshClient(secure.httpPort, true);
    await alice.signIn('alice', 'pw-alice', 'tls', "wait='20' hold='1'");
    const poll = alice.send();
    await until(() => secure.node.bosh.sessions.get(alice.sid)?.openRequests === 1, () => 'the poll was not held');
    expect(secure.node.boshWire.connections).toBeGreaterThanOrEqual(1);
    // A second request releases the held one (hold = 1, XEP-0124 §11), on its TLS connection.
    void alice.send('', "<presence xmlns='jabber:client'/>");
    const released = await poll;
    expect(released.status).toBe(200);
    expect(released.body).toContain('httpbind');
  });

  it('leaves what it does not take to node: GET on the BOSH path (405), a chunked body, the WebSocket upgrade', async () => {
    const get = await fetch(`http://127.0.0.1:${plain.httpPort}/http-bind`);
    expect(get.status).toBe(405);
    expect(await get.text()).toContain('BOSH takes POST');
    // A session created with a chunked body (no Content-Length) is read by node's HTTP server.
    const created = await post(plain.httpPort, `<body ${BOSH_NS} rid='10' to='localhost' wait='5' hold='1' ver='1.6' xmpp:version='1.0'/>`, { headers: { 'Transfer-Encoding': 'chunked' } });
    expect(created.body).toMatch(/sid='[^']+'/);
    const ws = await TextWebSocket.open(plain.httpPort);
    ws.ws.send(FRAMING_OPEN);
    await ws.waitFor(/<open [^>]*id=/);
    ws.ws.close();
  });
});
