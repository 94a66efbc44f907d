// Strophe.js (a third-party BOSH client, run in Node as its docs describe: @xmldom/xmldom and ws,
// plus an XMLHttpRequest) against a real node: SCRAM sign-in and bind over BOSH (XEP-0206), the
// roster (RFC 6121 §2), messages both ways with a TCP client, a response lost by the network and
// recovered by Strophe resending the same rid (XEP-0124 §14.3), and a clean terminate (§13).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import http from 'node:http';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

// Strophe's Node entry installs DOMParser, XMLSerializer, document and WebSocket; BOSH also needs
// XMLHttpRequest. xhr2 provides it but no responseXML, which Strophe reads: parse responseText.
const xhr2 = 'xhr2';
const XHR2 = (await import(xhr2)).default as { new (): { responseText: string } };
const strophe = await import('strophe.js');
const { Strophe, $msg, $iq, $pres } = strophe;
const { DOMParser } = globalThis as unknown as { DOMParser: new () => { parseFromString(text: string, type: string): unknown } };
class XMLHttpRequestWithXml extends XHR2 {
  get responseXML(): unknown {
    return this.responseText ? new DOMParser().parseFromString(this.responseText, 'text/xml') : null;
  }
}
Object.assign(globalThis, { XMLHttpRequest: XMLHttpRequestWithXml });
Strophe.setLogLevel(Strophe.LogLevel.FATAL);

type Connection = InstanceType<typeof Strophe.Connection>;
/** The little of the DOM these tests read (the build has no DOM types). */
interface DomElement {
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<DomElement & { textContent: string | null }>;
}

/**
 * An HTTP hop between Strophe and the node that can lose one response the way a network does:
 * the node answers, and the client's connection is cut before the answer reaches it.
 */
class LossyHop {
  readonly server: http.Server;
  /** Responses whose body matches are lost once. */
  loseOnce?: RegExp;
  lost = 0;
  private constructor(target: number) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const upstream = http.request({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers, agent: false }, (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            const body = Buffer.concat(parts);
            if (this.loseOnce?.test(body.toString())) {
              this.loseOnce = undefined;
              this.lost++;
              return void req.socket.destroy();
            }
            res.writeHead(answer.statusCode!, answer.headers);
            res.end(body);
          });
        });
        upstream.end(Buffer.concat(chunks));
      });
    });
  }

  static async start(target: number): Promise<{ hop: LossyHop; port: number }> {
    const hop = new LossyHop(target);
    await new Promise<void>((resolve) => hop.server.listen(0, '127.0.0.1', resolve));
    return { hop, port: (hop.server.address() as { port: number }).port };
  }
}

const connections: Connection[] = [];
function connect(url: string, jid: string, password: string): Promise<Connection> {
  const conn = new Strophe.Connection(url);
  connections.push(conn);
  return new Promise((resolve, reject) => {
    conn.connect(jid, password, (status: number, condition?: string, el?: unknown) => {
      if (status === Strophe.Status.CONNECTED) return resolve(conn);
      if (![Strophe.Status.AUTHFAIL, Strophe.Status.CONNFAIL, Strophe.Status.ERROR].includes(status)) return;
      reject(new Error(`Strophe status ${status} ${condition ?? ''} ${el ? Strophe.serialize(el as never) : ''}`));
    });
  });
}

/** Messages a Strophe connection receives, as [from, body]. */
function inbox(conn: Connection): [string, string][] {
  const got: [string, string][] = [];
  conn.addHandler(
    (el: DomElement) => {
      got.push([el.getAttribute('from') ?? '', el.getElementsByTagName('body')[0]?.textContent ?? '']);
      return true;
    },
    null,
    'message',
  );
  return got;
}

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const nextMessage = (c: Client, body: string) =>
  new Promise<Element>((resolve) => {
    const on = (el: Element) => {
      if (el.is('message') && el.getChildText('body') === body) {
        c.off('stanza', on);
        resolve(el);
      }
    };
    c.on('stanza', on);
  });

let server: TestNode;
let lossy: { hop: LossyHop; port: number };
let bob: Client;
beforeAll(async () => {
  server = await startTestNode();
  await server.addUser('alice', 'pw-alice');
  await server.addUser('bob', 'pw-bob');
  await server.node.core.stores.roster.setItem('alice', { jid: 'bob@localhost', name: 'Bob', groups: ['Team'], subscription: 'both', isPendingOut: false, isPreApproved: false });
  lossy = await LossyHop.start(server.httpPort);
  bob = await signIn(server.port, 'bob', 'pw-bob', 'desk');
});
afterAll(async () => {
  // Stops Strophe's idle loop even when a test failed half-way (its own disconnect path does the same).
  for (const conn of connections) (conn as unknown as { _doDisconnect(): void })._doDisconnect();
  await stopClient(bob);
  await new Promise((r) => lossy.hop.server.close(r));
  await server.stop();
});

describe('Strophe.js over BOSH', () => {
  it('signs in with SCRAM, binds, fetches the roster, chats with a TCP client, survives a lost response and terminates', async () => {
    const alice = await connect(`http://127.0.0.1:${lossy.port}/http-bind`, 'alice@localhost/strophe', 'pw-alice');
    expect(alice.jid).toBe('alice@localhost/strophe');
    expect(server.node.core.sessions.forUser('alice').map((s) => s.transport.kind)).toEqual(['bosh']);

    // RFC 6121 §2.1.3: the roster.
    const roster = await new Promise<DomElement>((resolve, reject) => alice.sendIQ($iq({ type: 'get' }).c('query', { xmlns: 'jabber:iq:roster' }), resolve, reject));
    const item = roster.getElementsByTagName('item')[0];
    expect([item.getAttribute('jid'), item.getAttribute('name'), item.getAttribute('subscription')]).toEqual(['bob@localhost', 'Bob', 'both']);
    alice.send($pres());

    // Messages both ways with a TCP client.
    const got = inbox(alice);
    await bob.send(xml('message', { to: 'alice@localhost/strophe', type: 'chat' }, xml('body', {}, 'hello from tcp')));
    await until(() => got.some(([, b]) => b === 'hello from tcp'), 'the message from TCP');
    expect(got.find(([, b]) => b === 'hello from tcp')![0]).toBe('bob@localhost/desk');
    const atBob = nextMessage(bob, 'hello from strophe');
    alice.send($msg({ to: 'bob@localhost/desk', type: 'chat' }).c('body').t('hello from strophe'));
    expect((await atBob).attrs.from).toBe('alice@localhost/strophe');

    // The network loses the response that carries a message; Strophe resends the same rid and gets it.
    lossy.hop.loseOnce = /lost in transit/;
    await bob.send(xml('message', { to: 'alice@localhost/strophe', type: 'chat' }, xml('body', {}, 'lost in transit')));
    await until(() => got.some(([, b]) => b === 'lost in transit'), 'the message whose first response was lost');
    expect(lossy.hop.lost).toBe(1);
    await bob.send(xml('message', { to: 'alice@localhost/strophe', type: 'chat' }, xml('body', {}, 'after the loss')));
    await until(() => got.some(([, b]) => b === 'after the loss'), 'the next message');
    expect(got.filter(([, b]) => b === 'lost in transit')).toHaveLength(1);
    expect(alice.connected).toBe(true);

    // A clean end: Strophe sends type='terminate' with its unavailable presence (§13).
    await new Promise<void>((resolve) => {
      alice.addHandler(() => true, null, 'presence');
      const original = alice.connect_callback;
      alice.connect_callback = (status: number, condition?: string) => {
        original?.(status, condition);
        if (status === Strophe.Status.DISCONNECTED) resolve();
      };
      alice.disconnect('done');
    });
    await until(() => server.node.core.sessions.forUser('alice').length === 0, 'the BOSH session to end');
  });
});
