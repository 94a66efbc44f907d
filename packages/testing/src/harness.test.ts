// The harness's cluster mode (harness.ts): Cores sharing state, connections spread over them, and
// stanzas between users on different Cores really crossing the node bus.
import { describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { coreModules, type BusMessage } from '@deskchat/core';
import { Harness } from './harness.js';
import { stanzaMatching } from './matchers.js';

describe('Harness with two nodes', () => {
  it('places successive connections on successive nodes and routes between them over the bus', async () => {
    const h = await Harness.create({ nodes: 2, modules: [] });
    expect(h.cores.map((c) => c.node)).toEqual(['node1', 'node2']);
    expect(h.cores[0].stores).toBe(h.cores[1].stores);
    expect(h.cores[0].directory).toBe(h.cores[1].directory);
    await h.addUser('alice');
    await h.addUser('bob');
    const alice = await h.connect('alice', { resource: 'desk' });
    const bob = await h.connect('bob', { resource: 'laptop' });
    expect(alice.session.core).toBe(h.cores[0]);
    expect(bob.session.core).toBe(h.cores[1]);
    expect(h.cores[0].sessions.get('bob', 'laptop')).toBeUndefined();

    const published: [string, BusMessage][] = [];
    const bus = h.cores[0].bus;
    const publish = bus.publish.bind(bus);
    bus.publish = async (node, message) => {
      published.push([node, message]);
      return publish(node, message);
    };
    await alice.send(xml('message', { to: 'bob@localhost/laptop', type: 'chat', id: 'x' }, xml('body', {}, 'across')));
    const got = await bob.next(stanzaMatching('message', { id: 'x' }));
    expect(got.getChildText('body')).toBe('across');
    expect(published.map(([node, m]) => [node, m.type])).toEqual([['node2', 'stanza']]);
  });

  it('runs one node by default, named "local"', async () => {
    const h = await Harness.create({ nodes: 1, modules: coreModules.slice(0, 0) });
    expect(h.cores.map((c) => c.node)).toEqual(['local']);
  });
});
