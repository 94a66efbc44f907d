// The node bus's close order with `redirect` (design.md §5, issue 8 §4 "Moving a signed-in user
// closes its sessions with see-other-host so its clients follow"): another node — the CLI or the
// admin API moving a user — tells the node holding a session to send it to the user's new home.
// Two Cores sharing memory state (harness cluster mode); the order travels on the bus from node1 to node2.
import { describe, expect, it } from '@jest/globals';
import { StreamError } from '@deskchat/protocol';
import { FakeTransport, Harness, eventually, testNode } from '@deskchat/testing';

const home = testNode('imp2b', 'pair2');
const address = { host: home.host, port: home.port, bosh: home.bosh, websocket: home.websocket };

async function twoNodes(): Promise<Harness> {
  const h = await Harness.create({ nodes: 2 });
  await h.addUser('alice');
  return h;
}

describe("the bus's close order with a redirect", () => {
  it('sends a TCP session to the named node with see-other-host host:port (RFC 6120 §4.9.3.19)', async () => {
    const h = await twoNodes();
    const alice = await h.connect('alice', { node: 1, resource: 'desk' });
    await h.cores[0].bus.publish('node2', { type: 'close', username: 'alice', resource: 'desk', sessionId: alice.session.id, condition: 'see-other-host', text: 'alice moved to imp2b', redirect: address });
    const error = alice.transport.closedWith as StreamError;
    expect([error.condition, error.seeOtherHost, error.text]).toEqual(['see-other-host', 'imp2b.example.com:5222', 'alice moved to imp2b']);
    expect(alice.session.state).toBe('closed');
    await eventually(async () => (await h.core.directory.resourcesOf('alice')).length === 0, 'the directory entry removed');
  });

  it("sends a BOSH session with the transport's own signal (see-other-uri naming the BOSH URL)", async () => {
    const h = await twoNodes();
    const alice = await h.connect('alice', { node: 1, transport: new FakeTransport({ kind: 'bosh' }) });
    await h.cores[0].bus.publish('node2', { type: 'close', username: 'alice', resource: alice.jid.resource, sessionId: alice.session.id, condition: 'see-other-host', redirect: address });
    expect(alice.transport.redirectedTo).toEqual(address);
    expect(alice.session.state).toBe('closed');
  });

  it('leaves a newer session of the same full JID alone, and still closes plainly without a redirect', async () => {
    const h = await twoNodes();
    const old = await h.connect('alice', { node: 1, resource: 'desk' });
    const oldId = old.session.id;
    const newer = await h.connect('alice', { node: 1, resource: 'desk' }); // replaces the old one (RFC 6120 §7.7.2.2)
    await h.cores[0].bus.publish('node2', { type: 'close', username: 'alice', resource: 'desk', sessionId: oldId, condition: 'see-other-host', redirect: address });
    expect(newer.transport.closedWith).toBeUndefined();
    expect(newer.session.state).toBe('bound');
    await h.cores[0].bus.publish('node2', { type: 'close', username: 'alice', resource: 'desk', sessionId: newer.session.id, condition: 'conflict', text: 'replaced' });
    expect((newer.transport.closedWith as StreamError).condition).toBe('conflict');
    expect(newer.transport.redirectedTo).toBeUndefined();
  });
});
