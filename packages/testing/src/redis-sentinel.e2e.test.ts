// The Sentinel test helper: a primary, a replica and three Sentinels that promote the replica when
// the primary is killed (the failover tests of issue 14 build on this).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRedisSentinelGroup, type RedisSentinelGroup } from './redis-sentinel.js';

let group: RedisSentinelGroup;
beforeAll(async () => {
  group = await startRedisSentinelGroup();
}, 30_000);
afterAll(async () => {
  await group?.stop();
});

describe('startRedisSentinelGroup', () => {
  it('names the started primary, replicates to the replica, and promotes it when the primary is killed', async () => {
    await expect(group.currentPrimary()).resolves.toEqual({ host: '127.0.0.1', port: group.primary.port });
    expect(group.sentinelAddresses).toHaveLength(3);
    await group.primary.cli('SET', 'k', 'before-failover');
    await group.primary.cli('WAIT', '1', '2000');
    await expect(group.replicas[0]!.cli('GET', 'k')).resolves.toBe('before-failover');

    const { promotedMs } = await group.killPrimary();
    expect(await promotedMs).toBeGreaterThan(0);
    expect((await group.currentPrimary()).port).toBe(group.replicas[0]!.port);
    await expect(group.replicas[0]!.cli('ROLE')).resolves.toMatch(/^master/);
    await expect(group.replicas[0]!.cli('GET', 'k')).resolves.toBe('before-failover');
  }, 30_000);
});
