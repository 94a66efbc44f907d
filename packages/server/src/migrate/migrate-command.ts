// `deskchat migrate --from-sqlite DIR [--redis-url URL] [--key-prefix P]`: copies a single node's
// durable data (accounts, rosters with their versions and pending requests, vCards, offline
// messages, private XML, presence state, settings, admins, API tokens, the audit log) into the
// Redis a cluster will use (issue 8 §2). Redis is named the way the cluster's nodes name it
// (cluster-config.ts): --redis-url or DESKCHAT_REDIS_URL, the password in the URL or
// DESKCHAT_REDIS_PASSWORD, --key-prefix or DESKCHAT_REDIS_PREFIX. The node's config file is not
// read. Run it before the cluster takes traffic: each migrated user's data replaces what Redis
// held for that user. Exit codes: 0 ok, 1 failure, 2 usage.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OptionsError } from '@deskchat/core';
import { connectRedis, parseRedisOptions, checkPersistence, RedisConnectError, type RedisConnection } from '@deskchat/redis';
import { DATABASE_FILE, openSqliteExport, type SqliteExport } from '@deskchat/storage-sqlite';
import { CommandError, UsageError } from '../users/command-error.js';
import { createProgress } from '../users/progress-bar.js';
import { copyToRedis, formatCopySummary } from './copy-to-redis.js';

export const MIGRATE_USAGE = `Usage: deskchat migrate --from-sqlite DIR [--redis-url URL] [--key-prefix PREFIX]

Copies a single node's data directory (DIR/${DATABASE_FILE}) into Redis. The URL defaults to
DESKCHAT_REDIS_URL (redis://host:6379/0, rediss:// for TLS); the password may be in the URL or in
DESKCHAT_REDIS_PASSWORD; the key prefix defaults to DESKCHAT_REDIS_PREFIX, then "deskchat:". Each
migrated user's data replaces what Redis held for that user, so the command can be run again; run
it before the cluster takes traffic.`;

export interface MigrateIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** How long to keep trying to reach Redis before giving up (default 5 s). */
  redisStartTimeoutMs?: number;
}

export async function runMigrateCommand(args: string[], io: MigrateIo): Promise<number> {
  let source: SqliteExport | undefined;
  let redis: RedisConnection | undefined;
  try {
    const { dir, url, keyPrefix } = parseMigrateArgs(args, io.env);
    if (!existsSync(join(dir, DATABASE_FILE))) throw new CommandError(`no DeskChat database in ${dir} (expected ${DATABASE_FILE})`);
    const options = redisOptions(url, io.env.DESKCHAT_REDIS_PASSWORD, keyPrefix, io.redisStartTimeoutMs ?? 5000);
    try {
      source = openSqliteExport(dir);
    } catch (err) {
      throw new CommandError(`cannot read ${join(dir, DATABASE_FILE)}: ${(err as Error).message}`);
    }
    try {
      redis = await connectRedis(options);
    } catch (err) {
      if (err instanceof RedisConnectError) throw new CommandError(err.message);
      throw err;
    }
    const started = Date.now();
    const progress = createProgress(io.stderr, { label: 'migrated users' });
    let totals;
    try {
      totals = await copyToRedis(source, redis, (done, total) => progress.update(done, total));
    } finally {
      progress.finish();
    }
    const persistence = await checkPersistence(redis);
    if (persistence.isPersistent !== true) {
      io.stderr.write(`deskchat: warning: Redis at ${redis.url} may not keep this data across a restart (${persistence.summary})\n`);
    }
    io.stdout.write(`${formatCopySummary(totals, dir, redis.url, options.keyPrefix, Date.now() - started)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    const usage = err instanceof UsageError ? `\n\n${MIGRATE_USAGE}` : '';
    io.stderr.write(`deskchat: ${err.message}${usage}\n`);
    return err.exitCode;
  } finally {
    source?.close();
    await redis?.close();
  }
}

function parseMigrateArgs(args: string[], env: NodeJS.ProcessEnv): { dir: string; url: string; keyPrefix?: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { 'from-sqlite': { type: 'string' }, 'redis-url': { type: 'string' }, 'key-prefix': { type: 'string' } },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const dir = parsed.values['from-sqlite'];
  if (!dir) throw new UsageError('missing --from-sqlite DIR');
  const url = parsed.values['redis-url'] ?? env.DESKCHAT_REDIS_URL;
  if (!url) throw new UsageError('no Redis to migrate to: give --redis-url or set DESKCHAT_REDIS_URL');
  return { dir: resolve(dir), url, keyPrefix: parsed.values['key-prefix'] ?? (env.DESKCHAT_REDIS_PREFIX || undefined) };
}

function redisOptions(url: string, password: string | undefined, keyPrefix: string | undefined, startTimeoutMs: number) {
  try {
    return parseRedisOptions({ url, password, keyPrefix, startTimeoutMs }, 'redis');
  } catch (err) {
    if (err instanceof OptionsError) throw new UsageError(err.message.replace(/^redis\.url/, '--redis-url').replace(/^redis\.keyPrefix/, '--key-prefix'));
    throw err;
  }
}
