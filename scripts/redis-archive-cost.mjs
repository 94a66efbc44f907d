#!/usr/bin/env node
// What one XEP-0313 archive append costs Redis in cluster mode (RedisArchiveStore's Lua script):
// Redis's own time per call from INFO commandstats, and the commands it runs inside, on a fresh
// redis-server with AOF (as a cluster runs it) started here on a free loopback port. Not a test: a
// measurement, cited in docs/performance.md (issue #8 §9: every chat message is two appends).
//
//   node scripts/redis-archive-cost.mjs [--appends 40000] [--archives 200] [--no-aof]
//
// Needs a build (npm run build) and Debian's redis-server (REDIS_SERVER overrides the path).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { connectRedis, parseRedisOptions, RedisArchiveStore } = await import(path.join(root, 'packages/redis/dist/index.js'));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive integer`);
  return value;
};
const appends = option('--appends', 40_000);
const archives = option('--archives', 200);
const aof = !args.includes('--no-aof');
const WARM_PER_ARCHIVE = 20; // past Redis's listpack size for small sorted sets, as a used archive is
const IN_FLIGHT = 100; // appends sent together, as a loaded node's do

const port = await new Promise((resolve, reject) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
  server.on('error', reject);
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskchat-redis-archive-'));
const redisServer = spawn(process.env.REDIS_SERVER ?? '/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', aof ? 'yes' : 'no', '--appendfsync', 'everysec'], { stdio: 'ignore' });
const stop = () => {
  redisServer.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
};
try {
  const redis = await connectWhenUp(port);
  const store = new RedisArchiveStore(redis);
  const limits = { maxMessages: 10_000, maxBytes: 20_000_000 };
  const append = (i) => {
    const owner = `u${i % archives}`;
    const peer = `u${(i + 1) % archives}`;
    const stanza = `<message to="${owner}@localhost/bench" type="chat" id="b${i}" xmlns="jabber:client" from="${peer}@localhost/bench"><body>${i} ${Date.now()} a chat line of some length</body></message>`;
    return store.append(owner, { at: Date.now(), stanza, with: [`${peer}@localhost`, `${peer}@localhost/bench`] }, limits);
  };
  for (let i = 0; i < archives * WARM_PER_ARCHIVE; i += IN_FLIGHT) await Promise.all(Array.from({ length: IN_FLIGHT }, (_, k) => append(i + k)));
  await redis.run('reset stats', (c) => c.configResetStat());
  const started = performance.now();
  for (let i = 0; i < appends; i += IN_FLIGHT) await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, appends - i) }, (_, k) => append(i + k)));
  const elapsed = performance.now() - started;
  const stats = [...(await redis.run('info', (c) => c.info('commandstats'))).matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)].map(([, name, calls, usec]) => ({ name, calls: Number(calls), usec: Number(usec) }));
  const script = stats.find((s) => s.name === 'evalsha');
  if (!script || script.calls !== appends) throw new Error(`expected ${appends} script calls, Redis counted ${script?.calls ?? 0}`);
  console.log(`${appends} appends over ${archives} archives (${aof ? 'AOF on' : 'AOF off'}) in ${(elapsed / 1000).toFixed(1)} s`);
  console.log(`Redis time per append: ${(script.usec / script.calls).toFixed(1)} µs (the script, with the commands it runs)`);
  for (const s of stats.filter((s) => s.name !== 'evalsha' && s.name !== 'info' && s.calls >= appends))
    console.log(`  ${s.name.padEnd(8)} ${(s.calls / appends).toFixed(1)} per append, ${(s.usec / s.calls).toFixed(2)} µs each`);
  await redis.close();
} finally {
  stop();
}

async function connectWhenUp(port) {
  for (const deadline = Date.now() + 10_000; ; ) {
    try {
      return await connectRedis(parseRedisOptions({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'cost:' }));
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
