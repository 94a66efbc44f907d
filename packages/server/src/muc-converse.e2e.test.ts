// Converse.js 14 (npm converse.js, an ES module served by this test from its dist/) in Debian's Chromium joins a
// XEP-0045 room on a real node over WebSocket (RFC 7395) and sends a message that an @xmpp/client
// occupant receives, then shows that occupant's answer; it bookmarks the room (XEP-0402 on PEP) and,
// in a fresh browser, shows the bookmark and joins by it. No CDN: every file comes from node_modules.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { MUC } from '@deskchat/muc';
import { artifactDir, launchChromium, type TestBrowser } from '@deskchat/testing';
import { repoRoot, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

const ROOM = 'lobby@conference.localhost';
const DIST = path.join(repoRoot, 'node_modules/converse.js/dist');
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.html': 'text/html', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.png': 'image/png', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg' };

let node: TestNode;
let chromium: TestBrowser;
let site: http.Server;
let sitePort: number;
let bob: Client;
const bobSaw: Element[] = [];

/** `join`: auto-join the room (the first visit); without it, only what Converse finds in the account's bookmarks. */
function page(wsPort: number, join = true): string {
  const settings = {
    websocket_url: `ws://127.0.0.1:${wsPort}/xmpp-websocket`,
    jid: 'erin@localhost',
    password: 'pw-erin',
    auto_login: true,
    discover_connection_methods: false,
    view_mode: 'fullscreen',
    auto_join_rooms: join ? [{ jid: ROOM, nick: 'Erin' }] : [],
    whitelisted_plugins: ['deskchat-test'],
    muc_domain: 'conference.localhost',
    play_sounds: false,
    loglevel: 'debug',
    i18n: 'en',
    assets_path: '/dist/',
  };
  return `<!doctype html><html><head><meta charset="utf-8"><title>Converse</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/dist/converse.min.css"></head>
<body class="converse-fullscreen"><script type="module">import converse from '/dist/converse.min.js';
// The test reaches Converse's own API (bookmarks, modals) through a plugin, as Converse's docs show.
converse.plugins.add('deskchat-test', { initialize() { window.__converse = this._converse; } });
converse.initialize(${JSON.stringify(settings)});</script></body></html>`;
}

async function until(check: () => boolean, what: string, timeoutMs = 15000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; bob saw: ${bobSaw.map(String).join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(DIST, 'converse.min.js'))) throw new Error('converse.js is not installed (npm install)');
  node = await startTestNode({ raw: { http: { corsOrigins: '*' } } });
  await node.addUser('erin', 'pw-erin');
  await node.addUser('bob', 'pw-bob');
  site = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page(node.httpPort, url.searchParams.get('join') !== '0'));
      return;
    }
    const file = path.join(DIST, path.normalize(url.pathname.replace(/^\/dist\//, '')));
    if (!file.startsWith(DIST) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  sitePort = (site.address() as { port: number }).port;
  // bob creates the room (an instant room) and stays in it.
  bob = await signIn(node.port, 'bob', 'pw-bob', 'desk');
  bob.on('stanza', (el: Element) => {
    if (el.attrs.from?.startsWith(ROOM)) bobSaw.push(el);
  });
  await bob.send(xml('presence', { to: `${ROOM}/Bob` }, xml('x', { xmlns: MUC.BASE })));
  await until(() => bobSaw.some((el) => el.is('message') && el.getChild('subject') !== undefined), 'bob in the room');
  await bob.iqCaller.set(xml('query', { xmlns: MUC.OWNER }, xml('x', { xmlns: MUC.DATA, type: 'submit' }, xml('field', { var: 'muc#roomconfig_roomname' }, xml('value', {}, 'Lobby')))), ROOM);
  chromium = await launchChromium();
}, 30000);

afterAll(async () => {
  await chromium?.close();
  if (bob) await stopClient(bob);
  await new Promise((resolve) => site?.close(resolve));
  await node?.stop();
});

describe('Converse.js in Chromium', () => {
  it('joins a room, sends a message the other occupant receives, and shows the answer (XEP-0045 §7.2, §7.4)', async () => {
    const context = await chromium.newContext();
    const browserPage = await context.newPage();
    const errors: string[] = [];
    browserPage.on('pageerror', (err) => errors.push(err.message));
    const consoleLines: string[] = [];
    browserPage.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    browserPage.on('requestfailed', (r) => consoleLines.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    await browserPage.goto(`http://127.0.0.1:${sitePort}/`);
    try {
      await until(() => bobSaw.some((el) => el.is('presence') && el.attrs.from === `${ROOM}/Erin` && el.attrs.type === undefined), "Erin's join");
      const joined = bobSaw.find((el) => el.is('presence') && el.attrs.from === `${ROOM}/Erin`)!;
      expect(joined.getChild('x', MUC.USER)!.getChild('item')!.attrs.role).toBe('participant');
      const textarea = browserPage.locator('converse-muc textarea.chat-textarea');
      await textarea.waitFor({ timeout: 15000 });
      await textarea.fill('hello from Converse.js');
      await textarea.press('Enter');
      await until(() => bobSaw.some((el) => el.is('message') && el.attrs.from === `${ROOM}/Erin` && el.getChildText('body') === 'hello from Converse.js'), "Erin's message");
      await bob.send(xml('message', { to: ROOM, type: 'groupchat' }, xml('body', {}, 'hello Erin, from xmpp.js')));
      await browserPage.locator('converse-muc .chat-msg__text', { hasText: 'hello Erin, from xmpp.js' }).waitFor({ timeout: 15000 });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nbrowser console (last 60 lines):\n${consoleLines.slice(-60).join('\n')}\npage errors: ${errors.join('\n')}`);
    } finally {
      await browserPage.screenshot({ path: `${artifactDir('muc-converse')}/room.png` });
      await context.close();
    }
    expect(errors).toEqual([]);
  }, 60000);

  it('bookmarks the room (XEP-0402 on PEP, as Converse.js chooses by disco), and in a fresh browser shows the bookmark and joins it by itself', async () => {
    const first = await chromium.newContext();
    const firstPage = await first.newPage();
    const errors: string[] = [];
    firstPage.on('pageerror', (err) => errors.push(err.message));
    const consoleLines: string[] = [];
    firstPage.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    await firstPage.goto(`http://127.0.0.1:${sitePort}/`);
    let check: Client | undefined;
    try {
      // In the room (bob may see no new presence: the first test's Erin can still be held for XEP-0198 resumption).
      await firstPage.locator('converse-muc textarea.chat-textarea').waitFor({ timeout: 15000 });
      // Converse publishes the bookmark itself (its api.bookmarks.set, what its bookmark button calls).
      await firstPage.evaluate(`window.__converse.api.bookmarks.set({ jid: '${ROOM}', name: 'Lobby bookmark', autojoin: true, nick: 'Erin' })`);
      // It is on the server: erin's XEP-0402 node holds it (read by another of her clients).
      check = await signIn(node.port, 'erin', 'pw-erin', 'check');
      let item: Element | undefined;
      // (item-not-found until Converse's publish has created the node)
      for (const deadline = Date.now() + 15000; !item && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        const items = await check.iqCaller.request(xml('iq', { type: 'get', to: 'erin@localhost' }, xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' }, xml('items', { node: 'urn:xmpp:bookmarks:1' })))).catch(() => undefined);
        item = items?.getChild('pubsub')?.getChild('items')?.getChildren('item').find((i: Element) => i.attrs.id === ROOM);
      }
      if (!item) throw new Error(`no bookmark on erin's urn:xmpp:bookmarks:1 node; Converse logged:\n${consoleLines.filter((l) => /bookmark|pubsub|error/i.test(l)).slice(-30).join('\n')}`);
      // (Converse names the bookmark after the room, 'Lobby', whatever name it was given.)
      expect(item.getChild('conference', 'urn:xmpp:bookmarks:1')?.attrs).toMatchObject({ autojoin: 'true' });
    } finally {
      await firstPage.screenshot({ path: `${artifactDir('muc-converse')}/bookmarked.png` });
      await first.close();
      if (check) await stopClient(check);
    }
    // A fresh browser (nothing stored) with no room to auto-join: the bookmark comes from the server.
    const second = await chromium.newContext();
    const secondPage = await second.newPage();
    secondPage.on('pageerror', (err) => errors.push(err.message));
    try {
      await secondPage.goto(`http://127.0.0.1:${sitePort}/?join=0`);
      // Joined by the bookmark's autojoin: the room opens in this browser.
      await secondPage.locator('converse-muc textarea.chat-textarea').waitFor({ timeout: 15000 });
      await secondPage.evaluate(`window.__converse.api.modal.show('converse-bookmark-list-modal')`);
      await secondPage.locator(`converse-bookmarks .open-room[data-room-jid="${ROOM}"]`).waitFor({ timeout: 15000 });
    } finally {
      await secondPage.screenshot({ path: `${artifactDir('muc-converse')}/bookmark-shown.png` });
      await second.close();
    }
    expect(errors).toEqual([]);
  }, 90000);
});
