// The admin page's File policy (issue #11) in Debian's Chromium against a real node: sign in, open
// File policy, change the maximum size and the allowed types, Save; a reload shows the saved values;
// Revert discards an unsaved edit; an invalid value shows the API's reason next to its field and
// saves nothing; a change without the CSRF token is refused; the page fits a narrow window; the
// change is in the audit log; and XMPP clients feel it at once: an XEP-0363 slot for a file larger
// than the new maximum is refused. Screenshots go to test-artifacts/admin-file-policy/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { hashPassword } from '@deskchat/admin';
import { StanzaError } from '@deskchat/protocol';
import { openSqliteStores } from '@deskchat/storage-sqlite';
import { artifactDir, launchChromium, type TestBrowser } from '@deskchat/testing';
import { ADMIN_TOKEN, signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

const NS_UPLOAD = 'urn:xmpp:http:upload:0';
const shots = artifactDir('admin-file-policy');
let test: TestNode;
let chromium: TestBrowser;
let context: BrowserContext;
let page: Page;
let alice: Client;
const pageErrors: string[] = [];

const adminUrl = () => `http://127.0.0.1:${test.node.ports.admin}/`;
const policyUrl = () => `${adminUrl()}api/v1/settings/files`;
const storedPolicy = async () => (await (await fetch(policyUrl(), { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { source: string; policy: Record<string, unknown> };

const slot = (filename: string, size: number): Promise<Element> =>
  // xmpp.js rejects with its StanzaError, which keeps the <error/> element: put it back in an iq.
  alice.iqCaller.request(xml('iq', { type: 'get', to: 'localhost/upload' }, xml('request', { xmlns: NS_UPLOAD, filename, size: String(size) }))).catch((err: { element?: Element }) => {
    if (err.element) return xml('iq', { type: 'error' }, err.element);
    throw err;
  });

beforeAll(async () => {
  test = await startTestNode();
  const stores = openSqliteStores(test.config.dataDir);
  await stores.admins.createAdmin({ name: 'root', passwordHash: await hashPassword('root password 1'), createdAt: Date.now(), passwordChangedAt: Date.now() });
  stores.close();
  await test.addUser('alice', 'pw-alice');
  alice = await signIn(test.port, 'alice', 'pw-alice', 'desk');
  chromium = await launchChromium();
  context = await chromium.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  if (alice) await stopClient(alice);
  await chromium?.close();
  await test?.stop();
});

describe('File policy page in Chromium', () => {
  it('is in the navigation and shows the config file\'s policy before any save', async () => {
    // Before: a 100 000-byte PDF gets a slot under the 5 MiB default.
    expect((await slot('big.pdf', 100_000)).attrs.type).toBe('result');
    await page.goto(adminUrl());
    await page.getByLabel('Admin name').fill('root');
    await page.getByLabel('Password').fill('root password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Desktop Chat Server Settings' }).waitFor();
    await page.getByRole('link', { name: 'File policy' }).click();
    await page.getByRole('heading', { name: 'File policy' }).waitFor();
    await expect(page.getByRole('link', { name: 'File policy' }).getAttribute('aria-current')).resolves.toBe('page');
    await expect(page.locator('#files-last-saved').textContent()).resolves.toContain('Not saved yet');
    await expect(page.getByLabel('Maximum file size (bytes)').inputValue()).resolves.toBe('5242880');
    await expect(page.getByLabel('Allowed types').inputValue()).resolves.toBe('');
    await expect(page.getByLabel('Refused types').inputValue()).resolves.toBe('exe, bat, cmd, com, vbs, msi, js, scr');
    await expect(page.getByLabel('Allow file transfer').isChecked()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Save' }).isDisabled()).resolves.toBe(true);
    await page.screenshot({ path: `${shots}/file-policy.png`, fullPage: true });
  });

  it('saves a new maximum size and allowed types with who and when, using only the keyboard', async () => {
    await page.getByLabel('Maximum file size (bytes)').focus();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('50000');
    await page.keyboard.press('Tab'); // to Allowed types
    await page.keyboard.type('PDF, .png, txt');
    await page.keyboard.press('Enter'); // submits the form
    await page.locator('#files-status', { hasText: 'Saved.' }).waitFor();
    await expect(page.locator('#files-last-saved').textContent()).resolves.toMatch(/^Last saved by admin:root at /);
    // The server's normalised form is shown.
    await expect(page.getByLabel('Allowed types').inputValue()).resolves.toBe('pdf, png, txt');
    expect(await storedPolicy()).toMatchObject({ source: 'admin', policy: { maxBytes: 50000, allowedTypes: ['pdf', 'png', 'txt'], refusedTypes: ['exe', 'bat', 'cmd', 'com', 'vbs', 'msi', 'js', 'scr'], enabled: true } });
    await page.screenshot({ path: `${shots}/file-policy-saved.png`, fullPage: true });
  });

  it('makes an XEP-0363 slot for a file over the new maximum refused', async () => {
    const tooLarge = await slot('big.pdf', 100_000);
    expect(tooLarge.attrs.type).toBe('error');
    expect(tooLarge.getChild('error')!.getChild('file-too-large', NS_UPLOAD)!.getChildText('max-file-size')).toBe('50000');
    expect(StanzaError.fromStanza(await slot('notes.doc', 10))).toMatchObject({ condition: 'not-acceptable' });
    expect((await slot('small.pdf', 40_000)).attrs.type).toBe('result');
  });

  it('shows the saved values after a reload', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'File policy' }).waitFor();
    await expect(page.getByLabel('Maximum file size (bytes)').inputValue()).resolves.toBe('50000');
    await expect(page.getByLabel('Allowed types').inputValue()).resolves.toBe('pdf, png, txt');
    await expect(page.locator('#files-last-saved').textContent()).resolves.toMatch(/^Last saved by admin:root at /);
  });

  it('discards an unsaved edit on Revert', async () => {
    await page.getByLabel('Maximum file size (bytes)').fill('123');
    await page.getByLabel('Allow file transfer').uncheck();
    await expect(page.getByRole('button', { name: 'Save' }).isDisabled()).resolves.toBe(false);
    await page.getByRole('button', { name: 'Revert' }).click();
    await page.locator('#files-status', { hasText: 'Reverted to the last saved values.' }).waitFor();
    await expect(page.getByLabel('Maximum file size (bytes)').inputValue()).resolves.toBe('50000');
    await expect(page.getByLabel('Allow file transfer').isChecked()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Save' }).isDisabled()).resolves.toBe(true);
    expect((await storedPolicy()).policy).toMatchObject({ maxBytes: 50000, enabled: true });
  });

  it('shows the API\'s reason next to an invalid field and saves nothing', async () => {
    await page.getByLabel('Maximum file size (bytes)').fill('0');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#files-maxBytes-error', { hasText: 'must be an integer 1..1099511627776' }).waitFor();
    await expect(page.getByLabel('Maximum file size (bytes)').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#files-status').textContent()).resolves.toMatch(/^Not saved: maxBytes: must be an integer/);
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe('files-maxBytes');
    expect((await storedPolicy()).policy).toMatchObject({ maxBytes: 50000 });

    await page.getByLabel('Maximum file size (bytes)').fill('60000');
    await page.getByLabel('Allowed types').fill('pdf, a b');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#files-allowedTypes-error', { hasText: 'must be a file extension' }).waitFor();
    await expect(page.locator('#files-allowedTypes-error').textContent()).resolves.toContain('(got " a b")');
    await expect(page.locator('#files-maxBytes-error').textContent()).resolves.toBe('');
    await expect(page.getByLabel('Allowed types').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.screenshot({ path: `${shots}/file-policy-invalid.png`, fullPage: true });
    expect((await storedPolicy()).policy).toMatchObject({ maxBytes: 50000, allowedTypes: ['pdf', 'png', 'txt'] });
    await page.getByRole('button', { name: 'Revert' }).click();
    await expect(page.locator('#files-allowedTypes-error').textContent()).resolves.toBe('');
    await expect(page.getByLabel('Allowed types').inputValue()).resolves.toBe('pdf, png, txt');
  });

  it('needs the session\'s CSRF token to change the policy, as every page does', async () => {
    // The page's own cookie without the X-CSRF-Token header the page's api() adds.
    const status = await page.evaluate<number>(
      `fetch('/api/v1/settings/files', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxBytes: 1 }) }).then((r) => r.status)`,
    );
    expect(status).toBe(403);
    expect((await storedPolicy()).policy).toMatchObject({ maxBytes: 50000 });
  });

  it('is readable on a narrow window', async () => {
    await page.setViewportSize({ width: 380, height: 800 });
    await page.goto(`${adminUrl()}#/file-policy`);
    await page.getByRole('heading', { name: 'File policy' }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${shots}/file-policy-narrow.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('has the change in the audit log, once', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('#audit-table td', { hasText: 'settings.files.update' }).waitFor();
    await expect(page.locator('#audit-table td', { hasText: 'settings.files.update' }).count()).resolves.toBe(1);
    const row = page.locator('#audit-table tr', { hasText: 'settings.files.update' });
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe('admin:root');
    await expect(row.locator('td').nth(4).textContent()).resolves.toContain('"maxBytes":5242880');
    await expect(row.locator('td').nth(5).textContent()).resolves.toContain('"maxBytes":50000');
    await page.screenshot({ path: `${shots}/audit.png` });
    expect(pageErrors).toEqual([]);
  });
});
