// The browser apps of packages/web, served by a real node and loaded in Debian's Chromium: the
// gadget on the HTTP port at /chat/, the admin page on the admin port at /.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { artifactDir, launchChromium, type TestBrowser } from '@deskchat/testing';
import { startTestNode, type TestNode } from './__tests__/e2e-helpers.js';

let node: TestNode;
let chromium: TestBrowser;

beforeAll(async () => {
  node = await startTestNode();
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await node?.stop();
});

describe('browser apps served by a node', () => {
  it('serves the gadget at /chat/ on the HTTP port, and it runs in Chromium', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const response = await page.goto(`http://127.0.0.1:${node.httpPort}/chat/`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Desktop Chat');
    await page.locator('#app').waitFor();
    await page.screenshot({ path: `${artifactDir('web-apps')}/chat.png` });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('serves the admin page at / on the admin port, framed by nobody', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const response = await page.goto(`http://127.0.0.1:${node.node.ports.admin}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    await expect(page.title()).resolves.toBe('DeskChat administration');
    await context.close();
  });
});
