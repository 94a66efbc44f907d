// A second "node" in its own process, for the fault tests (a reader or a lock holder that can be
// SIGSTOPped or SIGKILLed): runs the built package (dist/, `tsc -b` first) and reports on stdout,
// one JSON line per event. Usage: node child-node.mjs <redis url> <key prefix> bus <node> <listenerTtlMs>
//                                 node child-node.mjs <redis url> <key prefix> lock <name> <ttlMs>
import { connectRedis, parseRedisOptions, RedisLocks, RedisNodeBus } from '../../dist/index.js';

const [url, keyPrefix, mode, name, ms] = process.argv.slice(2);
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const redis = await connectRedis(parseRedisOptions({ url, keyPrefix }));

if (mode === 'bus') {
  const bus = new RedisNodeBus(redis, { listenerTtlMs: Number(ms) });
  await bus.subscribe(name, (message) => say({ got: message }));
  say({ ready: true });
} else if (mode === 'lock') {
  const locks = new RedisLocks(redis);
  // Holds the lock until the process is killed.
  void locks.withLock(name, () => {
    say({ locked: true });
    return new Promise(() => {});
  }, { ttlMs: Number(ms) });
} else {
  throw new Error(`unknown mode ${mode}`);
}
