// The reverse-proxy example of docs/reverse-proxy.md, run with a real nginx in front of a node: a
// BOSH session (XEP-0124) held and answered through the proxy, a repeated rid answered from the
// buffer (§14.3), and a WebSocket upgrade (RFC 7395) — with the client address taken from the
// proxy's X-Forwarded-For (http.trustProxy). Fails, never skips, when nginx is missing.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { WebSocket } from 'ws';
import { xml, type Client } from '@xmpp/client';
import { freePort } from '@deskchat/testing';
import { repoRoot, signIn, startTestNode, stopClient, tempDir, type TestNode } from './__tests__/e2e-helpers.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
const NS = "xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'";

/** The nginx block of docs/reverse-proxy.md, on a plain loopback port, proxying to `upstream`. */
function configFromDocs(listen: number, upstream: number, dir: string): string {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs/reverse-proxy.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/reverse-proxy.md has no ```nginx block');
  const site = block
    .replace('listen 443 ssl;', `listen 127.0.0.1:${listen};`)
    .replace(/^\s*ssl_\w+\s+[^;]+;\n/gm, '')
    .replace('server 127.0.0.1:5280;', `server 127.0.0.1:${upstream};`);
  if (!site.includes(`127.0.0.1:${listen}`) || !site.includes(`127.0.0.1:${upstream}`)) throw new Error('the nginx block no longer has the lines this test adapts');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join('\n  ');
  const user = process.getuid?.() === 0 ? 'user root root;' : '';
  return `${user}\nworker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n  ${temp}\n${site}\n}\n`;
}

function post(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/http-bind', method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function waitForPort(port: number, nginx: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited (${nginx.exitCode}): ${output()}`);
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(!!socket.end()));
      socket.on('error', () => resolve(false));
    });
    if (isOpen) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let server: TestNode;
let nginx: ChildProcess | undefined;
let proxyPort: number;
let bob: Client | undefined;
beforeAll(async () => {
  if (!NGINX) throw new Error('nginx is not installed: the reverse-proxy test needs it (apt-get install -y nginx; .ci/run installs it)');
  server = await startTestNode({ raw: { http: { trustProxy: true } } });
  await server.addUser('alice', 'pw-alice');
  await server.addUser('bob', 'pw-bob');
  const dir = tempDir('deskchat-nginx-');
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, t));
  proxyPort = await freePort();
  fs.writeFileSync(path.join(dir, 'nginx.conf'), configFromDocs(proxyPort, server.httpPort, dir));
  let output = '';
  nginx = spawn(NGINX, ['-e', 'stderr', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stdout!.on('data', (d) => (output += d));
  nginx.stderr!.on('data', (d) => (output += d));
  await waitForPort(proxyPort, nginx, () => output);
  bob = await signIn(server.port, 'bob', 'pw-bob', 'desk');
}, 20_000);
afterAll(async () => {
  if (bob) await stopClient(bob);
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx!.once('exit', r));
    nginx.kill('SIGTERM');
    await exited;
  }
  await server?.stop();
});

describe('BOSH and WebSocket through nginx (docs/reverse-proxy.md)', () => {
  it('signs in, holds a request until a message arrives, and answers a repeated rid from the buffer', async () => {
    let rid = 4242;
    const created = await post(proxyPort, `<body ${NS} rid='${rid++}' to='localhost' wait='20' hold='1' ver='1.6' xmpp:version='1.0'/>`);
    expect(created.status).toBe(200);
    const sid = /sid='([^']+)'/.exec(created.body)![1];
    const send = (payload = '', attrs = '') => post(proxyPort, `<body ${NS} rid='${rid++}' sid='${sid}' ${attrs}>${payload}</body>`);
    const auth = Buffer.from('\0alice\0pw-alice').toString('base64');
    expect((await send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${auth}</auth>`)).body).toContain('<success');
    await send('', "to='localhost' xmpp:restart='true'");
    const bound = await send(`<iq type='set' id='b' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>proxied</resource></bind></iq>`);
    expect(bound.body).toContain('alice@localhost/proxied');
    const session = server.node.core.sessions.forUser('alice')[0];
    expect(session.transport.remoteAddress).toBe('127.0.0.1'); // from X-Forwarded-For
    expect(session.transport.isSecure()).toBe(false); // X-Forwarded-Proto: http

    const heldRid = rid;
    const held = send();
    await new Promise((r) => setTimeout(r, 200));
    await bob!.send(xml('message', { to: 'alice@localhost/proxied', type: 'chat' }, xml('body', {}, 'through the proxy')));
    const answer = await held;
    expect(answer.body).toContain('through the proxy');
    const again = await post(proxyPort, `<body ${NS} rid='${heldRid}' sid='${sid}'/>`);
    expect(again.body).toBe(answer.body);
    expect((await send('', "type='terminate'")).body).toContain("type='terminate'");
  });

  it('upgrades /xmpp-websocket with the xmpp sub-protocol and speaks RFC 7395 framing', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/xmpp-websocket`, ['xmpp']);
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('xmpp');
    ws.send(`<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>`);
    const deadline = Date.now() + 3000;
    while (!frames.some((f) => f.startsWith('<stream:features')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(frames[0]).toMatch(/^<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/);
    expect(frames.some((f) => f.startsWith('<stream:features'))).toBe(true);
    ws.close();
  });
});
