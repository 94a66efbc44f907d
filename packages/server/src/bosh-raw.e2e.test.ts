// BOSH over real HTTP against a node on free ports, with hand-written requests: the paths, sign-in
// through core (XEP-0206), long polling answered early (XEP-0124 §8), a response lost with its
// connection and fetched again by rid (§14.3), inactivity ending the session with unavailable
// broadcast (§10), see-other-uri, system-shutdown, HTTPS, CORS with preflight, and the refusals of
// bodies that are too large, not XML, not <body/> or of the wrong content type — never a crash.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { parseDocument } from '@deskchat/core';
import { redirectSession } from '@deskchat/bosh';
import { signIn, startTestNode, stopClient, tempDir, type TestNode } from './__tests__/e2e-helpers.js';
import { loadConfig, parseConfig } from './config.js';

const NS = "xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'";
type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string; el: () => Element };

function request(port: number, options: { path?: string; method?: string; body?: string; headers?: Record<string, string>; secure?: boolean } = {}): Promise<Reply> {
  const { path = '/http-bind', method = 'POST', body = '', headers = {}, secure = false } = options;
  const send = secure ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(
      { host: '127.0.0.1', port, path, method, agent: false, rejectUnauthorized: false, headers: { 'Content-Type': 'text/xml; charset=utf-8', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, el: () => parseDocument(text, undefined, { wrapperDepth: 1 }) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A hand-written BOSH client: rids in sequence, PLAIN (the node is on loopback). */
class RawBosh {
  sid = '';
  rid = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  constructor(
    readonly port: number,
    readonly options: { path?: string; secure?: boolean } = {},
  ) {}

  text(attrs: string, payload = ''): string {
    return `<body ${NS} rid='${this.rid++}'${this.sid ? ` sid='${this.sid}'` : ''} ${attrs}>${payload}</body>`;
  }

  post(text: string, headers?: Record<string, string>): Promise<Reply> {
    return request(this.port, { ...this.options, body: text, headers });
  }

  send(attrs = '', payload = ''): Promise<Reply> {
    return this.post(this.text(attrs, payload));
  }

  async create(attrs = "wait='10' hold='1'"): Promise<Reply> {
    const reply = await this.send(`to='localhost' ver='1.6' xmpp:version='1.0' xml:lang='en' ${attrs}`);
    this.sid = reply.el().attrs.sid;
    return reply;
  }

  async signIn(user: string, password: string, resource: string, attrs?: string): Promise<void> {
    await this.create(attrs);
    const auth = `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`;
    expect((await this.send('', auth)).body).toContain('<success');
    expect((await this.send("to='localhost' xmpp:restart='true'")).body).toContain('urn:ietf:params:xml:ns:xmpp-bind');
    const bind = `<iq type='set' id='bind' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`;
    expect((await this.send('', bind)).body).toContain(`${user}@localhost/${resource}`);
  }
}

const terminateOf = (reply: Reply) => ({ type: reply.el().attrs.type, condition: reply.el().attrs.condition });

let server: TestNode;
const clients: Client[] = [];
beforeAll(async () => {
  server = await startTestNode({ raw: { bosh: { inactivity: 2, polling: 0, maxBodyBytes: 4096 }, http: { corsOrigins: ['https://finesse.example.com'] } } });
  for (const user of ['alice', 'bob', 'carol']) await server.addUser(user, `pw-${user}`);
  const both = (jid: string) => ({ jid, groups: ['Team'], subscription: 'both' as const, isPendingOut: false, isPreApproved: false });
  await server.node.core.stores.roster.setItem('alice', both('bob@localhost'));
  await server.node.core.stores.roster.setItem('bob', both('alice@localhost'));
});
afterAll(async () => {
  await Promise.all(clients.map(stopClient));
  await server.stop();
});
const tcp = async (user: string, resource: string) => {
  const c = await signIn(server.port, user, `pw-${user}`, resource);
  clients.push(c);
  return c;
};
const nextStanza = (c: Client, match: (el: Element) => boolean, timeoutMs = 5000) =>
  new Promise<Element>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching stanza')), timeoutMs);
    const on = (el: Element) => {
      if (!match(el)) return;
      clearTimeout(timer);
      c.off('stanza', on);
      resolve(el);
    };
    c.on('stanza', on);
  });

describe('BOSH over HTTP (XEP-0124, XEP-0206)', () => {
  it.each([['/http-bind'], ['/httpbinding']])('creates sessions at %s with the features inside', async (path) => {
    const reply = await new RawBosh(server.httpPort, { path }).create();
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(reply.el().attrs).toMatchObject({ wait: '10', hold: '1', requests: '2', inactivity: '2' });
    expect(reply.body).toContain('<mechanism>PLAIN</mechanism>');
  });

  it('signs in, fetches the roster and is answered early when a TCP client sends a message', async () => {
    const alice = new RawBosh(server.httpPort);
    await alice.signIn('alice', 'pw-alice', 'web');
    const roster = await alice.send('', `<iq type='get' id='r1' xmlns='jabber:client'><query xmlns='jabber:iq:roster'/></iq>`);
    const item = roster.el().getChild('iq')?.getChild('query', 'jabber:iq:roster')?.getChild('item');
    expect(item?.attrs).toMatchObject({ jid: 'bob@localhost', subscription: 'both' });
    const bob = await tcp('bob', 'desk');
    const started = Date.now();
    const held = alice.send();
    await new Promise((r) => setTimeout(r, 100));
    await bob.send(xml('message', { to: 'alice@localhost/web', type: 'chat' }, xml('body', {}, 'over tcp')));
    const reply = await held;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(reply.el().getChild('message')?.getChildText('body')).toBe('over tcp');
    await alice.send("type='terminate'");
  });

  it('gives the response of a request whose connection broke to the same rid sent again (§14.3)', async () => {
    const alice = new RawBosh(server.httpPort);
    await alice.signIn('alice', 'pw-alice', 'flaky');
    const bob = await tcp('bob', 'sender');
    const text = alice.text('');
    const socket = net.connect(server.httpPort, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`POST /http-bind HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
    await bob.send(xml('message', { to: 'alice@localhost/flaky', type: 'chat' }, xml('body', {}, 'do not lose me')));
    await new Promise((r) => socket.once('data', r)); // the response is on its way…
    socket.destroy(); // …and the network drops it
    const again = await alice.post(text);
    expect(again.el().getChild('message')?.getChildText('body')).toBe('do not lose me');
    const next = await alice.send('', `<iq type='get' id='p' to='localhost' xmlns='jabber:client'><ping xmlns='urn:xmpp:ping'/></iq>`);
    expect(next.body).toContain("id=\"p\"");
    expect(next.body).not.toContain('do not lose me'); // delivered once
  });

  it('ends a silent session after inactivity and broadcasts unavailable to subscribers (§10)', async () => {
    const bob = await tcp('bob', 'watcher');
    await bob.send(xml('presence'));
    const alice = new RawBosh(server.httpPort);
    await alice.signIn('alice', 'pw-alice', 'leaving');
    const fromAlice = (el: Element) => el.is('presence') && String(el.attrs.from).startsWith('alice@localhost');
    const online = nextStanza(bob, (el) => fromAlice(el) && !el.attrs.type);
    await alice.send('', `<presence xmlns='jabber:client'/>`);
    await online;
    const offline = nextStanza(bob, (el) => fromAlice(el) && el.attrs.type === 'unavailable');
    // alice makes no further request: inactivity is 2 s.
    await offline;
    expect(terminateOf(await alice.send())).toEqual({ type: 'terminate', condition: 'item-not-found' });
  });

  it('ends a session with see-other-uri and its <uri/> (clustering hook)', async () => {
    const alice = new RawBosh(server.httpPort);
    await alice.signIn('alice', 'pw-alice', 'moving');
    const held = alice.send();
    await new Promise((r) => setTimeout(r, 100));
    const session = server.node.core.sessions.forUser('alice').find((s) => s.jid?.resource === 'moving')!;
    redirectSession(session, 'https://node2.example.com:5280/http-bind');
    const reply = await held;
    expect(terminateOf(reply)).toEqual({ type: 'terminate', condition: 'see-other-uri' });
    expect(reply.el().getChildText('uri')).toBe('https://node2.example.com:5280/http-bind');
  });
});

describe('refusals that end the request cleanly, never the server (XEP-0124 §5, §6, §17)', () => {
  it.each([
    ['invalid XML', 'text/xml', `<body ${NS} rid='1'><message>`, 'bad-request'],
    ['a DOCTYPE (RFC 6120 §11.1)', 'text/xml', `<!DOCTYPE body [<!ENTITY x 'y'>]><body ${NS} rid='1'/>`, 'bad-request'],
    ['a root that is not <body/>', 'text/xml', `<message xmlns='jabber:client'/>`, 'bad-request'],
    ['a content type that is not XML', 'application/json', '{"rid": 1}', 'bad-request'],
    ['a body over bosh.maxBodyBytes', 'text/xml', `<body ${NS} rid='1'>${'<presence/>'.repeat(500)}</body>`, 'policy-violation'],
  ])('answers %s with a terminate body', async (_, type, text, condition) => {
    const reply = await request(server.httpPort, { body: text, headers: { 'Content-Type': type } });
    expect(reply.status).toBe(200);
    expect(terminateOf(reply)).toEqual({ type: 'terminate', condition });
    expect((await new RawBosh(server.httpPort).create()).status).toBe(200);
  });

  it('answers GET with 405 and the allowed methods', async () => {
    const reply = await request(server.httpPort, { method: 'GET' });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toContain('POST');
  });
});

describe('CORS (Fetch standard) for browser clients on other origins', () => {
  const preflight = (origin: string) =>
    request(server.httpPort, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });

  it('answers the preflight of a configured origin with only what a BOSH client needs', async () => {
    const reply = await preflight('https://finesse.example.com');
    expect(reply.status).toBe(204);
    expect(reply.headers).toMatchObject({
      'access-control-allow-origin': 'https://finesse.example.com',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'Content-Type',
    });
    expect(reply.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('refuses the preflight and the POST of any other origin', async () => {
    expect((await preflight('https://evil.example.net')).status).toBe(403);
    const post = await new RawBosh(server.httpPort).post(`<body ${NS} rid='5' to='localhost' ver='1.6' xmpp:version='1.0'/>`, { Origin: 'https://evil.example.net' });
    expect(post.status).toBe(403);
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('marks the responses to a configured origin, held ones included', async () => {
    const bosh = new RawBosh(server.httpPort);
    const reply = await bosh.post(`<body ${NS} rid='5' to='localhost' ver='1.6' xmpp:version='1.0'/>`, { Origin: 'https://finesse.example.com' });
    expect(reply.headers['access-control-allow-origin']).toBe('https://finesse.example.com');
    expect(reply.headers.vary).toBe('Origin');
  });
});

describe('the HTTP server itself (design §6)', () => {
  it('serves HTTPS when a certificate is configured, and ends held requests with system-shutdown on stop', async () => {
    const secure = await startTestNode({ tls: true });
    await secure.addUser('dave', 'pw-dave');
    const dave = new RawBosh(secure.httpPort, { secure: true });
    await dave.signIn('dave', 'pw-dave', 'tls');
    const held = dave.send();
    await new Promise((r) => setTimeout(r, 100));
    await secure.stop();
    expect(terminateOf(await held)).toEqual({ type: 'terminate', condition: 'system-shutdown' });
  });
});

describe('configuration (conventions §8)', () => {
  it('reads http.corsOrigins from DESKCHAT_CORS_ORIGINS and defaults the bosh section', () => {
    const config = loadConfig({ env: { DESKCHAT_CORS_ORIGINS: 'https://a.example.com, https://b.example.com' }, cwd: tempDir() });
    expect(config.http).toMatchObject({ port: 5280, corsOrigins: ['https://a.example.com', 'https://b.example.com'], trustProxy: false });
    expect(config.bosh).toMatchObject({ defaultWait: 30, maxWait: 50, inactivity: 60 });
  });

  it.each([
    [{ bosh: { maxWait: 500 } }, 'bosh.maxWait: must be an integer 1..300'],
    [{ http: { corsOrigins: ['finesse.example.com'] } }, 'http.corsOrigins[0]: must be an origin'],
    [{ bosh: 'fast' }, 'bosh: must be a mapping'],
  ])('refuses %j with a message naming the key', (raw, message) => {
    expect(() => parseConfig(raw, tempDir())).toThrow(message);
  });
});
