// The cluster module through two Cores sharing state (harness cluster mode): discovery in the
// stream features before authentication (XEP-0233 <hostname/>, urn:deskchat:cluster:0), the
// serving rule after it (see-other-host over TCP, see-other-uri over BOSH/WebSocket), and fencing.
import { describe, expect, it, beforeEach } from '@jest/globals';
import xml, { type Element } from '@xmpp/xml';
import { NS, StreamError } from '@deskchat/protocol';
import { FakeTransport, Harness, testNode } from '@deskchat/testing';
import type { Core } from '../core.js';
import { clusterModule, CLUSTER_NS, DOMAIN_BASED_NAME_NS } from './cluster-module.js';
import { MemoryClusterRegistry } from './memory-cluster-registry.js';

let now = 1_000_000;
let registry: MemoryClusterRegistry;
let h: Harness;

async function cluster(redirect = true): Promise<void> {
  registry = new MemoryClusterRegistry(() => now);
  // Two nodes of pair1 in this process; pair2 exists only in the registry (other processes).
  for (const n of ['imp1a', 'imp1b', 'imp2a', 'imp2b']) await registry.join(testNode(n, n.slice(0, 4) === 'imp1' ? 'pair1' : 'pair2'), 6000);
  h = await Harness.create({
    nodes: 2,
    nodeModules: (_node, i) => [
      clusterModule({ registry, self: testNode(['imp1a', 'imp1b'][i], 'pair1'), redirect }),
    ],
  });
  for (const u of ['alice', 'bob']) await h.addUser(u);
  await registry.assign('alice', 'imp1a');
  await registry.assign('bob', 'imp2b');
}

/** Opens a stream on `core` (optionally announcing `from`) and returns its transport and features. */
async function open(core: Core, from?: string, kind: 'tcp' | 'bosh' = 'tcp'): Promise<{ transport: FakeTransport; features: Element; session: ReturnType<Core['createSession']> }> {
  const transport = new FakeTransport({ kind });
  const session = core.createSession(transport);
  await session.onStreamOpen({ to: 'localhost', version: '1.0', xmlns: NS.CLIENT, ...(from ? { from } : {}) });
  return { transport, session, features: await transport.next((el) => el.name === 'stream:features') };
}

async function authenticate(t: { transport: FakeTransport; session: ReturnType<Core['createSession']> }, user: string): Promise<void> {
  await t.session.onElement(xml('auth', { xmlns: NS.SASL, mechanism: 'PLAIN' }, Buffer.from(`\0${user}\0secret`).toString('base64')));
  await t.transport.next((el) => el.name === 'success');
}

const hostnames = (features: Element) => features.getChild('mechanisms', NS.SASL)!.getChildren('hostname', DOMAIN_BASED_NAME_NS).map((e) => e.getText());

beforeEach(async () => {
  now = 1_000_000;
  await cluster();
});

describe('discovery before authentication (design.md §5)', () => {
  it("names the user's home then backup as XEP-0233 hostnames and as addresses for browsers", async () => {
    const { features } = await open(h.cores[1], 'bob@localhost');
    expect(hostnames(features)).toEqual(['imp2b.example.com', 'imp2a.example.com']);
    const home = features.getChild('home', CLUSTER_NS)!;
    expect(home.attrs).toEqual({ xmlns: CLUSTER_NS, node: 'imp2b', bosh: 'https://imp2b.example.com:5280/http-bind', websocket: 'wss://imp2b.example.com:5280/xmpp-websocket', host: 'imp2b.example.com', port: '5222' });
    expect(features.getChild('backup', CLUSTER_NS)?.attrs.node).toBe('imp2a');
    // The ordinary SASL mechanisms are still there.
    expect(features.getChild('mechanisms', NS.SASL)!.getChildren('mechanism').map((m) => m.getText())).toContain('SCRAM-SHA-256');
  });

  it('answers an unknown user with the same shape, from a stable pair (no user enumeration)', async () => {
    const first = await open(h.cores[0], 'nobody-here@localhost');
    const second = await open(h.cores[1], 'nobody-here@localhost');
    expect(hostnames(first.features)).toHaveLength(2);
    expect(hostnames(first.features)).toEqual(hostnames(second.features));
    expect(first.features.getChild('home', CLUSTER_NS)?.attrs.node).toMatch(/^imp[12]a$/);
    expect(Object.keys(first.features.getChild('home', CLUSTER_NS)!.attrs).sort()).toEqual(['bosh', 'host', 'node', 'port', 'websocket', 'xmlns']);
  });

  it('says nothing of nodes to a stream without a from', async () => {
    const { features } = await open(h.cores[0]);
    expect(hostnames(features)).toEqual([]);
    expect(features.getChild('home', CLUSTER_NS)).toBeUndefined();
  });
});

describe('serving after authentication', () => {
  it('serves a user at home', async () => {
    const alice = await h.connect('alice', { node: 0 });
    expect(alice.session.state).toBe('bound');
  });

  it("sends a TCP client that signed in elsewhere to its home with see-other-host, on the restarted stream (RFC 6120 §4.9.3.19)", async () => {
    const t = await open(h.cores[1], 'alice@localhost');
    await authenticate(t, 'alice');
    expect(t.transport.closedWith).toBeUndefined();
    await t.session.onStreamOpen({ to: 'localhost', version: '1.0', xmlns: NS.CLIENT });
    const error = t.transport.closedWith as StreamError;
    expect([error.condition, error.seeOtherHost]).toEqual(['see-other-host', 'imp1a.example.com:5222']);
    await expect(h.cores[1].directory.resourcesOf('alice')).resolves.toEqual([]);
  });

  it('sends a BOSH client to the home BOSH URL (see-other-uri)', async () => {
    const t = await open(h.cores[0], 'bob@localhost', 'bosh');
    await authenticate(t, 'bob');
    expect(t.transport.redirectedTo?.bosh).toBe('https://imp2b.example.com:5280/http-bind');
    expect(t.session.state).toBe('closed');
  });

  it('lets the backup serve while the home is dead, and sends new sign-ins home once it is back', async () => {
    await registry.leave('imp1a', 'imp1a-1');
    const t = await open(h.cores[1], 'alice@localhost');
    await authenticate(t, 'alice');
    expect(t.session.state).toBe('authenticated');
    await registry.join(testNode('imp1a', 'pair1', 'imp1a-2'), 6000);
    const later = await open(h.cores[1], 'alice@localhost', 'bosh');
    await authenticate(later, 'alice');
    expect(later.transport.redirectedTo?.bosh).toBe('https://imp1a.example.com:5280/http-bind');
  });

  it('assigns an existing user nobody assigned to the node discovery named', async () => {
    await h.addUser('carol');
    const { features } = await open(h.cores[0], 'carol@localhost');
    const home = features.getChild('home', CLUSTER_NS)!.attrs.node;
    const t = await open(h.cores[home === 'imp1a' ? 0 : 1], 'carol@localhost', 'bosh');
    await authenticate(t, 'carol');
    if (home === 'imp1a' || home === 'imp1b') await expect(registry.assignmentOf('carol')).resolves.toBe(home);
    else expect(t.transport.redirectedTo?.bosh).toContain(home);
  });

  it('serves anyone anywhere with redirect off', async () => {
    await cluster(false);
    const bob = await h.connect('bob', { node: 0 });
    expect(bob.session.state).toBe('bound');
  });
});
