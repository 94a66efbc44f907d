// Connecting at start (issue 8 §8): an unreachable Redis or a wrong password gives one clear,
// typed error; a Redis that comes up during the start window is waited for; the password option,
// the database number and TLS (rediss://) are honoured.
import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort, startRedisServer, type RedisTestServer } from '@deskchat/testing';
import { recordingLogger } from './__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from './connection.js';
import { RedisConnectError } from './errors.js';
import { openRedisStores } from './open-stores.js';
import { parseRedisOptions } from './options.js';

const servers: RedisTestServer[] = [];
const connections: RedisConnection[] = [];
async function server(options: Parameters<typeof startRedisServer>[0] = {}): Promise<RedisTestServer> {
  const s = await startRedisServer(options);
  servers.push(s);
  return s;
}
async function connect(raw: Record<string, unknown>): Promise<RedisConnection> {
  const c = await connectRedis(parseRedisOptions(raw));
  connections.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('connectRedis', () => {
  it('gives up after startTimeoutMs with a RedisConnectError that names the URL and the cause, not the password', async () => {
    const port = await freePort();
    const started = Date.now();
    const attempt = connectRedis(parseRedisOptions({ url: `redis://:hunter2@127.0.0.1:${port}/0`, startTimeoutMs: 600 }));
    await expect(attempt).rejects.toThrow(RedisConnectError);
    const err = (await attempt.catch((e: unknown) => e)) as RedisConnectError;
    expect(err.message).toMatch(new RegExp(`^Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0 is unreachable \\(.*ECONNREFUSED`));
    expect(err.message).not.toContain('hunter2');
    expect(err.url).toBe(`redis://:***@127.0.0.1:${port}/0`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails at once, without waiting out the start window, when Redis refuses the password', async () => {
    const s = await server({ password: 'right' });
    const started = Date.now();
    const attempt = connectRedis(parseRedisOptions({ url: `redis://:wrong@127.0.0.1:${s.port}`, startTimeoutMs: 30_000 }));
    await expect(attempt).rejects.toThrow(/refused the credentials \((WRONGPASS|NOAUTH)/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('waits for a Redis that comes up within the start window', async () => {
    const port = await freePort();
    const log = recordingLogger();
    const pending = connectRedis(parseRedisOptions({ url: `redis://127.0.0.1:${port}`, startTimeoutMs: 10_000, reconnect: { minDelayMs: 20, maxDelayMs: 100 } }), { log });
    await new Promise((r) => setTimeout(r, 300));
    await server({ port });
    const redis = await pending;
    connections.push(redis);
    await expect(redis.run('ping', (c) => c.ping())).resolves.toBe('PONG');
    expect(log.lines.some((l) => l.level === 'info' && l.msg === 'connected to redis')).toBe(true);
  });

  it('uses the password option over the URL, and the database number of the URL', async () => {
    const s = await server({ password: 'opt-secret' });
    const redis = await connect({ url: `redis://127.0.0.1:${s.port}/3`, password: 'opt-secret' });
    await openRedisStores(redis).settings.set('k', 1);
    await expect(s.cli('-n', '3', 'DBSIZE')).resolves.toBe('2');
    await expect(s.cli('-n', '0', 'DBSIZE')).resolves.toBe('0');
  });

  it('speaks TLS for rediss:// with the CA it is given, and refuses an untrusted certificate', async () => {
    const s = await server({ tls: true });
    expect(s.url).toBe(`rediss://127.0.0.1:${s.port}`);
    const redis = await connect({ url: s.url, tls: { ca: s.ca } });
    await expect(redis.run('ping', (c) => c.ping())).resolves.toBe('PONG');
    const started = Date.now();
    await expect(connectRedis(parseRedisOptions({ url: s.url, startTimeoutMs: 30_000 }))).rejects.toThrow(/presented a certificate this node does not trust \(.*self-signed certificate/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
