// Attachments in the gadget (issue #12 "Attachments", docs/files.md) in headless Chromium against a
// real node: the agent sends a file to a TCP client (xmpp.js), which receives the offer of "The
// offer" and declines it; gadget to gadget, the receiver sees name and size with Accept (the
// download's bytes are the original's) and Decline (the sender's gadget shows it declined and the
// URL then answers 404); a refused type and an oversize file are explained before any slot is
// asked for; a refusal from the server (quota, content) is shown with its text; the button goes
// when the administrator disables transfers; and every file keeps its state across a reload.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { Locator } from 'playwright-core';
import { artifactDir, launchChromium, type TestBrowser } from '@deskchat/testing';
import { ADMIN_TOKEN, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { befriend, eventually, GadgetPage, hasAttr, hasText, Inbox } from './__tests__/gadget-page.js';

const SUITE = artifactDir('gadget-files');
const MAX_BYTES = 64 * 1024;
const NS_OOB = 'jabber:x:oob';
const NS_METADATA = 'urn:xmpp:file:metadata:0';
const NS_DECLINE = 'urn:deskchat:file-offer:0';

let node: TestNode;
let chromium: TestBrowser;
/** The agent who sends, and bob, who receives in a gadget too. */
let agent: GadgetPage;
let bob: GadgetPage;
/** carol on a TCP client. */
let carol: Client;
let carolInbox: Inbox;
/** What the agent's page sent: every PUT's URL, and the BOSH bodies (to prove no slot was asked for). */
const puts: string[] = [];
const boshBodies: string[] = [];

const policyUrl = () => `http://127.0.0.1:${node.node.ports.admin}/api/v1/settings/files`;
const setPolicy = (policy: object) => fetch(policyUrl(), { method: 'PUT', headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(policy) });
const pdf = (size: number) => {
  const data = randomBytes(size);
  data.write('%PDF-1.7\n', 0, 'latin1');
  return data;
};

/** Picks a file with the chat window's "Send a file" button (by keyboard when asked). */
async function sendFile(page: GadgetPage, file: { name: string; mimeType: string; buffer: Buffer }, byKeyboard = false): Promise<void> {
  const button = page.page.getByRole('button', { name: 'Send a file', exact: true });
  const chooser = page.page.waitForEvent('filechooser');
  if (byKeyboard) {
    await button.focus();
    await button.press('Enter');
  } else await button.click();
  await (await chooser).setFiles(file);
}

/** The card of a file in the active conversation (the last one with that name). */
const card = (page: GadgetPage, name: string): Locator => page.page.locator('.chat-window .msg.file').filter({ has: page.page.locator('.file-name', { hasText: name }) }).last();

async function openChat(page: GadgetPage, contact: string, name: string): Promise<void> {
  await page.contact(`${contact}@localhost`, 'Team').click();
  await hasText(page.page.locator('.chat-title .title-text'), name);
}

beforeAll(async () => {
  node = await startTestNode({ raw: { files: { maxBytes: MAX_BYTES } } });
  for (const user of ['agent', 'bob', 'carol']) await node.addUser(user, `pw-${user}`);
  await befriend(node, 'agent', 'bob', 'Team', 'Bob Builder');
  await befriend(node, 'agent', 'carol', 'Team', 'Carol Singer');
  const browser = launchChromium();
  carol = await signIn(node.port, 'carol', 'pw-carol', 'tcp');
  carolInbox = new Inbox(carol);
  await carol.send(xml('presence'));
  chromium = await browser;
  [agent, bob] = await Promise.all([GadgetPage.open(chromium, node, SUITE), GadgetPage.open(chromium, node, SUITE)]);
  agent.page.on('request', (request) => {
    if (request.method() === 'PUT') puts.push(request.url());
    if (request.url().includes('/http-bind')) boshBodies.push(request.postData() ?? '');
  });
  await agent.signIn('agent', 'pw-agent');
  await bob.signIn('bob', 'pw-bob');
}, 60_000); // a real node, Chromium with two pages and a TCP client: slow on a busy machine

afterAll(async () => {
  await Promise.all([agent, bob].filter(Boolean).map((g) => g.close()));
  if (carol) await stopClient(carol);
  await chromium?.close();
  await node?.stop();
});

describe('sending to a TCP client (xmpp.js)', () => {
  let offer: Element;
  const notes = Buffer.from('Meeting notes\n1. Attachments in the gadget\n2. Screenshots as artefacts\n');

  it('uploads the file and sends the offer of docs/files.md: body and oob URL, XEP-0446 name, size and type', async () => {
    await openChat(agent, 'carol', 'Carol Singer');
    await hasAttr(agent.page.locator('.chat-window .attachments'), 'data-upload', 'enabled');
    await sendFile(agent, { name: 'notes.txt', mimeType: 'text/plain', buffer: notes });
    offer = await carolInbox.next((el) => el.is('message') && !!el.getChild('x', NS_OOB));
    const url = offer.getChild('x', NS_OOB)!.getChildText('url')!;
    expect(offer.attrs).toMatchObject({ type: 'chat', to: 'carol@localhost', from: expect.stringMatching(/^agent@localhost\//), id: expect.any(String) });
    expect(offer.getChildText('body')).toBe(url);
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${node.httpPort}/files/[^/]+/notes\\.txt$`));
    const meta = offer.getChild('file', NS_METADATA)!;
    expect([meta.getChildText('name'), meta.getChildText('size'), meta.getChildText('media-type')]).toEqual(['notes.txt', String(notes.length), 'text/plain']);
    expect(puts).toEqual([url]);
    await hasText(card(agent, 'notes.txt').locator('.file-state'), 'Sent. Waiting for an answer.');
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(notes);
    await agent.screenshot('sent-to-tcp-client');
  });

  it('shows the decline of the TCP client as declined (matched by URL and id), not as a message; the URL then answers 404', async () => {
    const url = offer.getChild('x', NS_OOB)!.getChildText('url')!;
    await carol.send(xml('message', { to: offer.attrs.from, type: 'chat' }, xml('decline', { xmlns: NS_DECLINE, url, id: offer.attrs.id }), xml('body', {}, 'Declined the file notes.txt')));
    await hasText(card(agent, 'notes.txt').locator('.file-state'), 'Declined by Carol Singer');
    expect((await agent.conversation()).filter(([dir]) => dir === 'in')).toEqual([]);
    expect((await fetch(url)).status).toBe(404);
    await agent.screenshot('declined-by-tcp-client');
  });
});

describe('gadget to gadget', () => {
  const report = pdf(40_000);

  it('shows the offer as name and size with Accept and Decline, never as a link, image or frame; Accept downloads the same bytes', async () => {
    await openChat(agent, 'bob', 'Bob Builder');
    await sendFile(agent, { name: 'report.pdf', mimeType: 'application/pdf', buffer: report }, true);
    const offered = card(bob, 'report.pdf');
    await hasText(offered.locator('.file-size'), '39.1 KB');
    await hasText(offered.locator('.file-state'), 'Accept to save it in your downloads.');
    expect(await bob.page.locator('.chat-window .messages').locator('a[href], img, iframe, object, embed').count()).toBe(0);
    await bob.screenshot('offer-received');

    const [download] = await Promise.all([bob.page.waitForEvent('download'), offered.getByRole('button', { name: 'Accept report.pdf' }).click()]);
    expect(download.suggestedFilename()).toBe('report.pdf');
    expect(fs.readFileSync((await download.path())!)).toEqual(report);
    await hasText(offered.locator('.file-state'), 'Accepted: saved in your downloads.');
    await hasText(card(agent, 'report.pdf').locator('.file-state'), 'Sent. Waiting for an answer.');
    await bob.screenshot('offer-accepted');
    await agent.screenshot('sent-to-gadget');
  });

  it('Decline tells the sender: its gadget shows the file declined, and the URL answers 404', async () => {
    await sendFile(agent, { name: 'draft.pdf', mimeType: 'application/pdf', buffer: pdf(3000) });
    const offered = card(bob, 'draft.pdf');
    await offered.getByRole('button', { name: 'Decline draft.pdf' }).click();
    await hasText(offered.locator('.file-state'), 'Declined');
    expect(await offered.getByRole('button').count()).toBe(0);
    await hasText(card(agent, 'draft.pdf').locator('.file-state'), 'Declined by Bob Builder');
    const url = puts.at(-1)!;
    expect(url).toMatch(/\/draft\.pdf$/);
    expect((await fetch(url)).status).toBe(404);
    await bob.screenshot('offer-declined');
    await agent.screenshot('declined-by-gadget');
  });
});

describe('refusals', () => {
  it('explains a refused type and an oversize file before any upload: no slot asked for, no PUT', async () => {
    const stored = await node.node.core.stores.files.usage('agent', 0);
    const putsBefore = puts.length;
    const bodiesBefore = boshBodies.length;
    await sendFile(agent, { name: 'setup.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('not really a program') });
    await hasText(card(agent, 'setup.exe').locator('.file-reason'), 'setup.exe: files of type .exe are not accepted.');
    await sendFile(agent, { name: 'big.pdf', mimeType: 'application/pdf', buffer: pdf(MAX_BYTES + 1) });
    await hasText(card(agent, 'big.pdf').locator('.file-reason'), 'big.pdf is too large (64.0 KB). The largest file you can send is 64 KB.');
    await hasText(card(agent, 'big.pdf').locator('.file-state'), 'Not sent');
    // The gadget asked for the policy (its disco#info) before each file: proof the bodies were seen.
    const sent = boshBodies.slice(bodiesBefore);
    expect(sent.filter((b) => b.includes('localhost/upload') && b.includes('disco#info')).length).toBeGreaterThanOrEqual(2);
    expect(sent.filter((b) => /<request[^>]*urn:xmpp:http:upload:0/.test(b))).toEqual([]);
    expect(puts.length).toBe(putsBefore);
    expect(await node.node.core.stores.files.usage('agent', 0)).toEqual(stored);
    await agent.screenshot('refused-before-upload');
  });

  it('shows the server’s own refusals: the slot’s (quota) and the upload’s (content of another type)', async () => {
    expect((await setPolicy({ quotaBytesPerUser: 10 })).status).toBe(200);
    await sendFile(agent, { name: 'minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('more than ten bytes of minutes') });
    await eventually(async () => expect(await card(agent, 'minutes.txt').locator('.file-reason').textContent()).toMatch(/^Quota reached: .*files\.quotaBytesPerUser/));
    expect((await fetch(policyUrl(), { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);

    const program = Buffer.alloc(256);
    program.write('MZ', 0, 'latin1');
    await sendFile(agent, { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: program });
    await eventually(async () => expect(await card(agent, 'invoice.pdf').locator('.file-reason').textContent()).toMatch(/^invoice\.pdf is named as \.pdf but its content is a Windows executable/));
    await agent.screenshot('refused-by-server');
  });
});

describe('the administrator disables transfers', () => {
  it('a file chosen meanwhile is not sent, and the button goes (data-upload="disabled")', async () => {
    expect((await setPolicy({ enabled: false })).status).toBe(200);
    const bodiesBefore = boshBodies.length;
    await sendFile(agent, { name: 'late.txt', mimeType: 'text/plain', buffer: Buffer.from('late') });
    await hasText(card(agent, 'late.txt').locator('.file-reason'), 'File transfer is disabled by the administrator.');
    await hasAttr(agent.page.locator('.chat-window .attachments'), 'data-upload', 'disabled');
    expect(await agent.page.getByRole('button', { name: 'Send a file' }).isVisible()).toBe(false);
    expect(boshBodies.slice(bodiesBefore).filter((b) => /<request[^>]*urn:xmpp:http:upload:0/.test(b))).toEqual([]);
  });

  it('after a reload the button stays hidden, and every file keeps its state (the tab’s history)', async () => {
    await Promise.all([agent.page.reload(), bob.page.reload()]);
    for (const page of [agent, bob]) await page.page.locator('#app[data-ready="true"]').waitFor();
    await hasAttr(agent.page.locator('.chat-window .attachments'), 'data-upload', 'disabled');
    expect(await agent.page.getByRole('button', { name: 'Send a file' }).isVisible()).toBe(false);
    await hasText(card(agent, 'draft.pdf').locator('.file-state'), 'Declined by Bob Builder');
    await hasText(card(agent, 'report.pdf').locator('.file-state'), 'Sent. Waiting for an answer.');
    await hasText(card(agent, 'setup.exe').locator('.file-reason'), 'setup.exe: files of type .exe are not accepted.');
    await hasText(card(bob, 'report.pdf').locator('.file-state'), 'Accepted: saved in your downloads.');
    await hasText(card(bob, 'draft.pdf').locator('.file-state'), 'Declined');
    await agent.screenshot('disabled-after-reload');
    expect([...agent.errors, ...bob.errors]).toEqual([]);
  });
});
