// Does this Redis keep durable data across a restart? (Redis docs, "Redis persistence": AOF logs
// every write, RDB snapshots on a `save` schedule; with neither, a restart loses everything.)
// Issue 8 §2: a node in cluster mode refuses a Redis that does not persist, unless
// `cluster.allowVolatileRedis: true`, and then warns loudly. CONFIG GET is the precise source; on
// a managed Redis that disables CONFIG, INFO persistence still tells whether AOF is on, but not
// whether snapshots are scheduled, so the answer can be "unknown". On a Redis Cluster every primary
// is asked (each holds its own share of the data) and the weakest answer counts.
import { ErrorReply } from 'redis';
import type { Logger } from '@deskchat/core';
import type { RedisConnection } from './connection.js';
import { RedisNotPersistentError } from './errors.js';

export interface PersistenceReport {
  /** true: survives a restart; false: does not; undefined: could not tell (CONFIG disabled, no AOF). */
  isPersistent: boolean | undefined;
  isAofEnabled: boolean;
  /** `appendfsync` (always, everysec, no), when CONFIG could be read. */
  aofFsync?: string;
  /** The RDB `save` schedule, '' when snapshots are off; undefined when CONFIG could not be read. */
  rdbSchedule?: string;
  /** Where the answer came from. */
  source: 'config' | 'info';
  /** One line for the log. */
  summary: string;
}

/** From `CONFIG GET appendonly`, `appendfsync` and `save`. */
export function persistenceFromConfig(config: Record<string, string | undefined>): PersistenceReport {
  const isAofEnabled = config.appendonly === 'yes';
  const rdbSchedule = (config.save ?? '').trim();
  const isRdb = rdbSchedule !== '';
  const parts = [isAofEnabled ? `AOF on (appendfsync ${config.appendfsync ?? '?'})` : 'AOF off', isRdb ? `RDB snapshots "${rdbSchedule}"` : 'RDB snapshots off'];
  return {
    isPersistent: isAofEnabled || isRdb,
    isAofEnabled,
    ...(config.appendfsync === undefined ? {} : { aofFsync: config.appendfsync }),
    rdbSchedule,
    source: 'config',
    summary: parts.join(', '),
  };
}

/** From `INFO persistence` (when CONFIG is disabled): only AOF can be seen there. */
export function persistenceFromInfo(info: string): PersistenceReport {
  const isAofEnabled = /^aof_enabled:1\s*$/m.test(info);
  return {
    isPersistent: isAofEnabled ? true : undefined,
    isAofEnabled,
    source: 'info',
    summary: isAofEnabled ? 'AOF on (from INFO; CONFIG is disabled)' : 'AOF off, RDB schedule unknown (CONFIG is disabled, INFO does not show it)',
  };
}

export async function checkPersistence(redis: RedisConnection): Promise<PersistenceReport> {
  return weakest(await redis.runOnPrimaries('checkPersistence', async (client) => {
    try {
      const [aof, fsync, save] = await Promise.all([client.configGet('appendonly'), client.configGet('appendfsync'), client.configGet('save')]);
      return persistenceFromConfig({ ...aof, ...fsync, ...save });
    } catch (err) {
      // Managed services rename or disable CONFIG ("ERR unknown command", NOPERM for ACL users).
      if (!(err instanceof ErrorReply)) throw err;
      return persistenceFromInfo(await client.info('persistence'));
    }
  }));
}

/** The report of the primary that persists least (false, then unknown); one summary per kind of answer. */
function weakest(reports: PersistenceReport[]): PersistenceReport {
  const rank = (r: PersistenceReport) => (r.isPersistent === false ? 0 : r.isPersistent === undefined ? 1 : 2);
  const worst = reports.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  if (reports.length === 1) return worst;
  const summaries = [...new Set(reports.map((r) => r.summary))];
  return { ...worst, summary: `${reports.length} primaries: ${summaries.join(' / ')}` };
}

/**
 * The start-up rule of issue 8 §2: returns the report when Redis persists; otherwise throws
 * RedisNotPersistentError, unless `allowVolatileRedis`, which logs a loud warning instead.
 */
export async function requirePersistence(redis: RedisConnection, options: { allowVolatileRedis: boolean }, log: Logger): Promise<PersistenceReport> {
  const report = await checkPersistence(redis);
  if (report.isPersistent === true) {
    log.info({ redis: redis.url, persistence: report.summary }, 'redis persists durable data');
    return report;
  }
  const problem =
    report.isPersistent === false
      ? `Redis at ${redis.url} does not persist data (${report.summary}): a restart of Redis would lose every account, roster and offline message`
      : `cannot tell whether Redis at ${redis.url} persists data (${report.summary})`;
  if (!options.allowVolatileRedis) {
    throw new RedisNotPersistentError(
      `${problem}. Turn on AOF (appendonly yes) or RDB snapshots (save …), or set cluster.allowVolatileRedis: true to accept the loss`,
    );
  }
  log.warn({ redis: redis.url, persistence: report.summary }, `WARNING: ${problem}; starting anyway because cluster.allowVolatileRedis is true`);
  return report;
}
