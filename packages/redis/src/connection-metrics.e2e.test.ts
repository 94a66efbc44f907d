// Redis latency and errors on /metrics (issue 11 "Health and metrics"): every store call through
// RedisConnection.run() is timed by operation, and each failure is counted by operation and kind —
// an error reply, no reply within the deadline (a paused server), refused at once while Redis is
// known to be down — through core's metrics port, here a recording one.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { MetricLabels, MetricSpec, Metrics } from '@deskchat/core';
import { redisOptions, useRedisServer } from './__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from './connection.js';
import { RedisUnavailableError } from './errors.js';

const fixture = useRedisServer();

/** Remembers every observation and increment by metric name. */
function recordingMetrics() {
  const observed: Record<string, { labels: MetricLabels; value: number }[]> = {};
  const specs: Record<string, MetricSpec & { buckets?: number[] }> = {};
  const record = (spec: MetricSpec) => {
    specs[spec.name] = spec;
    observed[spec.name] ??= [];
    return (labels: MetricLabels = {}, value = 1) => void observed[spec.name]!.push({ labels, value });
  };
  const metrics: Metrics = {
    counter: (spec) => ({ inc: record(spec) }),
    gauge: (spec) => ({ set: (value, labels) => record(spec)(labels, value) }),
    histogram: (spec) => ({ observe: (value, labels) => record(spec)(labels, value) }),
    gaugeFrom() {},
    counterFrom() {},
  };
  return { metrics, observed, specs };
}

let redis: RedisConnection | undefined;
afterEach(async () => {
  fixture.server.resume();
  await redis?.close();
});

describe('RedisConnection.run() measured through the metrics port', () => {
  it('observes the duration of each call by operation, and counts an error reply as kind "error"', async () => {
    const { metrics, observed, specs } = recordingMetrics();
    redis = await connectRedis(redisOptions(fixture.server), { metrics });
    await redis.run('ping', (c) => c.ping());
    await expect(redis.runOnPrimaries('badCommand', (c) => c.sendCommand(['NO-SUCH-COMMAND']))).rejects.toThrow(/unknown command/i);
    expect(specs.deskchat_redis_command_seconds).toMatchObject({ labelNames: ['operation'], buckets: expect.arrayContaining([0.001, 1]) });
    const latencies = observed.deskchat_redis_command_seconds!;
    expect(latencies.map((o) => o.labels)).toEqual([{ operation: 'ping' }, { operation: 'badCommand' }]);
    for (const o of latencies) {
      expect(o.value).toBeGreaterThan(0);
      expect(o.value).toBeLessThan(2);
    }
    expect(observed.deskchat_redis_errors_total).toEqual([{ labels: { operation: 'badCommand', kind: 'error' }, value: 1 }]);
  });

  it('counts a call with no reply in time as "timeout", then calls refused while Redis is down as "unavailable"', async () => {
    const { metrics, observed } = recordingMetrics();
    redis = await connectRedis(redisOptions(fixture.server, { commandTimeoutMs: 200, healthCheckIntervalMs: 5000 }), { metrics });
    fixture.server.pause();
    await expect(redis.run('getRoster', (c) => c.get('k'))).rejects.toBeInstanceOf(RedisUnavailableError);
    // The failed call made the connection check its health at once: the PING hangs too, so Redis is marked down.
    for (const deadline = Date.now() + 5000; redis.isAvailable && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    await expect(redis.run('setItem', (c) => c.set('k', 'v'))).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(observed.deskchat_redis_errors_total).toEqual([
      { labels: { operation: 'getRoster', kind: 'timeout' }, value: 1 },
      { labels: { operation: 'setItem', kind: 'unavailable' }, value: 1 },
    ]);
    // A call refused before anything was sent has no duration to report.
    expect(observed.deskchat_redis_command_seconds!.map((o) => o.labels.operation)).toEqual(['getRoster']);
  });

  it('acknowledges a durable write whose WAIT timed out (no replica here), counts it as unreplicated, and skips WAIT for the next second', async () => {
    const { metrics, observed } = recordingMetrics();
    redis = await connectRedis(redisOptions(fixture.server, { waitReplicas: 1, waitTimeoutMs: 1000, commandTimeoutMs: 5000 }), { metrics });
    // The durable writes have a connection of their own: a WAIT blocks only it.
    expect(String(await redis.runOnPrimaries('clientList', (c) => c.sendCommand(['CLIENT', 'LIST'])))).toMatch(/name=deskchat-durable/);
    const started = Date.now();
    await expect(redis.runDurable('setItem', (c) => c.set('durable-1', 'v'))).resolves.toBe('OK');
    expect(Date.now() - started).toBeGreaterThanOrEqual(990); // WAIT ran to its timeout
    expect(observed.deskchat_redis_unreplicated_writes_total).toHaveLength(1);
    const next = Date.now();
    await expect(redis.runDurable('setItem', (c) => c.set('durable-2', 'v'))).resolves.toBe('OK');
    expect(Date.now() - next).toBeLessThan(1000); // no second WAIT within the second
    expect(observed.deskchat_redis_unreplicated_writes_total).toHaveLength(2);
    await expect(redis.run('getItem', (c) => c.mGet(['durable-1', 'durable-2']))).resolves.toEqual(['v', 'v']);
    expect(observed.deskchat_redis_command_seconds!.filter((o) => o.labels.operation === 'setItem')).toHaveLength(2);
  });

  it('runs durable writes on the main connection without WAIT when waitReplicas is 0 (the default with one Redis)', async () => {
    const { metrics, observed } = recordingMetrics();
    redis = await connectRedis(redisOptions(fixture.server), { metrics });
    expect(redis.options.waitReplicas).toBe(0);
    expect(String(await redis.runOnPrimaries('clientList', (c) => c.sendCommand(['CLIENT', 'LIST'])))).not.toMatch(/name=deskchat-durable/);
    await expect(redis.runDurable('setItem', (c) => c.set('durable-3', 'v'))).resolves.toBe('OK');
    expect(observed.deskchat_redis_unreplicated_writes_total ?? []).toHaveLength(0);
  });
});
