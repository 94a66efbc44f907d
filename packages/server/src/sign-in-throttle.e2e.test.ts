// Issue #7 §4 over real HTTP behind a trusted reverse proxy (http.trustProxy): failed sign-ins are
// counted per (client address, username), the client address being the one the proxy forwards
// (X-Forwarded-For), so one agent's typos behind the contact centre's NAT lock out that agent only.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestNode, type TestNode } from './__tests__/e2e-helpers.js';
import { BoshClient, TextWebSocket } from './__tests__/raw-clients.js';

let server: TestNode;
beforeAll(async () => {
  server = await startTestNode({ raw: { http: { trustProxy: true }, limits: { authFailuresPerUser: 2, authAttemptsPerStream: 5 } } });
  for (const user of ['alice', 'bob']) await server.addUser(user, 'secret');
});
afterAll(() => server.stop());

const plain = (user: string, password: string) => `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`;
const behindProxy = (address: string) => ({ 'X-Forwarded-For': address, 'X-Forwarded-Proto': 'https' });
const outcome = (body: string) => /<success/.test(body) ? 'success' : /<failure[^>]*><([a-z-]+)/.exec(body)?.[1] ?? body;

async function boshAttempts(address: string, tries: [string, string][]): Promise<string[]> {
  const client = new BoshClient(server.httpPort, false, behindProxy(address));
  await client.create("wait='5' hold='1'");
  const out: string[] = [];
  for (const [user, password] of tries) out.push(outcome((await client.send('', plain(user, password))).body));
  return out;
}

describe('sign-in throttling behind a trusted proxy (issue #7 §4)', () => {
  it('locks alice from the forwarded address after authFailuresPerUser, over BOSH', async () => {
    expect(await boshAttempts('203.0.113.5', [['alice', 'typo'], ['alice', 'typo'], ['alice', 'secret']])).toEqual(['not-authorized', 'not-authorized', 'temporary-auth-failure']);
  });

  it('still signs in bob from the same forwarded address, and alice from another one', async () => {
    expect(await boshAttempts('203.0.113.5', [['bob', 'secret']])).toEqual(['success']);
    expect(await boshAttempts('203.0.113.6', [['alice', 'secret']])).toEqual(['success']);
  });

  it('counts the forwarded address over WebSocket too', async () => {
    const ws = await TextWebSocket.open(server.httpPort, { headers: behindProxy('203.0.113.5') });
    ws.ws.send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>");
    await ws.waitFor(/<\/stream:features>/);
    ws.ws.send(plain('alice', 'secret'));
    await ws.waitFor(/<temporary-auth-failure\/>/);
    ws.ws.terminate();
  });
});
