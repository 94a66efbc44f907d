// End to end over real TCP with a real client library (@xmpp/client, SCRAM-SHA-1) against a node
// on its embedded SQLite store: RFC 6120 sign-in, RFC 6121 delivery, XEP-0199, XEP-0030, and the
// stream errors of RFC 6120 §4.9 for bad input, which must never disturb other sessions.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import tls from 'node:tls';
import fs from 'node:fs';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { RawConnection, STREAM_HEADER, signIn, startTestNode, stopClient, trustCertificate, type TestNode } from './__tests__/e2e-helpers.js';

function nextStanza(xmpp: Client, match: (el: Element) => boolean, timeoutMs = 3000): Promise<Element> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      xmpp.off('stanza', onStanza);
      reject(new Error('no matching stanza'));
    }, timeoutMs);
    const onStanza = (el: Element) => {
      if (!match(el)) return;
      clearTimeout(timer);
      xmpp.off('stanza', onStanza);
      resolve(el);
    };
    xmpp.on('stanza', onStanza);
  });
}

let server: TestNode;
const clients: Client[] = [];
const connect = async (user: string, password = 'pw-' + user, resource?: string) => {
  const c = await signIn(server.port, user, password, resource);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startTestNode();
  await server.addUser('alice', 'pw-alice');
  await server.addUser('bob', 'pw-bob');
});

afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  await server.stop();
});

describe('sign-in over TCP with @xmpp/client', () => {
  it('authenticates with SCRAM-SHA-1 and binds the requested resource (RFC 6120 §6, §7)', async () => {
    const alice = await connect('alice', 'pw-alice', 'laptop');
    expect(alice.jid?.toString()).toBe('alice@localhost/laptop');
  });

  it('rejects a wrong password with not-authorized (RFC 6120 §6.5.10)', async () => {
    await expect(signIn(server.port, 'alice', 'wrong')).rejects.toMatchObject({ condition: 'not-authorized' });
  });

  it('rejects an unknown user with the same not-authorized', async () => {
    await expect(signIn(server.port, 'mallory', 'whatever')).rejects.toMatchObject({ condition: 'not-authorized' });
  });

  it('lets one user sign in with two resources at once', async () => {
    const a1 = await connect('alice', 'pw-alice', 'one');
    const a2 = await connect('alice', 'pw-alice', 'two');
    expect([a1.jid?.resource, a2.jid?.resource]).toEqual(['one', 'two']);
    expect(server.node.core.sessions.forUser('alice').map((s) => s.jid!.resource)).toEqual(expect.arrayContaining(['one', 'two']));
  });
});

describe('messages between two real clients (RFC 6121 §8.5)', () => {
  it('delivers to a full JID and to a bare JID', async () => {
    const alice = await connect('alice', 'pw-alice', 'chat');
    const bob = await connect('bob', 'pw-bob', 'desk');
    await bob.send(xml('presence'));
    await alice.send(xml('presence'));

    const full = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'to full');
    await alice.send(xml('message', { to: 'bob@localhost/desk', type: 'chat' }, xml('body', {}, 'to full')));
    expect((await full).attrs.from).toBe('alice@localhost/chat');

    const bare = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'to bare');
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'to bare')));
    expect((await bare).attrs.from).toBe('alice@localhost/chat');

    const reply = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === 'back');
    await bob.send(xml('message', { to: 'alice@localhost/chat', type: 'chat' }, xml('body', {}, 'back')));
    expect((await reply).attrs.from).toBe('bob@localhost/desk');
  });

  it('answers XEP-0199 ping and XEP-0030 disco#info', async () => {
    const alice = await connect('alice', 'pw-alice', 'iq');
    const pong = await alice.iqCaller.get(xml('ping', { xmlns: NS.PING }), 'localhost');
    expect(pong).toBeUndefined(); // an empty result
    const info = await alice.iqCaller.get(xml('query', { xmlns: NS.DISCO_INFO }), 'localhost');
    expect(info.getChildren('feature').map((f: Element) => f.attrs.var)).toEqual(expect.arrayContaining([NS.PING, NS.VERSION]));
  });
});

describe('bad input gets a stream error and harms no one else (RFC 6120 §4.9)', () => {
  it('closes a connection sending malformed XML with not-well-formed while another keeps working', async () => {
    const alice = await connect('alice', 'pw-alice', 'steady');
    const raw = await RawConnection.connect(server.port);
    raw.write(`${STREAM_HEADER}<message><body>oops</message>`);
    await raw.waitFor(/<not-well-formed xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']\/>.*<\/stream:stream>/s);
    await raw.waitClosed();
    const pong = await alice.iqCaller.get(xml('ping', { xmlns: NS.PING }), 'localhost');
    expect(pong).toBeUndefined();
  });

  it('closes with restricted-xml on a DOCTYPE (RFC 6120 §11.1)', async () => {
    const raw = await RawConnection.connect(server.port);
    raw.write(`<?xml version='1.0'?><!DOCTYPE foo [<!ENTITY x 'y'>]>${STREAM_HEADER}`);
    await raw.waitFor(/<restricted-xml /);
    await raw.waitClosed();
  });

  it('closes with policy-violation on a stanza over the size limit', async () => {
    const raw = await RawConnection.connect(server.port);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    raw.write(`<message to='bob@localhost'><body>${'x'.repeat(server.config.core.xml.maxStanzaBytes + 10)}</body></message>`);
    await raw.waitFor(/<policy-violation /);
    await raw.waitClosed();
  });

  it('answers a stanza before authentication with not-authorized', async () => {
    const raw = await RawConnection.connect(server.port);
    raw.write(`${STREAM_HEADER}<message to='bob@localhost'><body>hi</body></message>`);
    await raw.waitFor(/<not-authorized xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']\/>/);
    await raw.waitClosed();
  });

  it('answers a stream to another domain with host-unknown after its own header', async () => {
    const raw = await RawConnection.connect(server.port);
    raw.write(STREAM_HEADER.replace("to='localhost'", "to='example.org'"));
    const text = await raw.waitFor(/<host-unknown /);
    expect(text.indexOf('<stream:stream')).toBeLessThan(text.indexOf('<host-unknown'));
  });

  it('answers whitespace keepalives with nothing and keeps the stream (RFC 6120 §4.6.1)', async () => {
    const raw = await RawConnection.connect(server.port);
    raw.write(STREAM_HEADER);
    await raw.waitFor(/<\/stream:features>/);
    raw.write('   \n  ');
    await new Promise((r) => setTimeout(r, 100));
    expect(raw.isClosed).toBe(false);
    raw.write('</stream:stream>');
    await raw.waitFor(/<\/stream:stream>$/);
    await raw.waitClosed();
  });
});

describe('TLS with the development certificate', () => {
  let secure: TestNode;
  beforeAll(async () => {
    secure = await startTestNode({ tls: true });
    await secure.addUser('carol', 'pw-carol');
  });
  afterAll(() => secure.stop());

  it('offers STARTTLS as required and nothing else before it (RFC 6120 §5.3.1)', async () => {
    const raw = await RawConnection.connect(secure.port);
    raw.write(STREAM_HEADER);
    const text = await raw.waitFor(/<\/stream:features>/);
    expect(text).toMatch(/<stream:features><starttls xmlns=["']urn:ietf:params:xml:ns:xmpp-tls["']><required\/><\/starttls><\/stream:features>/);
    raw.destroy();
  });

  it('completes a direct-TLS handshake that verifies against the development certificate', async () => {
    const ca = fs.readFileSync(secure.config.tls!.certFile);
    const socket = tls.connect({ host: '127.0.0.1', port: secure.node.ports.directTls!, servername: 'localhost', ca });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    expect(socket.authorized).toBe(true);
    socket.write(STREAM_HEADER);
    const features = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => (text += d) && text.includes('</stream:features>') && resolve(text));
    });
    expect(features).toMatch(/<mechanism>PLAIN<\/mechanism>/); // PLAIN is offered once encrypted
    socket.destroy();
  });

  it('signs in @xmpp/client over STARTTLS and chats', async () => {
    const untrust = await trustCertificate(secure.config.tls!.certFile);
    try {
      const carol = await signIn(secure.port, 'carol', 'pw-carol', 'secure');
      clients.push(carol);
      const session = secure.node.core.sessions.get('carol', 'secure');
      expect(session?.isSecure).toBe(true);
      const pong = await carol.iqCaller.get(xml('ping', { xmlns: NS.PING }), 'localhost');
      expect(pong).toBeUndefined();
    } finally {
      untrust();
    }
  });
});
