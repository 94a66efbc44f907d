// Converse.js (the npm package, served by this test from its own origin) in Debian's headless
// Chromium, signed in over WebSocket (RFC 7395): alice sends bob a file with the chat toolbar's
// upload button (XEP-0363: slot, cross-origin PUT with its CORS preflight, then a message with the
// URL as XEP-0066 out-of-band data), and bob — an @xmpp/client — sees the offer and downloads the
// same bytes. Then what Converse shows for each refusal (issue #10: "what a client sees").
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { Page } from 'playwright-core';
import { artifactDir, launchChromium, type TestBrowser } from '@deskchat/testing';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

const CONVERSE_DIST = path.dirname(createRequire(import.meta.url).resolve('converse.js/dist/converse.min.js'));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg' };
const MAX_BYTES = 300_000;

let web: http.Server;
let origin: string;
let node: TestNode;
let chromium: TestBrowser;
let bob: Client;
const toBob: Element[] = [];

/** The page: Converse with a small whitelisted plugin that exposes its API to the test. */
function indexHtml(httpPort: number): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Converse test</title>
<link rel="stylesheet" href="/dist/converse.min.css"></head><body>
<script type="module">
import converse from '/dist/converse.min.js';
converse.plugins.add('deskchat-test', { initialize() { const api = this._converse.api; window.__api = api; api.listen.on('connected', () => { window.__connected = true; }); } });
converse.initialize({
  assets_path: '/dist/', websocket_url: 'ws://127.0.0.1:${httpPort}/xmpp-websocket', discover_connection_methods: false,
  jid: 'alice@localhost', password: 'pw-alice', auto_login: true, view_mode: 'fullscreen',
  whitelisted_plugins: ['deskchat-test'], blacklisted_plugins: ['converse-omemo'], allow_non_roster_messaging: true, play_sounds: false, loglevel: 'warn',
});
</script></body></html>`;
}

/** Serves the page and Converse's dist files (only files under dist, by their resolved path). */
function serveConverse(httpPort: () => number): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(indexHtml(httpPort()));
    }
    const file = path.resolve(CONVERSE_DIST, `.${decodeURIComponent(url.pathname.replace(/^\/dist/, ''))}`);
    if (!url.pathname.startsWith('/dist/') || !file.startsWith(CONVERSE_DIST + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
}

beforeAll(async () => {
  let httpPort = 0;
  web = serveConverse(() => httpPort);
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  // The page's origin may use the WebSocket endpoint (http.corsOrigins); uploads allow any origin.
  node = await startTestNode({ raw: { http: { corsOrigins: [origin] }, files: { maxBytes: MAX_BYTES } } });
  httpPort = node.httpPort;
  await node.addUser('alice', 'pw-alice');
  await node.addUser('bob', 'pw-bob');
  bob = await signIn(node.port, 'bob', 'pw-bob', 'desk');
  bob.on('stanza', (el: Element) => {
    if (el.is('message')) toBob.push(el);
  });
  await bob.send(xml('presence'));
  chromium = await launchChromium();
}, 30_000);

afterAll(async () => {
  await page?.context().close();
  await chromium?.close();
  if (bob) await stopClient(bob);
  await node?.stop();
  await new Promise((resolve) => web?.close(resolve));
});

async function until<T>(find: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What each page logged, for failure messages. */
const pages = new Map<Page, string[]>();
/** alice's Converse, signed in by the first test and used by the next. */
let page: Page | undefined;

/** Signs alice in and opens her chat with bob; returns the page. */
async function chatWithBob(): Promise<Page> {
  const context = await chromium.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (m) => problems.push(`${m.type()}: ${m.text()}`));
  pages.set(page, problems);
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (globalThis as unknown as { __connected?: boolean }).__connected === true, undefined, { timeout: 15_000 }).catch((err: Error) => {
    throw new Error(`Converse did not connect: ${err.message}; page errors: ${problems.join('; ')}`);
  });
  // bob goes into alice's roster first: Converse 14 opens a chat with someone outside the roster
  // only after its XEP-0191 blocklist is loaded, which never happens on a server without
  // XEP-0191 (DeskChat has none yet), so the chat would never open.
  await page.evaluate(async () => {
    const api = (globalThis as unknown as { __api: { contacts: { add(c: object, persist: boolean, subscribe: boolean): Promise<unknown> }; chats: { open(jid: string, attrs: object, force: boolean): Promise<unknown> } } }).__api;
    await api.contacts.add({ jid: 'bob@localhost' }, false, false);
    await api.chats.open('bob@localhost', {}, true);
  });
  return page;
}

/** Clicks the toolbar's upload button and picks a file in the chooser it opens. */
async function sendWithUploadButton(page: Page, name: string, mimeType: string, buffer: Buffer): Promise<void> {
  const button = page.locator('converse-chat-toolbar button[title="Choose a file to send"]');
  await button.waitFor({ timeout: 10_000 }).catch(async (err: Error) => {
    await page.screenshot({ path: `${artifactDir('files-converse')}/no-upload-button.png` });
    throw new Error(`no upload button: ${err.message}; the page logged:\n${(pages.get(page) ?? []).join('\n')}`);
  });
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button.click()]);
  await chooser.setFiles({ name, mimeType, buffer });
}

const pdf = (size: number) => {
  const data = randomBytes(size);
  data.write('%PDF-1.7\n', 0, 'latin1');
  return data;
};
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('Converse.js sends a file with its upload button', () => {
  it('uploads it, offers the URL to bob as out-of-band data, and bob downloads the same bytes', async () => {
    const view = (page = await chatWithBob());
    const file = pdf(200_000);
    await sendWithUploadButton(view, 'quarterly report.pdf', 'application/pdf', file);
    const offer = await until(() => toBob.find((m) => m.getChild('x', 'jabber:x:oob')), 'the offer at bob');
    expect(offer.attrs.from).toMatch(/^alice@localhost\//);
    const url = offer.getChild('x', 'jabber:x:oob')!.getChildText('url')!;
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${node.httpPort}/files/[A-Za-z0-9_-]{24}/quarterly%20report\\.pdf$`));
    expect(offer.getChildText('body')).toBe(url);
    const download = await fetch(url);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(sha(Buffer.from(await download.arrayBuffer()))).toBe(sha(file));
    await view.screenshot({ path: `${artifactDir('files-converse')}/sent.png` });
  }, 45_000);

  it('shows what each refusal means to its user', async () => {
    // The same signed-in page (a Converse sign-in costs seconds): what it shows from here on.
    const view = (page ??= await chatWithBob());
    // Over max-file-size (disco): Converse refuses it itself, naming the server's limit (in kB of 1000).
    await sendWithUploadButton(view, 'big.pdf', 'application/pdf', pdf(MAX_BYTES + 1));
    await view.getByText('The size of your file, big.pdf, exceeds the maximum allowed by your server').waitFor({ timeout: 10_000 });
    // A refused type: the slot request gets not-acceptable with the reason; Converse 14 starts an
    // "Uploading file" line and logs the stanza, but does not render its text (a blank error line
    // at most), and sends nothing to bob.
    await sendWithUploadButton(view, 'setup.exe', 'application/octet-stream', Buffer.from('MZ not really'));
    await view.getByText('Uploading file: setup.exe', { exact: false }).waitFor({ state: 'attached', timeout: 10_000 });
    await until(() => pages.get(view)!.find((line) => line.includes('setup.exe: files of type .exe are not accepted (files.refusedTypes)') && line.includes('not-acceptable')), 'the slot refusal at Converse');
    // A renamed executable: the PUT is refused with 415 and the reason as text, which reaches the
    // page (CORS allows it); Converse 14 means to show it ("Your server's response: …") but renders
    // a blank error line, as for the slot refusal.
    const exe = Buffer.alloc(10_000);
    exe.write('MZ', 0, 'latin1');
    exe.writeUInt32LE(0x80, 0x3c);
    exe.write('PE\0\0', 0x80, 'latin1');
    const [response] = await Promise.all([
      view.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/invoice.pdf'), { timeout: 10_000 }),
      sendWithUploadButton(view, 'invoice.pdf', 'application/pdf', exe),
    ]);
    expect(response.status()).toBe(415);
    expect(response.headers()['access-control-allow-origin']).toBe('*');
    await expect(response.text()).resolves.toBe('invoice.pdf is named as .pdf but its content is a Windows executable (.exe), which is not accepted (files.refusedTypes)');
    await view.screenshot({ path: `${artifactDir('files-converse')}/refusals.png` });
    // Nothing refused reached bob: the only offer he has is the accepted one of the test before.
    expect(toBob.filter((m) => m.getChild('x', 'jabber:x:oob')).map((m) => m.getChild('x', 'jabber:x:oob')!.getChildText('url'))).toEqual([expect.stringContaining('quarterly%20report.pdf')]);
  }, 45_000);
});
