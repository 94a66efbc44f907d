// The desktop-chat gadget when its home node stops answering without failing — a process stopped
// with SIGSTOP, as a node cut off by the network or frozen looks from outside: connections are still
// accepted by the kernel, requests are never answered, no HTTP error comes. Headless Chromium
// against two DeskChat processes of one pair on a real redis-server: imp1a (the agent's home) and
// imp1b (its backup, the contact's home, whose /chat/ page the agent loads). The agent writes while
// imp1a is stopped: the gadget gives up the unanswered requests within seconds (not Strophe's
// 1.1 × wait, five times over), sends the same body (same sid, rid) to imp1b, which continues the
// session — it finds imp1a unreachable before the registry has declared it dead — and the
// conversation goes on with nothing lost or shown twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml, type Client } from '@xmpp/client';
import { connectRedis, parseRedisOptions, type RedisConnection } from '@deskchat/redis';
import { artifactDir, launchChromium, startRedisServer, type RedisTestServer, type TestBrowser } from '@deskchat/testing';
import { availableContact, eventually, GadgetPage, type Inbox } from './__tests__/gadget-page.js';
import { startNodeProcess, type NodeProcess } from './__tests__/node-process.js';
import { seedUsers } from './__tests__/cluster-seed.js';

const SUITE = artifactDir('gadget-hung-node');
// Dead after 30 s: the move must not wait for the registry (CORS: the page is imp1b's, BOSH also goes to imp1a).
const ENV = { DESKCHAT_HEARTBEAT_SECONDS: '1', DESKCHAT_DEAD_AFTER_SECONDS: '30', DESKCHAT_CORS_ORIGINS: '*' };

let redis: RedisTestServer;
let connection: RedisConnection;
let imp1a: NodeProcess, imp1b: NodeProcess;
let chromium: TestBrowser;
let gadget: GadgetPage;
let contact: Client;
let inbox: Inbox;
const posts: { url: string; body: string; at: number }[] = [];
const sidOf = (body: string) => /\ssid=['"]([^'"]*)['"]/.exec(body)?.[1];

async function shown(text: string): Promise<number> {
  return (await gadget.conversation()).filter(([, t]) => t === text).length;
}

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  connection = await connectRedis(parseRedisOptions({ url: redis.url }, 'test'));
  await seedUsers(connection, { agent: 'imp1a', contact: 'imp1b' }, ['agent', 'contact']);
  const browser = launchChromium();
  [imp1a, imp1b] = await Promise.all([startNodeProcess({ name: 'imp1a', pair: 'pair1', redisUrl: redis.url, env: ENV }), startNodeProcess({ name: 'imp1b', pair: 'pair1', redisUrl: redis.url, env: ENV })]);
  ({ contact, inbox } = await availableContact(imp1b.c2s, 'contact', 'pw-contact'));
  chromium = await browser;
}, 60_000);

afterAll(async () => {
  await gadget?.close();
  await contact?.stop().catch(() => undefined);
  await chromium?.close();
  imp1a?.kill('SIGKILL'); // stopped processes do not act on SIGTERM
  await imp1b?.stop().catch(() => undefined);
  await connection?.close();
  await redis?.stop();
}, 30_000);

describe('the gadget when its home node hangs', () => {
  it('gives up the unanswered requests, continues the same session on the backup, and loses nothing', async () => {
    gadget = await GadgetPage.openAt(chromium, `http://127.0.0.1:${imp1b.http}/chat/?domain=localhost`, SUITE);
    gadget.page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/http-bind')) posts.push({ url: r.url(), body: r.postData() ?? '', at: Date.now() });
    });
    await gadget.signIn('agent', 'pw-agent');
    const session = JSON.parse((await gadget.page.evaluate(`sessionStorage.getItem('deskchat.bosh')`)) as string) as { sid: string; service: string };
    expect(session.service).toBe(imp1a.bosh);
    await contact.send(xml('message', { to: 'agent@localhost', type: 'chat' }, xml('body', {}, 'hello from the contact')));
    await eventually(async () => expect(await shown('hello from the contact')).toBe(1));

    imp1a.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const mark = posts.length;
    await gadget.send('written while the home hung');
    await inbox.next((el) => el.is('message') && el.getChildText('body') === 'written while the home hung', 0, 30_000);
    // Well before Strophe's own 66 s, and before the registry could declare imp1a dead (30 s).
    expect(Date.now() - stoppedAt).toBeLessThan(25_000);
    const after = JSON.parse((await gadget.page.evaluate(`sessionStorage.getItem('deskchat.bosh')`)) as string) as { sid: string; service: string };
    expect(after).toMatchObject({ sid: session.sid, service: imp1b.bosh });
    // No new session and no new sign-in: every request since is of the same sid.
    expect(new Set(posts.slice(mark).map((p) => sidOf(p.body)))).toEqual(new Set([session.sid]));
    await gadget.screenshot('moved-off-hung-home');

    // The conversation goes on, both ways, each message once.
    await contact.send(xml('message', { to: 'agent@localhost', type: 'chat' }, xml('body', {}, 'answer after the move')));
    await eventually(async () => expect(await shown('answer after the move')).toBe(1), 15_000);
    await gadget.send('and one more');
    await inbox.next((el) => el.is('message') && el.getChildText('body') === 'and one more', 0, 15_000);
    expect(await shown('written while the home hung')).toBe(1);
    expect(await shown('hello from the contact')).toBe(1);
    await expect(gadget.page.locator('#app').getAttribute('data-view')).resolves.toBe('main');
    expect(gadget.errors).toEqual([]);
  }, 90_000);
});
