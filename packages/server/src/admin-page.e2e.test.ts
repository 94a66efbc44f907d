// The admin page in Debian's Chromium against a real node (issue "Administration", proof): sign in;
// edit the chat server URLs; Revert restores the saved values; Save persists across a page reload
// and a server restart; an invalid URL shows its reason and saves nothing; a user added on the page
// signs in with an XMPP client; the Cluster page says a single node has none. Screenshots of each
// page go to test-artifacts/admin-page/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { hashPassword } from '@deskchat/admin';
import { silentLogger } from '@deskchat/core';
import { openSqliteStores } from '@deskchat/storage-sqlite';
import { artifactDir, launchChromium, type TestBrowser } from '@deskchat/testing';
import { startNode, type RunningNode } from './node.js';
import { signIn, startTestNode, stopClient, type TestNode } from './__tests__/e2e-helpers.js';

const shots = artifactDir('admin-page');
const PRIMARY = 'https://chat1.example.com:5280/http-bind';
const SECONDARY = 'https://chat2.example.com:5280/httpbinding';
let test: TestNode;
let node: RunningNode;
let chromium: TestBrowser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

const adminUrl = () => `http://127.0.0.1:${node.ports.admin}/`;

async function signInOnPage(): Promise<void> {
  await page.goto(adminUrl());
  await page.getByLabel('Admin name').fill('root');
  await page.getByLabel('Password').fill('root password 1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Desktop Chat Server Settings' }).waitFor();
}

beforeAll(async () => {
  test = await startTestNode();
  node = test.node;
  const stores = openSqliteStores(test.config.dataDir);
  await stores.admins.createAdmin({ name: 'root', passwordHash: await hashPassword('root password 1'), createdAt: Date.now(), passwordChangedAt: Date.now() });
  stores.close();
  chromium = await launchChromium();
  context = await chromium.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await chromium?.close();
  await node?.close();
});

describe('admin page in Chromium', () => {
  it('refuses a wrong password with its reason, then signs in', async () => {
    await page.goto(adminUrl());
    await page.getByRole('heading', { name: 'DeskChat administration' }).waitFor();
    await page.screenshot({ path: `${shots}/sign-in.png` });
    await page.getByLabel('Admin name').fill('root');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#sign-in-status').textContent()).resolves.toBe('');
    await page.locator('#sign-in-status', { hasText: 'wrong admin name or password' }).waitFor();
    await signInOnPage();
    await expect(page.locator('#last-saved').textContent()).resolves.toContain('Not saved yet');
  });

  it('saves the URLs with who and when; Revert then restores the saved values', async () => {
    await page.getByLabel('Primary Chat Server').fill(PRIMARY);
    await page.getByLabel('Secondary Chat Server').fill(SECONDARY);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#form-status', { hasText: 'Saved.' }).waitFor();
    await expect(page.locator('#last-saved').textContent()).resolves.toMatch(/^Last saved by admin:root at /);
    await page.screenshot({ path: `${shots}/chat-servers.png` });
    await page.getByLabel('Primary Chat Server').fill('https://typo.example.com/http-bind');
    await page.getByLabel('Secondary Chat Server').fill('');
    await page.getByRole('button', { name: 'Revert' }).click();
    await expect(page.getByLabel('Primary Chat Server').inputValue()).resolves.toBe(PRIMARY);
    await expect(page.getByLabel('Secondary Chat Server').inputValue()).resolves.toBe(SECONDARY);
    await expect(page.getByRole('button', { name: 'Save' }).isDisabled()).resolves.toBe(true);
  });

  it('shows the reason of an invalid URL next to its field and saves nothing', async () => {
    await page.getByLabel('Primary Chat Server').fill('http://chat1.example.com/http-bind');
    await page.getByLabel('Secondary Chat Server').fill('https://chat2.example.com/chat');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#error-primary', { hasText: 'must use https' }).waitFor();
    await expect(page.locator('#error-secondary').textContent()).resolves.toContain('the path must be the BOSH path');
    await expect(page.getByLabel('Primary Chat Server').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.screenshot({ path: `${shots}/chat-servers-invalid.png` });
    const publicCopy = await (await fetch(`http://127.0.0.1:${node.ports.http}/api/v1/public/chat-servers`)).json();
    expect(publicCopy).toEqual({ primary: PRIMARY, secondary: SECONDARY });
  });

  it('keeps the saved values across a page reload (still signed in)', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Desktop Chat Server Settings' }).waitFor();
    await expect(page.getByLabel('Primary Chat Server').inputValue()).resolves.toBe(PRIMARY);
    await expect(page.getByLabel('Secondary Chat Server').inputValue()).resolves.toBe(SECONDARY);
  });

  it('adds a user on the Users page who then signs in with an XMPP client', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    await page.getByLabel('Username').fill('carol');
    await page.getByLabel('Password (empty: generate one)').fill('carol chat pw');
    await page.getByLabel('Display name').fill('Carol Agent');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('#users-status', { hasText: 'Added carol.' }).waitFor();
    await page.locator('td', { hasText: 'Carol Agent' }).waitFor();
    await page.screenshot({ path: `${shots}/users.png` });
    const xmpp = await signIn(test.port, 'carol', 'carol chat pw', 'desk');
    expect(xmpp.jid?.toString()).toBe('carol@localhost/desk');
    await stopClient(xmpp);
    // The same field rules as the CLI, shown next to the field.
    await page.getByLabel('Username').fill('bad name');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('#new-username-error', { hasText: 'invalid username' }).waitFor();
  });

  it('shows the load limits, the live status and the audit log', async () => {
    await page.getByRole('link', { name: 'Load limits' }).click();
    await page.locator('#limit-state', { hasText: 'accepting sign-ins' }).waitFor();
    await page.screenshot({ path: `${shots}/load-limits.png` });
    await page.getByRole('link', { name: 'Live status' }).click();
    await page.locator('#figures dt', { hasText: 'Sign-ins since start' }).waitFor();
    await page.screenshot({ path: `${shots}/status.png` });
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('#audit-table td', { hasText: 'settings.chat-servers.update' }).waitFor();
    await expect(page.locator('#audit-table td', { hasText: 'user.add' }).count()).resolves.toBe(1);
    await page.screenshot({ path: `${shots}/audit.png` });
  });

  it('says on the Cluster and Users pages that a single node has no cluster', async () => {
    await page.getByRole('link', { name: 'Cluster' }).click();
    await page.locator('#cluster-note', { hasText: 'This node runs alone, not in a cluster' }).waitFor();
    await expect(page.getByRole('button', { name: /^Rebalance/ }).count()).resolves.toBe(0);
    await page.screenshot({ path: `${shots}/cluster-single-node.png` });
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator('#users-node-note', { hasText: 'users have no node to assign' }).waitFor();
    await expect(page.locator('#users-table th').allTextContents()).resolves.toEqual(['Username', 'Name', 'E-mail', 'Created', '']);
    await expect(page.locator('#new-node').count()).resolves.toBe(0);
  });

  it('is readable on a narrow window', async () => {
    await page.setViewportSize({ width: 380, height: 800 });
    await page.goto(`${adminUrl()}#/chat-servers`);
    await page.getByRole('heading', { name: 'Desktop Chat Server Settings' }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${shots}/chat-servers-narrow.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('keeps the saved values across a server restart (sign in again: sessions are per process)', async () => {
    await node.close();
    node = await startNode(test.config, silentLogger);
    await signInOnPage();
    await expect(page.getByLabel('Primary Chat Server').inputValue()).resolves.toBe(PRIMARY);
    await expect(page.getByLabel('Secondary Chat Server').inputValue()).resolves.toBe(SECONDARY);
    await expect(page.locator('#last-saved').textContent()).resolves.toMatch(/^Last saved by admin:root/);
    expect(pageErrors).toEqual([]);
  });
});
