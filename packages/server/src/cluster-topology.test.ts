// docker-compose.yml (for users with a container engine) and scripts/cluster.sh (local processes,
// used by the tests and benchmarks) describe the same cluster: nodes, pairs, public URLs, ports.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

interface NodeTopology {
  node: string;
  pair: string;
  publicUrl: string;
  c2sPort: number;
  adminPort: number;
}

function fromScript(): NodeTopology[] {
  const out = execFileSync('bash', [path.join(root, 'scripts/cluster.sh'), 'topology'], { encoding: 'utf8' });
  return out.trim().split('\n').map((line) => JSON.parse(line) as NodeTopology);
}

function fromCompose(): { nodes: NodeTopology[]; compose: Record<string, any> } {
  const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as Record<string, any>;
  const nodes = Object.values(compose.services as Record<string, { environment?: Record<string, string> }>)
    .filter((s) => s.environment?.DESKCHAT_NODE)
    .map((s) => ({
      node: s.environment!.DESKCHAT_NODE,
      pair: s.environment!.DESKCHAT_PAIR,
      publicUrl: s.environment!.DESKCHAT_PUBLIC_URL,
      c2sPort: Number(s.environment!.DESKCHAT_C2S_PORT),
      adminPort: Number(s.environment!.DESKCHAT_ADMIN_PORT),
    }));
  return { nodes, compose };
}

describe('the cluster topology', () => {
  it('is the same in docker-compose.yml and scripts/cluster.sh: two pairs of two nodes', () => {
    const script = fromScript();
    const { nodes } = fromCompose();
    expect(nodes).toEqual(script);
    expect(script.map((n) => `${n.pair}/${n.node}`)).toEqual(['pair1/imp1a', 'pair1/imp1b', 'pair2/imp2a', 'pair2/imp2b']);
  });

  it('publishes in docker-compose.yml the ports each node listens on and its URL names', () => {
    const { compose } = fromCompose();
    for (const service of Object.values(compose.services as Record<string, { environment?: Record<string, string>; ports?: string[] }>)) {
      const env = service.environment;
      if (!env?.DESKCHAT_NODE) continue;
      const httpPort = new URL(env.DESKCHAT_PUBLIC_URL).port;
      expect(env.DESKCHAT_HTTP_PORT).toBe(httpPort);
      expect(service.ports).toEqual([`127.0.0.1:${httpPort}:${httpPort}`, `127.0.0.1:${env.DESKCHAT_ADMIN_PORT}:${env.DESKCHAT_ADMIN_PORT}`, `127.0.0.1:${env.DESKCHAT_C2S_PORT}:${env.DESKCHAT_C2S_PORT}`]);
      expect(env.DESKCHAT_REDIS_URL).toBe('redis://redis:6379');
    }
  });

  it('runs Redis with persistence (AOF) on a volume, as cluster mode requires', () => {
    const { compose } = fromCompose();
    expect(compose.services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(compose.services.redis.volumes).toEqual(['redis-data:/data']);
  });

  it('docker-compose.redis-cluster.yml puts every node on the three cluster-enabled Redis services with AOF, joined by its init service', () => {
    const overlay = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.redis-cluster.yml'), 'utf8'), { merge: true }) as Record<string, any>;
    const { nodes } = fromCompose();
    const hosts = ['redis', 'redis2', 'redis3'];
    for (const { node } of nodes) {
      expect(overlay.services[node].environment).toEqual({ DESKCHAT_REDIS_URL: '', DESKCHAT_REDIS_CLUSTER_NODES: hosts.map((h) => `${h}:6379`).join(',') });
      expect(overlay.services[node].depends_on).toEqual({ 'redis-cluster-init': { condition: 'service_completed_successfully' } });
    }
    for (const host of hosts) {
      const command = (overlay.services[host].command as string[]).join(' ');
      expect(command).toContain('--appendonly yes');
      expect(command).toContain('--cluster-enabled yes');
      expect(command).toContain(`--cluster-announce-hostname ${host}`);
    }
    expect((overlay.services['redis-cluster-init'].command as string[]).join(' ')).toContain('redis-cli --cluster create redis:6379 redis2:6379 redis3:6379 --cluster-replicas 0 --cluster-yes');
  });
});
