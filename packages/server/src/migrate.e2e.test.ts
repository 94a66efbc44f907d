// `deskchat migrate --from-sqlite DIR` end to end: a single node's SQLite data (accounts, a user
// with data but no account, rosters with their versions and pending requests, vCards, offline
// messages, private XML, presence state, settings, admins, API tokens, audit log) copied into a real redis-server by the CLI, read back through
// the Redis stores and compared with what the SQLite stores return; a second run gives the same
// data again. Bad arguments and failures: migrate/migrate-command.test.ts.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deriveCredentials, type AdminStores, type Stores } from '@deskchat/core';
import { connectRedis, openRedisAdminStores, openRedisStores, parseRedisOptions, type RedisAdminStores, type RedisConnection, type RedisStores } from '@deskchat/redis';
import { openSqliteStores } from '@deskchat/storage-sqlite';
import { startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { repoRoot, tempDir } from './__tests__/e2e-helpers.js';

const cli = path.join(repoRoot, 'packages/server/dist/cli.js');
const USERS = ['alice', 'bob', 'ldap-only'];

function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, DESKCHAT_LOG_LEVEL: 'silent', ...env }, cwd: tempDir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

async function seed(dir: string): Promise<void> {
  const s = openSqliteStores(dir);
  await s.accounts.createAccount({ username: 'alice', name: 'Alice Liddell', email: 'alice@example.com', createdAt: 1_700_000_000_001, credentials: deriveCredentials('pw-a', 4096) });
  await s.accounts.createAccount({ username: 'bob', createdAt: 1_700_000_000_002, credentials: deriveCredentials('pw-b', 4096) });
  const item = { jid: 'bob@localhost', groups: ['Team', 'Ünïcode 🙂'], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
  await s.roster.setItem('alice', { ...item, name: 'Bob' });
  await s.roster.setItem('alice', { jid: 'carol@localhost', groups: [], subscription: 'none', isPendingOut: true, isPreApproved: false });
  await s.roster.setItem('alice', { ...item, name: 'Robert' }); // version 3
  await s.roster.setRequest('alice', { jid: 'dave@localhost', receivedAt: 1_700_000_000_500, stanza: '<presence type="subscribe"><status>hi</status></presence>' });
  await s.roster.setItem('ldap-only', { jid: 'alice@localhost', groups: [], subscription: 'to', isPendingOut: false, isPreApproved: false });
  await s.offline.storeMessage('bob', { stanza: '<message><body>first</body></message>', storedAt: 1_700_000_000_100 }, { maxMessages: 100, maxBytes: 1_000_000 });
  await s.offline.storeMessage('bob', { stanza: '<message><body>zweite: ü 😀</body></message>', storedAt: 1_700_000_000_200 }, { maxMessages: 100, maxBytes: 1_000_000 });
  await s.vcards.setVCard('alice', { xml: "<vCard xmlns='vcard-temp'><FN>Alice Liddell</FN></vCard>", fields: { fn: 'Alice Liddell', email: 'alice@example.com' } });
  await s.privateXml.setItem('alice', 'presence urn:deskchat:presence:0', '<presence xmlns="urn:deskchat:presence:0"><show>dnd</show></presence>');
  await s.blockList.block('alice', ['mallory@localhost', 'spam.example']);
  await s.archive.append('alice', { at: 1_700_000_000_300, with: ['bob@localhost'], stanza: '<message><body>archived</body></message>' }, { maxMessages: 100, maxBytes: 1_000_000 });
  await s.archive.append('alice', { at: 1_700_000_000_300, with: ['bob@localhost', 'bob@localhost/desk'], stanza: '<message><body>zweite</body></message>' }, { maxMessages: 100, maxBytes: 1_000_000 });
  await s.archive.setPrefs('bob', { default: 'roster', always: [], never: ['mallory@localhost'] });
  await s.pep.setNode('alice', 'urn:xmpp:bookmarks:1', { accessModel: 'whitelist', maxItems: 1000, persistItems: true, notifyRetract: true, sendLastPublishedItem: 'never' });
  await s.pep.publishItem('alice', 'urn:xmpp:bookmarks:1', { id: 'a@conference.localhost', xml: '<conference xmlns="urn:xmpp:bookmarks:1" autojoin="true"/>', publisher: 'alice@localhost/desk', publishedAt: 1 });
  await s.pep.publishItem('alice', 'urn:xmpp:bookmarks:1', { id: 'b@conference.localhost', xml: '<conference xmlns="urn:xmpp:bookmarks:1" name="ü 😀"/>', publisher: 'alice@localhost/desk', publishedAt: 2 });
  await s.settings.set('chat-servers', { primary: 'https://imp1.example.com:5280', secondary: 'https://imp2.example.com:5280' }, 'admin');
  await s.settings.set('files', { enabled: false }, 'cli');
  await s.presenceState.setSource('alice', 'phone', 'on-call');
  await s.presenceState.setLastSeen('bob', { stanza: '<presence type="unavailable"><status>bye</status></presence>', at: 1_700_000_000_900 });
  await s.admins.createAdmin({ name: 'root', passwordHash: 'scrypt$32768$8$1$salt$key', createdAt: 1_700_000_000_010, passwordChangedAt: 1_700_000_000_020 });
  await s.apiTokens.createToken({ name: 'phone-system', hash: 'c0ffee'.repeat(10) + 'beef', createdAt: 1_700_000_000_030, createdBy: 'admin:root' });
  await s.audit.append({ at: 1_700_000_000_040, actor: 'admin:root', action: 'settings.chat-servers.update', target: 'chat-servers', newValue: { primary: 'https://imp1.example.com:5280' } });
  await s.audit.append({ at: 1_700_000_000_050, actor: 'cli', action: 'user.add', target: 'bob' });
  s.close();
}

/** Everything the stores return for our users and the administration, for comparing the two backends. */
async function snapshot(stores: Omit<Stores, 'files'>, admin: AdminStores) {
  const perUser = [];
  for (const u of USERS) {
    perUser.push({
      account: await stores.accounts.getAccount(u),
      roster: await stores.roster.getRoster(u),
      requests: await stores.roster.getRequests(u),
      offline: await stores.offline.listMessages(u),
      vcard: await stores.vcards.getVCard(u),
      presence: await stores.privateXml.getItem(u, 'presence urn:deskchat:presence:0'),
      blocked: await stores.blockList.getBlockList(u),
      archive: await stores.archive.query(u, { max: 100 }),
      archiveWithDesk: await stores.archive.query(u, { max: 100, with: 'bob@localhost/desk' }),
      archivePrefs: await stores.archive.getPrefs(u),
      pep: await Promise.all((await stores.pep.listNodes(u)).map(async (n) => ({ ...n, items: await stores.pep.getItems(u, n.node) }))),
      lastSeen: await stores.presenceState.getLastSeen(u),
      sources: await stores.presenceState.getSources(u),
    });
  }
  const admins = await admin.admins.listAdmins();
  return {
    perUser,
    accounts: await stores.accounts.listAccounts(),
    count: await stores.accounts.countAccounts(),
    settings: await stores.settings.list(),
    admins: await Promise.all(admins.map((a) => admin.admins.getAdmin(a.name))),
    tokens: await admin.apiTokens.listTokens(),
    token: await admin.apiTokens.findTokenByHash('c0ffee'.repeat(10) + 'beef'),
    audit: await admin.audit.list({ limit: 100 }),
  };
}

let server: RedisTestServer;
let dataDir: string;
let redis: RedisConnection;
let stores: RedisStores;
let admin: RedisAdminStores;
let expected: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  server = await startRedisServer({ aof: true });
  dataDir = tempDir();
  await seed(dataDir);
  const sqlite = openSqliteStores(dataDir);
  expected = await snapshot(sqlite, sqlite);
  sqlite.close();
});
afterAll(async () => {
  await redis?.close();
  await server?.stop();
});

describe('deskchat migrate --from-sqlite', () => {
  it('copies every store into Redis, prints a summary, and the Redis stores read back what SQLite holds', async () => {
    const result = await run(['migrate', '--from-sqlite', dataDir], { DESKCHAT_REDIS_URL: server.url });
    expect(result.stderr).toMatch(/^(migrated users \d\/3\n)*$/); // progress lines only (stderr is a pipe)
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^migrated 3 users from ${dataDir} to ${server.url} \\(key prefix "deskchat:"\\) in \\d+\\.\\d s: 2 accounts, 1 vCard, 3 roster items, ` +
          '1 pending subscription request, 2 offline messages, 1 private XML item, 2 blocked JIDs, 2 archived messages, 2 PEP items, presence state of 2 users, 2 settings, 1 admin, 1 API token, ' +
          '2 audit entries; 2 accounts in the Redis account index\\n$',
      ),
    );
    redis = await connectRedis(parseRedisOptions({ url: server.url }));
    stores = openRedisStores(redis);
    admin = openRedisAdminStores(redis);
    expect(await snapshot(stores, admin)).toEqual(expected);
    expect(expected.audit).toHaveLength(2);
    expect(expected.token).toMatchObject({ name: 'phone-system' });
    expect(expected.perUser[0]!.roster.version).toBe(3);
    expect(expected.perUser[0]!.blocked).toEqual(['mallory@localhost', 'spam.example']);
    expect(expected.perUser[0]!.archive!.messages.map((m) => m.id.slice(0, 11))).toEqual(['0gqll7vh97k', '0gqll7vh97l']);
    expect(expected.perUser[0]!.archiveWithDesk!.count).toBe(1);
    expect(expected.perUser[1]!.archivePrefs).toEqual({ default: 'roster', always: [], never: ['mallory@localhost'] });
    expect(expected.perUser[0]!.pep[0]!.items.map((i) => i.id)).toEqual(['b@conference.localhost', 'a@conference.localhost']);
    expect(expected.perUser[2]!.account).toBeUndefined();
  });

  it('leaves Redis working on from the copied state: ids, versions and revisions go on growing', async () => {
    const [before] = expected.perUser[1]!.offline.slice(-1);
    await stores.offline.storeMessage('bob', { stanza: '<message><body>after</body></message>', storedAt: 1 }, { maxMessages: 100, maxBytes: 1_000_000 });
    const after = await stores.offline.listMessages('bob');
    expect(after.at(-1)!.id).toBeGreaterThan(before!.id);
    await expect(stores.roster.setItem('alice', { jid: 'erin@localhost', groups: [], subscription: 'none', isPendingOut: false, isPreApproved: false })).resolves.toBe(4);
    const revisions = Object.values(expected.settings).map((s) => s.revision);
    await expect(stores.settings.set('limits', { maxSessions: 10 })).resolves.toMatchObject({ revision: Math.max(...revisions) + 1 });
    await expect(admin.audit.append({ at: 1, actor: 'cli', action: 'user.remove', target: 'x' })).resolves.toMatchObject({ id: expected.audit[0]!.id + 1 });
  });

  it('is idempotent: a second run restores the copy, and moves a changed roster to a version above both', async () => {
    const result = await run(['migrate', '--from-sqlite', dataDir, '--redis-url', server.url]);
    expect(result.status).toBe(0);
    const again = await snapshot(stores, admin);
    // The roster changed in Redis since the first run (version 4): cached copies of version 3 or 4 must not match.
    expect(again.perUser[0]!.roster).toEqual({ ...expected.perUser[0]!.roster, version: 5 });
    again.perUser[0]!.roster.version = 3;
    expect({ ...again, settings: undefined, audit: undefined }).toEqual({ ...expected, settings: undefined, audit: undefined });
    // The entry appended in Redis since stays; the imported ones are there once each.
    expect(again.audit.map((e) => e.action)).toEqual(['user.remove', ...expected.audit.map((e) => e.action)]);
    expect(again.settings).toEqual({ ...expected.settings, limits: expect.objectContaining({ value: { maxSessions: 10 } }) });
    const third = await run(['migrate', '--from-sqlite', dataDir, '--redis-url', server.url]);
    expect(third.status).toBe(0);
    await expect(stores.roster.getVersion('alice')).resolves.toBe(5);
  });

  it('writes under another key prefix when asked (DESKCHAT_REDIS_PREFIX), and nothing under the default one', async () => {
    await redis.client.flushAll();
    const result = await run(['migrate', '--from-sqlite', dataDir], { DESKCHAT_REDIS_URL: server.url, DESKCHAT_REDIS_PREFIX: 'imp:' });
    expect(result.status).toBe(0);
    const keys = await redis.client.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith('imp:'))).toBe(true);
  });
});
