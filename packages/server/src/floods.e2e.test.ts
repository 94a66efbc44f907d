// Issue #7 §2, before authentication: per-address caps on unauthenticated streams and on
// connections, a node-wide connection cap below the file limit (so the admin port is still served),
// a small stanza limit and a short timeout before SASL success. Limits are configured small so that
// the floods stay cheap and deterministic; other loopback addresses (127.0.0.x) play other clients.
import { describe, it, expect, afterEach } from '@jest/globals';
import http from 'node:http';
import { startTestNode, STREAM_HEADER, type TestNode } from './__tests__/e2e-helpers.js';
import { TextSocket, signInRaw, until } from './__tests__/raw-clients.js';

let server: TestNode | undefined;
const sockets: TextSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.socket.destroy();
  await server?.stop();
  server = undefined;
});

async function open(port: number, localAddress: string): Promise<TextSocket> {
  const socket = await TextSocket.plain(port, localAddress);
  sockets.push(socket);
  return socket;
}

function health(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject);
  });
}

const POLICY = /<stream:error><policy-violation xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]\/>/;

describe('before authentication (issue #7 §2)', () => {
  it('refuses unauthenticated streams past limits.unauthenticatedPerAddress with policy-violation; another address signs in', async () => {
    server = await startTestNode({ raw: { limits: { unauthenticatedPerAddress: 4 } } });
    await server.addUser('alice', 'pw-alice');
    const flood: TextSocket[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await open(server.port, '127.0.0.1');
      s.write(STREAM_HEADER);
      flood.push(s);
    }
    for (const s of flood.slice(0, 4)) await s.waitFor(/<\/stream:features>/);
    for (const s of flood.slice(4)) {
      await s.waitFor(POLICY);
      await s.waitClosed();
    }
    const alice = await open(server.port, '127.0.0.2');
    await signInRaw(alice, 'alice', 'pw-alice', 'desk');
  });

  it('ends a stream whose unfinished stanza passes xml.maxStanzaBytesBeforeAuth with policy-violation', async () => {
    server = await startTestNode({ raw: { xml: { maxStanzaBytesBeforeAuth: 4096 } } });
    const s = await open(server.port, '127.0.0.1');
    s.write(STREAM_HEADER);
    await s.waitFor(/<\/stream:features>/);
    s.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${'A'.repeat(8192)}`);
    await s.waitFor(POLICY);
    expect(s.received).toContain('stanza larger than 4096 bytes');
    await s.waitClosed();
  });

  it('closes a stream that does not authenticate within limits.authTimeout with connection-timeout', async () => {
    server = await startTestNode({ raw: { limits: { authTimeout: 1 } } });
    const s = await open(server.port, '127.0.0.1');
    s.write(STREAM_HEADER);
    await s.waitFor(/<connection-timeout xmlns=/, 3000);
    await s.waitClosed();
  });
});

describe('descriptors (issue #7 §2)', () => {
  it('caps connections per address and per node; the admin port and a sign-in within the caps are still served', async () => {
    server = await startTestNode({ raw: { limits: { connectionsPerAddress: 5, maxConnections: 12 } } });
    await server.addUser('alice', 'pw-alice');
    const fromOne: TextSocket[] = [];
    for (let i = 0; i < 8; i++) fromOne.push(await open(server.port, '127.0.0.3'));
    await until(() => fromOne.filter((s) => s.isClosed).length === 3, () => `closed: ${fromOne.filter((s) => s.isClosed).length} of 8`);
    for (const s of fromOne.filter((x) => !x.isClosed)) {
      s.write(STREAM_HEADER);
      await s.waitFor(/<\/stream:features>/); // the five kept are served
    }
    // Two more addresses fill the node-wide cap (12): the 13th connection and beyond are closed at once.
    const others: TextSocket[] = [];
    for (const address of ['127.0.0.4', '127.0.0.5']) for (let i = 0; i < 5; i++) others.push(await open(server.port, address));
    await until(() => others.filter((s) => s.isClosed).length === 3, () => `closed: ${others.filter((s) => s.isClosed).length} of 10`);
    expect(await health(server.node.ports.admin)).toBe(200);
    // Once one of the flood's connections is gone, a normal sign-in gets the freed descriptor.
    expect(server.node.core.streams.size).toBe(12); // every accepted connection is a stream
    fromOne.find((s) => !s.isClosed)!.socket.destroy();
    await until(() => server!.node.core.streams.size === 11, () => 'the server did not see the connection close');
    const alice = await open(server.port, '127.0.0.6');
    await signInRaw(alice, 'alice', 'pw-alice', 'desk');
  });
});
