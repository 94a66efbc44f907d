// A Lua script run by its SHA1 (EVALSHA), sent whole (EVAL, which also caches it) the first time a
// server does not know it: after a restart, a failover or on another Cluster shard. Redis runs a
// script atomically, which is how the stores make "check, then write" one step (Redis docs,
// "Scripting with Lua"). Every script touches only the KEYS it is given, all in one slot: on a Redis
// Cluster the cluster client sends it to the primary owning the first of them.
import { createHash } from 'node:crypto';
import { ErrorReply } from 'redis';
import type { RedisCommands } from './connection.js';

export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisCommands, keys: string[], args: ReadonlyArray<string | number> = []): Promise<unknown> {
    const options = { keys, arguments: args.map(String) };
    try {
      return await client.evalSha(this.sha, options);
    } catch (err) {
      if (err instanceof ErrorReply && err.message.startsWith('NOSCRIPT')) return client.eval(this.source, options);
      throw err;
    }
  }
}
