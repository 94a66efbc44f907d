// Driving the desktop-chat gadget (packages/web, served at /chat/) in Chromium for end-to-end
// tests, the way an agent does: by labels and roles, with the keyboard or the mouse. Also the
// "other client" side: rosters and presence read over TCP with @xmpp/client. (Not a test file
// itself, so it takes the browser and the artefact directory from the tests rather than importing
// @deskchat/testing: scripts/check-deps.mjs allows that to *.test.ts files only.)
import fs from 'node:fs';
import path from 'node:path';
import { client, xml, type Client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { BrowserContext, Locator, Page } from 'playwright-core';

/** What the tests' Chromium (launchChromium of @deskchat/testing) offers. */
export interface Browser {
  newContext(options?: { viewport?: { width: number; height: number } }): Promise<BrowserContext>;
}
import type { TestNode } from './e2e-helpers.js';

export class GadgetPage {
  readonly errors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    /** Where screenshots go (artifactDir(suite) of @deskchat/testing). */
    private readonly artifacts: string,
  ) {
    page.on('pageerror', (err) => this.errors.push(err.message));
  }

  /** A fresh browser context (own sessionStorage) on the node's /chat/ page. */
  static async open(browser: Browser, node: TestNode, artifacts: string, query = 'domain=localhost', viewport = { width: 900, height: 720 }): Promise<GadgetPage> {
    return GadgetPage.openAt(browser, `http://127.0.0.1:${node.httpPort}/chat/?${query}`, artifacts, viewport);
  }

  /** The same, at any address (a node started as a process, for instance). */
  static async openAt(browser: Browser, url: string, artifacts: string, viewport = { width: 900, height: 720 }): Promise<GadgetPage> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const gadget = new GadgetPage(context, page, artifacts);
    await page.goto(url);
    await page.locator('#app[data-view]').waitFor();
    return gadget;
  }

  /** Signs in with the form and waits for the contact list; returns the measured sign-in time (ms). */
  async signIn(username: string, password: string): Promise<number> {
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign In' }).click();
    await this.page.locator('#app[data-ready="true"]').waitFor();
    return this.page.evaluate(() => performance.getEntriesByName('deskchat:sign-in').at(-1)?.duration ?? -1);
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  // ---- contact list ---------------------------------------------------------------------------

  group(name: string): Locator {
    return this.page.locator('section.group').filter({ has: this.page.locator('.group-toggle .label', { hasText: new RegExp(`^${escapeRe(name)}$`) }) });
  }

  /** The contact's row button in a group (or anywhere). */
  contact(jid: string, group?: string): Locator {
    return (group ? this.group(group) : this.page.locator('nav.contacts')).locator(`.contact[data-jid="${jid}"]`);
  }

  /** Names of the contacts shown in each group, in order. */
  async listed(): Promise<Record<string, string[]>> {
    // Strings, not functions: the tests are type-checked without the DOM library.
    return this.page.evaluate(`(() => {
      const out = {};
      for (const section of document.querySelectorAll('section.group')) {
        const title = section.querySelector('.group-toggle .label')?.textContent ?? '';
        out[title] = [...section.querySelectorAll('.contact .name')].map((n) => n.textContent ?? '');
      }
      return out;
    })()`);
  }

  async contactMenu(jid: string, group: string | undefined, item: string): Promise<void> {
    const row = (group ? this.group(group) : this.page.locator('nav.contacts')).locator(`li.row[data-jid="${jid}"]`);
    await row.locator('button.more').click();
    await this.page.getByRole('menuitem', { name: item, exact: true }).click();
  }

  async groupMenu(group: string, item: string): Promise<void> {
    await this.group(group).locator('.group-header button.more').click();
    await this.page.getByRole('menuitem', { name: item, exact: true }).click();
  }

  dialog(): Locator {
    return this.page.locator('dialog[open]');
  }

  /** Chooses a group in a dialog's group chooser: an existing one, or a new one by name. */
  async chooseGroup(label: string, group: string, isNew: boolean): Promise<void> {
    const select = this.dialog().getByLabel(label, { exact: true });
    if (isNew) {
      await select.selectOption({ label: 'New group…' });
      await this.dialog().getByLabel('New group name').fill(group);
    } else await select.selectOption({ label: group });
  }

  async submitDialog(button: string): Promise<void> {
    await this.dialog().getByRole('button', { name: button, exact: true }).click();
    await this.dialog().waitFor({ state: 'detached' });
  }

  // ---- chat window ----------------------------------------------------------------------------

  chatWindow(): Locator {
    return this.page.locator('section.chat-window');
  }

  /** The texts of the active conversation, as [direction, text]. */
  async conversation(): Promise<[string, string][]> {
    return this.page.evaluate(`[...document.querySelectorAll('.chat-window .msg')].map((m) => [m.classList.contains('out') ? 'out' : 'in', m.querySelector('.text')?.textContent ?? ''])`);
  }

  async send(text: string): Promise<void> {
    const input = this.page.locator('#dc-message');
    await input.fill(text);
    await input.press('Enter');
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

export function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Polls until `check` passes (returns without throwing), or throws its last error. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** The roster as another client of the same user sees it: jid → {name, groups (sorted)}. */
export async function rosterOf(client: Client): Promise<Record<string, { name?: string; groups: string[] }>> {
  const query = (await client.iqCaller.get(xml('query', { xmlns: 'jabber:iq:roster' }))) as Element;
  const out: Record<string, { name?: string; groups: string[] }> = {};
  for (const item of query.getChildren('item')) {
    out[item.attrs.jid] = { ...(item.attrs.name ? { name: item.attrs.name } : {}), groups: item.getChildren('group').map((g) => g.getText()).sort() };
  }
  return out;
}

/** Stanzas a TCP client receives, with a waiter. */
export class Inbox {
  readonly stanzas: Element[] = [];
  constructor(client: Client) {
    client.on('stanza', (el: Element) => this.stanzas.push(el));
  }

  /** Where the inbox is now: `next(match, mark())` then finds only later stanzas. */
  mark(): number {
    return this.stanzas.length;
  }

  async next(match: (el: Element) => boolean, from = 0, timeoutMs = 8000): Promise<Element> {
    return eventually(() => {
      const found = this.stanzas.slice(from).find(match);
      if (!found) throw new Error('no matching stanza yet');
      return found;
    }, timeoutMs);
  }

  /** Messages with a body, as texts. */
  bodies(): string[] {
    return this.stanzas.filter((s) => s.is('message') && s.getChildText('body')).map((s) => s.getChildText('body')!);
  }
}

/** The contact's side in a cluster: an xmpp.js client signed in over TCP on `c2sPort` (no reconnection), available, with its Inbox. */
export async function availableContact(c2sPort: number, username: string, password: string): Promise<{ contact: Client; inbox: Inbox }> {
  const contact = client({ timeout: 15000, service: `xmpp://127.0.0.1:${c2sPort}`, domain: 'localhost', username, password, resource: 'desk' });
  contact.on('error', () => {});
  contact.reconnect.stop();
  const inbox = new Inbox(contact);
  await contact.start();
  await contact.send(xml('presence'));
  return { contact, inbox };
}

/** Keeps a timing for the report (timings.json in the suite's artefact directory). */
export function recordTiming(artifacts: string, name: string, ms: number): void {
  const file = path.join(artifacts, 'timings.json');
  const current = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>) : {};
  current[name] = Math.round(ms * 10) / 10;
  fs.writeFileSync(file, `${JSON.stringify(current, null, 2)}\n`);
}

// Waiting assertions on locators (jest's expect does not wait; these poll until true or time out
// with the last value in the message).
async function until(locator: Locator, read: (l: Locator) => Promise<string | null>, test: (v: string | null) => boolean, what: string): Promise<void> {
  let last: string | null = null;
  try {
    await eventually(async () => {
      last = await read(locator);
      if (!test(last)) throw new Error('not yet');
    });
  } catch {
    throw new Error(`${locator.toString()}: expected ${what}, last saw ${JSON.stringify(last)}`);
  }
}

const normalize = (t: string | null) => (t ?? '').replace(/\s+/g, ' ').trim();

export const hasText = (l: Locator, text: string) => until(l.first(), (x) => x.textContent(), (v) => normalize(v) === text, `text ${JSON.stringify(text)}`);
export const containsText = (l: Locator, text: string) => until(l.first(), (x) => x.textContent(), (v) => normalize(v).includes(text), `text containing ${JSON.stringify(text)}`);
export const hasAttr = (l: Locator, name: string, value: string | null) => until(l.first(), (x) => x.getAttribute(name), (v) => v === value, `${name}=${JSON.stringify(value)}`);
export const hasValue = (l: Locator, value: string) => until(l.first(), (x) => x.inputValue(), (v) => v === value, `value ${JSON.stringify(value)}`);

/**
 * Makes `user` and `contact` mutual contacts (subscription both) straight in the store, as if they
 * had asked and approved earlier: tests about chatting need no subscription dance.
 */
export async function befriend(node: TestNode, user: string, contact: string, group: string, name?: string): Promise<void> {
  const roster = node.node.core.stores.roster;
  const item = (jid: string, groups: string[], display?: string) => ({ jid, groups, subscription: 'both' as const, isPendingOut: false, isPreApproved: false, ...(display ? { name: display } : {}) });
  await roster.setItem(user, item(`${contact}@localhost`, [group], name));
  await roster.setItem(contact, item(`${user}@localhost`, ['Agents']));
}
