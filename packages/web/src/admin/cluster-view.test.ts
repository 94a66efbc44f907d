// The admin page's words for a cluster: pair health, the rebalance question and summary, node options.
import { describe, expect, it } from '@jest/globals';
import { ago, nodeOptions, pairHealth, rebalanceQuestion, rebalanceSummary, type ClusterNode, type ClusterPair } from './cluster-view.js';

const pair = (aliveNodes: number, nodes = ['imp1a', 'imp1b']): ClusterPair => ({ name: 'pair1', nodes, aliveNodes, sessions: 0, assignedUsers: 5 });
const node = (name: string, pairName: string, isAlive = true): ClusterNode => ({ name, pair: pairName, isAlive, lastSeen: 0, startedAt: 0, sessions: 0, assignedUsers: 0, address: { host: name, port: 5222, bosh: '', websocket: '' } });

describe('cluster view', () => {
  it('names a pair healthy, degraded or down by its live nodes', () => {
    expect(pairHealth(pair(2))).toEqual({ health: 'healthy', text: 'healthy: 2 of 2 nodes alive' });
    expect(pairHealth(pair(1)).health).toBe('degraded');
    expect(pairHealth(pair(1)).text).toMatch(/^degraded: 1 of 2 nodes alive/);
    expect(pairHealth(pair(0))).toEqual({ health: 'down', text: 'down: none of 2 nodes alive' });
    expect(pairHealth(pair(1, ['imp3a'])).health).toBe('healthy');
  });

  it('asks before rebalancing what moves and says signed-in users are not disconnected', () => {
    expect(rebalanceQuestion(pair(2))).toBe('Spread the 5 users of pair1 evenly over imp1a and imp1b? Only assignments change: signed-in users are not disconnected, they move at their next sign-in.');
    expect(rebalanceSummary({ pair: 'pair1', moved: [{ username: 'bob', from: 'imp1a', to: 'imp1b' }], counts: { imp1a: 2, imp1b: 2 } })).toBe('Moved 1 user of pair1 (now imp1a 2, imp1b 2): bob imp1a → imp1b.');
    expect(rebalanceSummary({ pair: 'pair1', moved: [], counts: { imp1a: 2, imp1b: 2 } })).toBe('pair1 was already balanced (imp1a 2, imp1b 2).');
  });

  it('lists nodes by pair for a select, marking the dead, with "not assigned" only for a user without a node', () => {
    const cluster = { nodes: [node('imp2a', 'pair2', false), node('imp1b', 'pair1'), node('imp1a', 'pair1')] };
    expect(nodeOptions(cluster, 'imp1a')).toEqual([
      { value: 'imp1a', label: 'imp1a (pair1)' },
      { value: 'imp1b', label: 'imp1b (pair1)' },
      { value: 'imp2a', label: 'imp2a (pair2, dead)' },
    ]);
    expect(nodeOptions(cluster, undefined)[0]).toEqual({ value: '', label: '— not assigned' });
  });

  it('says how long ago a heartbeat was', () => {
    expect(ago(1_000, 3_000)).toBe('2 s ago');
    expect(ago(0, 600_000)).toBe('10 min ago');
    expect(ago(0, 3 * 3_600_000)).toBe('3 h ago');
  });
});
