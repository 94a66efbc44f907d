// The file-transfer policy on a real node (issue #10, "One policy for every path"): the config
// file's files.* keys are the defaults; the admin API (GET/PUT/DELETE /api/v1/settings/files)
// changes them at run time through the same parser, stores them in SQLite (so they outlive a
// restart), and what XMPP clients see — disco's max-file-size, slot refusals — follows at once.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { NS, StanzaError } from '@deskchat/protocol';
import { silentLogger } from '@deskchat/core';
import { ADMIN_TOKEN, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';
import { startNode } from './node.js';

const NS_UPLOAD = 'urn:xmpp:http:upload:0';
let server: TestNode;
let alice: Client;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
const policyUrl = () => `http://127.0.0.1:${server.node.ports.admin}/api/v1/settings/files`;

beforeAll(async () => {
  server = await startTestNode({ raw: { files: { maxBytes: 4096, refusedTypes: 'exe, bat' } } });
  await server.addUser('alice', 'pw-alice');
  alice = await signIn(server.port, 'alice', 'pw-alice', 'desk');
});

afterAll(async () => {
  if (alice) await stopClient(alice);
  await server?.stop();
});

const slot = (filename: string, size: number): Promise<Element> =>
  // xmpp.js rejects with its StanzaError, which keeps the <error/> element: put it back in an iq.
  alice.iqCaller.request(xml('iq', { type: 'get', to: 'localhost/upload' }, xml('request', { xmlns: NS_UPLOAD, filename, size: String(size) }))).catch((err: { element?: Element }) => {
    if (err.element) return xml('iq', { type: 'error' }, err.element);
    throw err;
  });

async function maxFileSize(): Promise<string | undefined> {
  const info = await alice.iqCaller.get(xml('query', { xmlns: NS.DISCO_INFO }), 'localhost/upload');
  return info.getChild('x', 'jabber:x:data')?.getChildren('field').find((f: Element) => f.attrs.var === 'max-file-size')?.getChildText('value') ?? undefined;
}

describe('the file policy on a running node', () => {
  it('starts from the config file: GET shows it, disco announces its limit, slots follow it', async () => {
    const report = await (await fetch(policyUrl(), { headers: auth })).json();
    expect(report).toMatchObject({ source: 'config', policy: { enabled: true, maxBytes: 4096, refusedTypes: ['exe', 'bat'] } });
    await expect(maxFileSize()).resolves.toBe('4096');
    expect(StanzaError.fromStanza(await slot('run.bat', 10))).toMatchObject({ condition: 'not-acceptable' });
    expect((await slot('notes.txt', 10)).attrs.type).toBe('result');
  });

  it('takes an administrator\'s policy at once, and refuses a bad one with the key that is wrong', async () => {
    const put = await fetch(policyUrl(), { method: 'PUT', headers: auth, body: JSON.stringify({ maxBytes: 1000, allowedTypes: ['pdf'] }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ source: 'admin', updatedBy: 'token:bootstrap', policy: { maxBytes: 1000, allowedTypes: ['pdf'], refusedTypes: ['exe', 'bat'] } });
    await expect(maxFileSize()).resolves.toBe('1000');
    expect(StanzaError.fromStanza(await slot('notes.txt', 10))).toMatchObject({ condition: 'not-acceptable', text: expect.stringContaining('accepted types: pdf (files.allowedTypes)') });
    const tooLarge = await slot('report.pdf', 1001);
    expect(tooLarge.getChild('error')!.getChild('file-too-large', NS_UPLOAD)!.getChildText('max-file-size')).toBe('1000');
    const bad = await fetch(policyUrl(), { method: 'PUT', headers: auth, body: JSON.stringify({ maxBytes: 1000, allowedTypes: ['pdf', 'a b'] }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid', reason: expect.stringMatching(/^allowedTypes\[1\]: must be a file extension/), fields: { 'allowedTypes[1]': expect.stringMatching(/^must be a file extension/) } });
    await expect(maxFileSize()).resolves.toBe('1000');
  });

  it('keeps the administrator\'s policy across a restart (SQLite settings), and DELETE returns to the config file', async () => {
    await stopClient(alice);
    await server.node.close();
    const restarted = await startNode(server.config, silentLogger);
    server = { ...server, node: restarted, port: restarted.ports.c2s, httpPort: restarted.ports.http, stop: () => restarted.close() };
    alice = await signIn(server.port, 'alice', 'pw-alice', 'desk');
    expect(await (await fetch(policyUrl(), { headers: auth })).json()).toMatchObject({ source: 'admin', policy: { maxBytes: 1000 } });
    const reverted = await fetch(policyUrl(), { method: 'DELETE', headers: auth });
    expect(await reverted.json()).toMatchObject({ source: 'config', policy: { maxBytes: 4096, allowedTypes: [] } });
    await expect(maxFileSize()).resolves.toBe('4096');
  });
});
