// The `cluster` section of the configuration (cluster-config.ts) and its environment variables.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { OptionsError } from '@deskchat/core';
import { loadConfig, loadToolConfig, parseConfig, parseToolConfig } from './config.js';
import { nodeAddress, redisOptionsInput } from './cluster-config.js';

const base = { redisUrl: 'redis://127.0.0.1:6390/0', node: 'imp1a', pair: 'pair1', publicUrl: 'https://imp1a.example.com:5280' };
const parse = (cluster: Record<string, unknown>) => parseConfig({ cluster }, '/tmp');

describe('cluster configuration', () => {
  it('is single-node mode without a Redis URL', () => {
    expect(parseConfig({}, '/tmp').cluster).toBeUndefined();
    expect(parse({ node: 'imp1a' }).cluster).toBeUndefined();
  });

  it('reads a cluster node with its defaults and derives its public addresses', () => {
    const config = parse(base).cluster!;
    expect(config).toEqual({ ...base, keyPrefix: 'deskchat:', publicHost: 'imp1a.example.com', publicC2sPort: 5222, redirect: true, heartbeatSeconds: 2, deadAfterSeconds: 6, allowVolatileRedis: false });
    expect(nodeAddress(config)).toEqual({
      host: 'imp1a.example.com',
      port: 5222,
      bosh: 'https://imp1a.example.com:5280/http-bind',
      websocket: 'wss://imp1a.example.com:5280/xmpp-websocket',
    });
    expect(nodeAddress(parse({ ...base, publicUrl: 'http://127.0.0.1:7001/', publicC2sPort: 7002 }).cluster!)).toEqual({
      host: '127.0.0.1',
      port: 7002,
      bosh: 'http://127.0.0.1:7001/http-bind',
      websocket: 'ws://127.0.0.1:7001/xmpp-websocket',
    });
  });

  it('takes every setting from the environment', () => {
    const config = loadConfig({
      cwd: '/tmp',
      env: {
        DESKCHAT_REDIS_URL: 'rediss://cache.example.com:6380',
        DESKCHAT_REDIS_PASSWORD: 's3cret',
        DESKCHAT_REDIS_PREFIX: 'dc1:',
        DESKCHAT_NODE: 'imp2b',
        DESKCHAT_PAIR: 'pair2',
        DESKCHAT_PUBLIC_URL: 'https://imp2b.example.com:5280',
        DESKCHAT_PUBLIC_HOST: 'xmpp-imp2b.example.com',
        DESKCHAT_PUBLIC_C2S_PORT: '15222',
        DESKCHAT_CLUSTER_REDIRECT: 'false',
      },
    }).cluster!;
    expect(config).toMatchObject({ redisUrl: 'rediss://cache.example.com:6380', redisPassword: 's3cret', keyPrefix: 'dc1:', node: 'imp2b', pair: 'pair2', publicHost: 'xmpp-imp2b.example.com', publicC2sPort: 15222, redirect: false });
  });

  it.each([
    [{ ...base, redisUrl: 'http://x' }, 'cluster.redisUrl'],
    [{ ...base, node: undefined }, 'cluster.node'],
    [{ ...base, node: 'Imp 1' }, 'cluster.node'],
    [{ ...base, pair: undefined }, 'cluster.pair'],
    [{ ...base, publicUrl: undefined }, 'cluster.publicUrl'],
    [{ ...base, publicUrl: 'ftp://x' }, 'cluster.publicUrl'],
    [{ ...base, publicUrl: 'https://x:5280/?a=1' }, 'cluster.publicUrl'],
    [{ ...base, heartbeatSeconds: 5, deadAfterSeconds: 5 }, 'cluster.deadAfterSeconds'],
    [{ ...base, publicC2sPort: 70000 }, 'cluster.publicC2sPort'],
    [{ ...base, keyPrefix: 'a b' }, 'cluster.keyPrefix'],
    [{ ...base, nodes: 4 }, 'cluster.nodes'],
  ])('names the key of a bad value: %j → %s', (cluster, key) => {
    let error: unknown;
    try {
      parse(cluster as Record<string, unknown>);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).key).toBe(key);
  });

  it('connects through Redis Sentinel with DESKCHAT_REDIS_SENTINELS and DESKCHAT_REDIS_MASTER_NAME instead of a URL (issue 14)', () => {
    const env = { DESKCHAT_REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2:26379', DESKCHAT_REDIS_MASTER_NAME: 'deskchat', DESKCHAT_REDIS_SENTINEL_PASSWORD: 'sp', DESKCHAT_REDIS_PASSWORD: 'dp' };
    const store = loadToolConfig({ cwd: '/tmp', env }).cluster!;
    expect(store).toEqual({ redisSentinels: '10.0.0.1:26379,10.0.0.2:26379', redisMasterName: 'deskchat', redisSentinelPassword: 'sp', redisPassword: 'dp', keyPrefix: 'deskchat:' });
    expect(redisOptionsInput(store)).toEqual({ sentinels: '10.0.0.1:26379,10.0.0.2:26379', masterName: 'deskchat', sentinelPassword: 'sp', password: 'dp', keyPrefix: 'deskchat:' });
    expect(redisOptionsInput(parseToolConfig({ cluster: { redisUrl: base.redisUrl } }, '/tmp').cluster!)).toEqual({ url: base.redisUrl, keyPrefix: 'deskchat:' });
    const { redisUrl: _url, ...node } = base;
    expect(parse({ ...node, redisSentinels: 's1:26379', redisMasterName: 'm' }).cluster).toMatchObject({ redisSentinels: 's1:26379', redisMasterName: 'm', node: 'imp1a' });
  });

  it('passes how many replicas a durable write waits for, and for how long, to the Redis options (DESKCHAT_REDIS_WAIT_REPLICAS, DESKCHAT_REDIS_WAIT_TIMEOUT_MS)', () => {
    const env = { DESKCHAT_REDIS_SENTINELS: '10.0.0.1:26379', DESKCHAT_REDIS_MASTER_NAME: 'deskchat', DESKCHAT_REDIS_WAIT_REPLICAS: '2', DESKCHAT_REDIS_WAIT_TIMEOUT_MS: '250' };
    const store = loadToolConfig({ cwd: '/tmp', env }).cluster!;
    expect(store).toMatchObject({ redisWaitReplicas: 2, redisWaitTimeoutMs: 250 });
    expect(redisOptionsInput(store)).toMatchObject({ waitReplicas: 2, waitTimeoutMs: 250 });
    expect(redisOptionsInput(parseToolConfig({ cluster: { redisUrl: base.redisUrl } }, '/tmp').cluster!)).not.toHaveProperty('waitReplicas');
  });

  it('speaks TLS to the Sentinels and data nodes or to a Redis Cluster with DESKCHAT_REDIS_TLS, trusting DESKCHAT_REDIS_TLS_CA_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskchat-ca-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    try {
      const env = { DESKCHAT_REDIS_SENTINELS: '10.0.0.1:26379', DESKCHAT_REDIS_MASTER_NAME: 'deskchat', DESKCHAT_REDIS_TLS: 'true', DESKCHAT_REDIS_TLS_CA_FILE: caFile };
      const store = loadToolConfig({ cwd: '/tmp', env }).cluster!;
      expect(store).toMatchObject({ redisTls: true, redisTlsCaFile: caFile });
      expect(redisOptionsInput(store)).toMatchObject({ tls: { enabled: true, ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } });
      // A rediss:// URL takes the CA alone.
      const url = parseToolConfig({ cluster: { redisUrl: 'rediss://r:6380', redisTlsCaFile: caFile } }, '/tmp').cluster!;
      expect(redisOptionsInput(url)).toMatchObject({ url: 'rediss://r:6380', tls: { ca: expect.stringContaining('BEGIN CERTIFICATE') } });
      expect(redisOptionsInput(url).tls).not.toHaveProperty('enabled');
      expect(() => redisOptionsInput({ ...url, redisTlsCaFile: join(dir, 'missing.pem') })).toThrow(/^cluster\.redisTlsCaFile: cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('connects to a sharded Redis Cluster with DESKCHAT_REDIS_CLUSTER_NODES instead of a URL (issue 14)', () => {
    const env = { DESKCHAT_REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000', DESKCHAT_REDIS_PASSWORD: 'dp' };
    const store = loadToolConfig({ cwd: '/tmp', env }).cluster!;
    expect(store).toEqual({ redisClusterNodes: '10.0.0.1:7000,10.0.0.2:7000', redisPassword: 'dp', keyPrefix: 'deskchat:' });
    expect(redisOptionsInput(store)).toEqual({ clusterNodes: '10.0.0.1:7000,10.0.0.2:7000', password: 'dp', keyPrefix: 'deskchat:' });
    const { redisUrl: _url, ...node } = base;
    expect(parse({ ...node, redisClusterNodes: 'r1:7000' }).cluster).toMatchObject({ redisClusterNodes: 'r1:7000', node: 'imp1a' });
  });

  it.each([
    [{ redisUrl: 'redis://h:6379', redisSentinels: 's:26379', redisMasterName: 'm' }, 'cluster.redisSentinels'],
    [{ redisUrl: 'redis://h:6379', redisClusterNodes: 'r:7000' }, 'cluster.redisClusterNodes'],
    [{ redisSentinels: 's:26379', redisMasterName: 'm', redisClusterNodes: 'r:7000' }, 'cluster.redisClusterNodes'],
    [{ redisClusterNodes: 'r' }, 'cluster.redisClusterNodes'],
    [{ redisClusterNodes: 'r:7000', redisMasterName: 'm' }, 'cluster.redisMasterName'],
    [{ redisSentinels: 's:26379' }, 'cluster.redisMasterName'],
    [{ redisSentinels: 's', redisMasterName: 'm' }, 'cluster.redisSentinels'],
    [{ redisSentinels: 's:1,', redisMasterName: 'm' }, 'cluster.redisSentinels'],
    [{ redisMasterName: 'm' }, 'cluster.redisSentinels'],
    [{ redisUrl: 'redis://h:6379', redisMasterName: 'm' }, 'cluster.redisMasterName'],
    [{ redisUrl: 'redis://h:6379', redisWaitReplicas: 'one' }, 'cluster.redisWaitReplicas'],
    [{ redisUrl: 'redis://h:6379', redisWaitTimeoutMs: 0 }, 'cluster.redisWaitTimeoutMs'],
    [{ redisClusterNodes: 'r:7000', redisWaitReplicas: 1 }, 'cluster.redisWaitReplicas'],
    [{ redisUrl: 'redis://h:6379', redisTls: true }, 'cluster.redisTls'],
    [{ redisSentinels: 's:26379', redisMasterName: 'm', redisTls: 'maybe' }, 'cluster.redisTls'],
  ])('names the key of a bad Sentinel or Redis Cluster setting: %j → %s', (cluster, key) => {
    let error: unknown;
    try {
      parseToolConfig({ cluster }, '/tmp');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).key).toBe(key);
  });

  it('gives the administration commands the cluster\'s store from DESKCHAT_REDIS_URL alone (they are not a node)', () => {
    const env = { DESKCHAT_REDIS_URL: 'redis://10.0.0.5:6379/2', DESKCHAT_REDIS_PREFIX: 'dc1:' };
    expect(() => loadConfig({ cwd: '/tmp', env })).toThrow(/cluster\.node: is required/);
    expect(loadToolConfig({ cwd: '/tmp', env }).cluster).toEqual({ redisUrl: 'redis://10.0.0.5:6379/2', keyPrefix: 'dc1:' });
    // A node's full section is accepted as it is; its store settings are still checked.
    expect(parseToolConfig({ cluster: { ...base, redisPassword: 'pw' } }, '/tmp').cluster).toEqual({ redisUrl: base.redisUrl, redisPassword: 'pw', keyPrefix: 'deskchat:' });
    expect(() => parseToolConfig({ cluster: { redisUrl: 'http://x' } }, '/tmp')).toThrow(/cluster\.redisUrl/);
    expect(() => parseToolConfig({ cluster: { redisUrl: base.redisUrl, nodes: 4 } }, '/tmp')).toThrow(/cluster\.nodes: unknown setting/);
    expect(parseToolConfig({}, '/tmp').cluster).toBeUndefined();
  });
});
