// Issue #7 §1: a stream refused at the node's limit (`limits.maxSessions` counts every stream of
// every transport) or during shutdown gets its stream error on 5222, 5223, BOSH and WebSocket, and
// the node keeps serving. Before the fix the TCP refusal threw a TypeError out of the net.Server
// connection listener and the process died (here: the jest process).
import { describe, it, expect, afterEach } from '@jest/globals';
import { signIn, startTestNode, stopClient, trustCertificate, STREAM_HEADER, type TestNode } from './__tests__/e2e-helpers.js';
import { FRAMING_OPEN, TextSocket, TextWebSocket, BoshClient } from './__tests__/raw-clients.js';

let server: TestNode | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Every transport asks for a stream and must get `condition` (RFC 6120 §4.9.3) in its own framing. */
async function expectRefusedEverywhere(node: TestNode, condition: string): Promise<void> {
  const streamError = new RegExp(`<stream:error[^>]*><${condition} xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]/>`);
  const tcp = await TextSocket.plain(node.port);
  tcp.write(STREAM_HEADER);
  await tcp.waitFor(streamError);
  await tcp.waitFor(/<\/stream:stream>/);
  const direct = await TextSocket.tls(node.node.ports.directTls!);
  direct.write(STREAM_HEADER);
  await direct.waitFor(streamError);
  const bosh = new BoshClient(node.httpPort, true);
  const created = await bosh.create();
  expect(created.body).toMatch(/type='terminate'/);
  // XEP-0124 §17.2 / XEP-0206 §5: system-shutdown as itself; a resource limit as policy-violation (bosh/conditions.ts), with the stream error inside.
  expect(created.body).toMatch(condition === 'system-shutdown' ? /condition='system-shutdown'/ : /condition='policy-violation'/);
  if (condition !== 'system-shutdown') expect(created.body).toMatch(streamError);
  const ws = await TextWebSocket.open(node.httpPort, { secure: true });
  ws.ws.send(FRAMING_OPEN);
  await ws.waitFor(streamError);
  await ws.waitFor(/<close xmlns=/);
  for (const socket of [tcp, direct]) socket.socket.destroy();
  ws.ws.terminate();
}

describe('refused streams (issue #7 §1)', () => {
  it('answers resource-constraint on every transport at limits.maxSessions and keeps serving (RFC 6120 §4.9.3.17)', async () => {
    server = await startTestNode({ tls: true, raw: { requireTls: false, limits: { maxSessions: 1 } } });
    await server.addUser('alice', 'pw-alice');
    const holder = await TextSocket.plain(server.port); // the one stream the node may hold
    holder.write(STREAM_HEADER);
    await holder.waitFor(/<\/stream:features>/);
    await expectRefusedEverywhere(server, 'resource-constraint');
    // Still alive and serving once a slot is free.
    holder.socket.destroy();
    await holder.waitClosed();
    await new Promise((r) => setImmediate(r));
    const untrust = await trustCertificate(server.config.tls!.certFile);
    try {
      const alice = await signIn(server.port, 'alice', 'pw-alice', 'after');
      expect(alice.jid?.toString()).toBe('alice@localhost/after');
      await stopClient(alice);
    } finally {
      untrust();
    }
  });

  it('answers system-shutdown on every transport to a stream that arrives while the node shuts down (RFC 6120 §4.9.3.22)', async () => {
    server = await startTestNode({ tls: true, raw: { requireTls: false } });
    await server.node.core.shutdown(); // listeners are still open: the window in which a connection can arrive
    await expectRefusedEverywhere(server, 'system-shutdown');
  });
});
