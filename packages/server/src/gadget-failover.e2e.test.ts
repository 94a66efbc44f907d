// The desktop-chat gadget in a cluster (issue #12, docs/gadget.md "Discovery and failover"), in
// headless Chromium against a four-node cluster of DeskChat processes on a real redis-server: imp1a
// and imp1b (pair1, the agent's home and backup), imp2a (pair2, the contact's home, whose /chat/ page
// the agent loads, so that the Primary is a node that does not serve the agent) and imp2b.
//   (a) sign-in opens a BOSH session with from='agent@localhost' on the Primary, reads <home/> and
//       <backup/> (urn:deskchat:cluster:0), ends that session and authenticates on the home only;
//       the session is held by imp1a (admin API); {home, backup} is cached in localStorage and the
//       next sign-in goes straight to the home;
//   (b) imp1a is killed with SIGKILL mid-conversation: the gadget shows "Reconnecting…" (role
//       status), resends the same body (same sid, same rid) to imp1b and continues there without a
//       new sign-in; the contact's message sent meanwhile shows exactly once; the agent's next
//       message reaches the contact;
//   (c) the administrator moves the agent to imp2a: the session ends (see-other-uri, then
//       item-not-found for the same body there), and the gadget signs in again by itself, with the
//       credentials it kept in memory, on the new home, in the Do Not Disturb status chosen before;
//   (d) with the administrator's Primary chat server a node that is down (imp2b, killed) and the
//       Secondary imp2a, a second agent with nothing cached discovers its home (imp1b) through the
//       Secondary and signs in there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import { connectRedis, parseRedisOptions, type RedisConnection } from '@deskchat/redis';
import { artifactDir, launchChromium, startRedisServer, type RedisTestServer, type TestBrowser } from '@deskchat/testing';
import { availableContact, eventually, GadgetPage, type Inbox } from './__tests__/gadget-page.js';
import { ADMIN_TOKEN, startNodeProcess, type NodeProcess } from './__tests__/node-process.js';
import { seedUsers } from './__tests__/cluster-seed.js';

const SUITE = artifactDir('gadget-failover');
// CORS: the page is imp2a's, the BOSH requests go to imp1a and imp1b.
const ENV = { DESKCHAT_HEARTBEAT_SECONDS: '1', DESKCHAT_DEAD_AFTER_SECONDS: '8', DESKCHAT_CORS_ORIGINS: '*' };

let redis: RedisTestServer;
let connection: RedisConnection;
let imp1a: NodeProcess, imp1b: NodeProcess, imp2a: NodeProcess, imp2b: NodeProcess;
let stores: Awaited<ReturnType<typeof seedUsers>>;
let chromium: TestBrowser;
let gadget: GadgetPage;
let contact: Client;
let inbox: Inbox;
/** Every BOSH request the page sent: where, and the body. */
const posts: { url: string; body: string }[] = [];

const attr = (body: string, name: string) => new RegExp(`\\s${name}=['"]([^'"]*)['"]`).exec(body)?.[1];
const isAuth = (body: string) => body.includes('<auth ');

/** Sessions each node holds, as the admin API (of a live node) reads the directory. */
async function sessionsByNode(via: NodeProcess): Promise<Record<string, number>> {
  const response = await fetch(`http://127.0.0.1:${via.admin}/api/v1/cluster`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const status = (await response.json()) as { nodes: { name: string; sessions: number }[] };
  return Object.fromEntries(status.nodes.map((n) => [n.name, n.sessions]));
}

/** How many messages of the active conversation have this text. */
async function shown(text: string): Promise<number> {
  return (await gadget.conversation()).filter(([, t]) => t === text).length;
}

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  connection = await connectRedis(parseRedisOptions({ url: redis.url }, 'test'));
  stores = await seedUsers(connection, { agent: 'imp1a', contact: 'imp2a', agent2: 'imp1b' }, ['agent', 'contact']);
  const cluster = { redisUrl: redis.url, env: ENV };
  const browser = launchChromium();
  [imp1a, imp1b, imp2a, imp2b] = await Promise.all([
    startNodeProcess({ name: 'imp1a', pair: 'pair1', ...cluster }),
    startNodeProcess({ name: 'imp1b', pair: 'pair1', ...cluster }),
    startNodeProcess({ name: 'imp2a', pair: 'pair2', ...cluster }),
    startNodeProcess({ name: 'imp2b', pair: 'pair2', ...cluster }),
  ]);
  ({ contact, inbox } = await availableContact(imp2a.c2s, 'contact', 'pw-contact'));
  chromium = await browser;
}, 60_000);

afterAll(async () => {
  await gadget?.close();
  await contact?.stop().catch(() => undefined);
  await chromium?.close();
  for (const node of [imp1a, imp1b, imp2a, imp2b]) if (node) await node.stop().catch(() => undefined);
  await connection?.close();
  await redis?.stop();
}, 30_000);

describe('the gadget in a cluster', () => {
  it('discovers the home on the Primary, authenticates only there, and caches {home, backup}', async () => {
    gadget = await GadgetPage.openAt(chromium, `http://127.0.0.1:${imp2a.http}/chat/?domain=localhost`, SUITE);
    gadget.page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/http-bind')) posts.push({ url: r.url(), body: r.postData() ?? '' });
    });
    await gadget.signIn('agent', 'pw-agent');
    // 1. The first session: on the Primary (imp2a), announcing the user, never authenticated.
    expect(posts[0]!.url).toBe(imp2a.bosh);
    expect(attr(posts[0]!.body, 'from')).toBe('agent@localhost');
    const probeSid = posts.find((p) => p.url === imp2a.bosh && attr(p.body, 'sid'))?.body;
    expect(probeSid && attr(probeSid, 'type')).toBe('terminate');
    // 2. Authentication happened on the home only, and the home holds the session.
    expect(posts.filter((p) => isAuth(p.body)).map((p) => p.url)).toEqual([imp1a.bosh]);
    expect(await sessionsByNode(imp1b)).toEqual({ imp1a: 1, imp1b: 0, imp2a: 1, imp2b: 0 }); // imp2a: the contact
    // 3. Cached per user in localStorage.
    const cached = JSON.parse((await gadget.page.evaluate(`localStorage.getItem('deskchat.nodes.agent@localhost')`)) as string) as { home: { bosh: string }; backup: { bosh: string } };
    expect([cached.home.bosh, cached.backup.bosh]).toEqual([imp1a.bosh, imp1b.bosh]);
    await gadget.screenshot('signed-in-on-home');

    // The next sign-in goes straight to the cached home: no request to the Primary at all.
    await gadget.page.getByRole('button', { name: /^Your state/ }).click();
    await gadget.page.getByRole('menuitem', { name: 'Sign Out' }).click();
    await gadget.page.getByRole('button', { name: 'Sign In' }).waitFor();
    posts.length = 0;
    await gadget.signIn('agent', 'pw-agent');
    expect(new Set(posts.map((p) => p.url))).toEqual(new Set([imp1a.bosh]));
    // (The sign-out's own terminate may be seen after the list was cleared: look at creations only.)
    const created = posts.filter((p) => !attr(p.body, 'sid'));
    expect(created.map((p) => [p.url, attr(p.body, 'from')])).toEqual([[imp1a.bosh, 'agent@localhost']]);
  }, 30_000);

  it('moves to the backup when the home is killed mid-conversation: banner, same session, the message sent meanwhile shown once', async () => {
    const page = gadget.page;
    // Mid-conversation: the contact writes, the agent answers.
    await contact.send(xml('message', { to: 'agent@localhost', type: 'chat', id: 'c1' }, xml('body', {}, 'hello from the contact')));
    await eventually(async () => expect(await shown('hello from the contact')).toBe(1));
    await gadget.send('hello back');
    await inbox.next((el) => el.is('message') && el.getChildText('body') === 'hello back');
    // Every text the status banner shows, as it happens (the move can be quick).
    await page.evaluate(`(() => {
      window.bannerTexts = [];
      const banner = document.querySelector('.reconnecting[role=status]');
      new MutationObserver(() => window.bannerTexts.push(banner.textContent)).observe(banner, { childList: true, characterData: true, subtree: true });
    })()`);
    const session = JSON.parse((await page.evaluate(`sessionStorage.getItem('deskchat.bosh')`)) as string) as { sid: string; service: string };
    expect(session.service).toBe(imp1a.bosh);
    const mark = posts.length;

    imp1a.kill('SIGKILL');
    await contact.send(xml('message', { to: 'agent@localhost', type: 'chat', id: 'c2' }, xml('body', {}, 'sent while the home was down')));

    await eventually(async () => expect(await shown('sent while the home was down')).toBe(1), 30_000);
    await eventually(async () => expect(await page.evaluate('window.bannerTexts')).toEqual(['Reconnecting…', '']), 10_000);
    await gadget.screenshot('moved-to-backup');
    // The same session, now on the backup: the same sid, no new sign-in, the backup holds it.
    const after = JSON.parse((await page.evaluate(`sessionStorage.getItem('deskchat.bosh')`)) as string) as { sid: string; service: string };
    expect(after).toMatchObject({ sid: session.sid, service: imp1b.bosh });
    const moved = posts.slice(mark);
    expect(moved.filter((p) => isAuth(p.body) || !attr(p.body, 'sid'))).toEqual([]);
    expect(new Set(moved.map((p) => attr(p.body, 'sid')))).toEqual(new Set([session.sid]));
    // The first request the backup got is one the home had got before, the same body (sid, rid).
    const resent = moved.find((p) => p.url === imp1b.bosh)!;
    expect(posts.slice(0, posts.indexOf(resent)).filter((p) => p.url === imp1a.bosh).map((p) => p.body)).toContain(resent.body);
    await eventually(async () => expect((await sessionsByNode(imp1b)).imp1b).toBe(1), 10_000);

    // The conversation goes on: the agent's next message arrives, and nothing showed twice.
    await gadget.send('still here');
    await inbox.next((el) => el.is('message') && el.getChildText('body') === 'still here', 0, 15_000);
    await contact.send(xml('message', { to: 'agent@localhost', type: 'chat', id: 'c3' }, xml('body', {}, 'last one')));
    await eventually(async () => expect(await shown('last one')).toBe(1), 10_000);
    expect(await shown('sent while the home was down')).toBe(1);
    expect(await shown('hello from the contact')).toBe(1);
    await expect(page.locator('#app').getAttribute('data-view')).resolves.toBe('main');
    expect(gadget.errors).toEqual([]);
  }, 60_000);

  it('signs in again in the status chosen when the session cannot continue (moved: see-other-uri, then item-not-found)', async () => {
    const page = gadget.page;
    await page.getByRole('button', { name: /^Your state/ }).click();
    await page.getByRole('menuitem', { name: 'Do Not Disturb…' }).click();
    await gadget.dialog().getByLabel('Message (optional)').fill('on a call');
    await gadget.submitDialog('Set');
    await page.getByRole('button', { name: /^Your state: Do Not Disturb/ }).waitFor();
    const { sid } = JSON.parse((await page.evaluate(`sessionStorage.getItem('deskchat.bosh')`)) as string) as { sid: string };
    const mark = posts.length;
    const presences = inbox.mark();
    // The administrator moves the agent to imp2a: imp1b ends the BOSH session with see-other-uri.
    const moved = await fetch(`http://127.0.0.1:${imp1b.admin}/api/v1/users/agent/node`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ node: 'imp2a' }) });
    expect(moved.status).toBe(200);
    // Signed in again (the credentials kept in memory), on the new home, in the status chosen.
    const dnd = await inbox.next((el) => el.is('presence') && el.attrs.from?.startsWith('agent@localhost/') && el.getChildText('show') === 'dnd' && el.getChildText('status') === 'on a call', presences, 20_000);
    expect(dnd.attrs.type).toBeUndefined();
    expect(posts.slice(mark).filter((p) => isAuth(p.body)).map((p) => p.url)).toEqual([imp2a.bosh]);
    // Whether a request was open when the move came (then the see-other-uri is followed with the same
    // body, and imp2a answers item-not-found) or not (the next request gets the terminate), the old
    // session's sid never signs in anywhere: the one sign-in above is a new session on imp2a.
    expect(posts.slice(mark).filter((p) => isAuth(p.body) && attr(p.body, 'sid') === sid)).toEqual([]);
    await page.getByRole('button', { name: /^Your state: Do Not Disturb/ }).waitFor();
    await eventually(async () => expect(await sessionsByNode(imp2a)).toMatchObject({ imp1b: 0, imp2a: 2 }), 10_000);
    const cached = JSON.parse((await page.evaluate(`localStorage.getItem('deskchat.nodes.agent@localhost')`)) as string) as { home: { bosh: string }; backup?: unknown };
    expect(cached).toEqual({ home: expect.objectContaining({ node: 'imp2a', bosh: imp2a.bosh }), backup: expect.objectContaining({ node: 'imp2b', bosh: imp2b.bosh }) });
    // The tab's history stayed; the password never reached the storages.
    expect(await shown('last one')).toBe(1);
    const stored = (await page.evaluate(`JSON.stringify([Object.values(localStorage), Object.values(sessionStorage)])`)) as string;
    expect(stored).not.toContain('pw-agent');
    expect(gadget.errors).toEqual([]);
  }, 40_000);

  it('discovers the home through the Secondary when the administrator\'s Primary is a node that is down', async () => {
    imp2b.kill('SIGKILL');
    await imp2b.exited;
    await stores.settings.set('chat-servers', { primary: imp2b.bosh, secondary: imp2a.bosh });
    const second = await GadgetPage.openAt(chromium, `http://127.0.0.1:${imp2a.http}/chat/?domain=localhost`, SUITE);
    const seen: { url: string; body: string }[] = [];
    second.page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/http-bind')) seen.push({ url: r.url(), body: r.postData() ?? '' });
    });
    try {
      await second.signIn('agent2', 'pw-agent2');
      // The Primary was tried first and could not be reached; discovery went through the Secondary.
      expect(seen[0]!.url).toBe(imp2b.bosh);
      const probe = seen.find((p) => p.url === imp2a.bosh && !attr(p.body, 'sid'));
      expect(probe && attr(probe.body, 'from')).toBe('agent2@localhost');
      expect(seen.filter((p) => isAuth(p.body)).map((p) => p.url)).toEqual([imp1b.bosh]);
      await eventually(async () => expect(await sessionsByNode(imp2a)).toMatchObject({ imp1b: 1 }), 10_000);
      await second.screenshot('primary-down-secondary-used');
      expect(second.errors).toEqual([]);
    } finally {
      await second.close();
    }
  }, 40_000);
});
