// The redis-server test helper itself: persistence as asked, data kept across a SIGKILL with AOF
// and lost without it, a paused server that does not answer, and a password that is enforced.
import { afterEach, describe, expect, it } from '@jest/globals';
import { startRedisServer, type RedisTestServer } from './redis-server.js';

const servers: RedisTestServer[] = [];
async function start(options: Parameters<typeof startRedisServer>[0] = {}): Promise<RedisTestServer> {
  const server = await startRedisServer(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('startRedisServer', () => {
  it('starts without persistence by default, on a loopback port of its own', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.port).not.toBe(b.port);
    expect(a.url).toBe(`redis://127.0.0.1:${a.port}`);
    await expect(a.cli('CONFIG', 'GET', 'appendonly')).resolves.toBe('appendonly\nno');
    await expect(a.cli('CONFIG', 'GET', 'save')).resolves.toBe('save'); // an empty value: no RDB snapshots
  });

  it('keeps acknowledged writes across a SIGKILL and a restart with AOF', async () => {
    const server = await start({ aof: true });
    await expect(server.cli('CONFIG', 'GET', 'appendonly')).resolves.toBe('appendonly\nyes');
    await server.cli('SET', 'k', 'v');
    await server.kill();
    expect(server.isRunning()).toBe(false);
    await server.restart();
    await expect(server.cli('GET', 'k')).resolves.toBe('v');
  });

  it('loses everything across a SIGKILL without persistence', async () => {
    const server = await start();
    await server.cli('SET', 'k', 'v');
    await server.kill();
    await server.restart();
    await expect(server.cli('EXISTS', 'k')).resolves.toBe('0');
  });

  it('stops answering while paused (SIGSTOP) and answers again once resumed', async () => {
    const server = await start();
    server.pause();
    await expect(server.ping(300)).resolves.toBe(false);
    server.resume();
    await expect(server.ping()).resolves.toBe(true);
  });

  it('enforces a password and puts it in the URL', async () => {
    const server = await start({ password: 's3cret' });
    expect(server.url).toBe(`redis://:s3cret@127.0.0.1:${server.port}`);
    await expect(server.cli('PING')).resolves.toBe('PONG');
    await expect(server.cli('CONFIG', 'GET', 'requirepass')).resolves.toBe('requirepass\ns3cret');
  });
});
