// TcpTransport over a real loopback socket with an in-process core (issue #7 §2, input side): while
// parsed elements wait for core, reading from the socket pauses, so that a client writing faster
// than the node handles cannot make it queue without bound; reading resumes once core catches up.
import { describe, it, expect, afterEach } from '@jest/globals';
import net from 'node:net';
import { Harness } from '@deskchat/testing';
import { DEFAULT_C2S_OPTIONS } from './options.js';
import { TcpTransport } from './tcp-transport.js';

const HEADER = "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 4000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('TcpTransport input (issue #7 §2)', () => {
  it('pauses reading while parsed elements wait for core, and resumes when they are handled', async () => {
    const harness = await Harness.create();
    await harness.addUser('alice');
    let serverSocket: net.Socket | undefined;
    const server = net.createServer((socket) => {
      serverSocket = socket;
      new TcpTransport(harness.core, socket, DEFAULT_C2S_OPTIONS, undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => server.close());
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    cleanups.push(() => client.destroy());
    let received = '';
    client.setEncoding('utf8').on('data', (d: string) => (received += d));
    const step = async (write: string, expected: RegExp) => {
      client.write(write);
      await until(() => expected.test(received), `${expected} in ${received}`);
      received = '';
    };
    await step(HEADER, /<\/stream:features>/);
    await step(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0alice\0secret').toString('base64')}</auth>`, /<success/);
    await step(HEADER, /<\/stream:features>/);
    await step(`<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>`, /<jid>/);
    // Core is stuck on the first ping until released.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    harness.core.hooks.on('iq/host', async () => void (await gate), 100);
    const pings = Array.from({ length: 300 }, (_, i) => `<iq type='get' id='p${i}' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`).join('');
    client.write(pings);
    await until(() => serverSocket!.isPaused(), 'the socket was never paused');
    release();
    await until(() => (received.match(/type=['"]result['"]/g) ?? []).length === 300, 'not every ping was answered');
    expect(serverSocket!.isPaused()).toBe(false);
  });
});
