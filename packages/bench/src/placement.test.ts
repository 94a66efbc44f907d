// Cluster placement: spread puts partners and neighbours on different nodes, same keeps a pair together.
import { describe, expect, it } from '@jest/globals';
import { endpointOfUser, nodeOfUser } from './placement.js';
import type { Endpoint } from './xmpp-connection.js';

const endpoint = (c2sPort: number): Endpoint => ({ host: '127.0.0.1', c2sPort, httpPort: c2sPort + 1, domain: 'localhost', boshPath: '/http-bind', wsPath: '/xmpp-websocket' });

describe('nodeOfUser', () => {
  it('spread: the two users of every pair, and ring neighbours, sit on different nodes', () => {
    for (const nodes of [2, 3, 4]) {
      for (let j = 0; j < 50; j++) expect(nodeOfUser(2 * j, nodes, 'spread')).not.toBe(nodeOfUser(2 * j + 1, nodes, 'spread'));
    }
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => nodeOfUser(i, 4, 'spread'))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('same: both users of a pair on one node, the pairs spread over every node', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => nodeOfUser(i, 4, 'same'))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 0, 0]);
  });
});

describe('endpointOfUser', () => {
  it('uses the single endpoint outside cluster mode', () => {
    const one = endpoint(5222);
    expect(endpointOfUser({ endpoint: one }, 7)).toBe(one);
    expect(endpointOfUser({ endpoint: one, endpoints: [one] }, 7)).toBe(one);
  });

  it("picks the user's node in cluster mode", () => {
    const nodes = [endpoint(1000), endpoint(2000), endpoint(3000), endpoint(4000)];
    expect(endpointOfUser({ endpoint: nodes[0], endpoints: nodes, placement: 'spread' }, 6).c2sPort).toBe(3000);
    expect(endpointOfUser({ endpoint: nodes[0], endpoints: nodes, placement: 'same' }, 6).c2sPort).toBe(4000);
  });
});
