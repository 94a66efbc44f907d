// openRedisSharedState: two Cores, each with its own Redis connection and shared state — a cluster
// of two nodes in one process — route through Redis: a stanza to a session on the other node
// crosses the bus, a bind that takes a resource in use on the other node closes it there (RFC 6120
// §7.7.2.2), an IQ answered on the other node comes back, and a dead node's sessions and waiting
// messages are found by a takeover.
import { afterEach, describe, expect, it } from '@jest/globals';
import xml from '@xmpp/xml';
import { NS } from '@deskchat/protocol';
import { Harness } from '@deskchat/testing';
import { redisOptions, useRedisServer } from './__tests__/redis-fixture.js';
import { connectRedis, type RedisConnection } from './connection.js';
import { openRedisSharedState, type RedisSharedState } from './open-shared-state.js';

const fixture = useRedisServer();
const opened: Array<{ redis: RedisConnection; shared: RedisSharedState }> = [];

async function twoNodes(): Promise<Harness> {
  await fixture.fresh();
  const connections = [await connectRedis(redisOptions(fixture.server)), await connectRedis(redisOptions(fixture.server))];
  return Harness.create({
    nodes: 2,
    shared: (node, i) => {
      const shared = openRedisSharedState(connections[i]!, { node });
      opened.push({ redis: connections[i]!, shared });
      return shared;
    },
  });
}

let harness: Harness | undefined;
afterEach(async () => {
  for (const core of harness?.cores ?? []) await core.shutdown();
  harness = undefined;
  for (const { redis, shared } of opened.splice(0)) {
    await shared.close();
    await redis.close();
  }
});

describe('openRedisSharedState: two Cores over one Redis', () => {
  it('delivers a message to a session on the other node over the bus', async () => {
    harness = await twoNodes();
    await harness.addUser('alice');
    await harness.addUser('bob');
    const alice = await harness.connect('alice', { resource: 'desk', node: 0 });
    const bob = await harness.connect('bob', { resource: 'web', node: 1 });
    await alice.send(xml('message', { to: 'bob@localhost/web', type: 'chat', id: 'm1' }, xml('body', {}, 'hello über nodes')));
    const got = await bob.next((el) => el.name === 'message');
    expect(got.attrs).toMatchObject({ from: 'alice@localhost/desk', id: 'm1' });
    expect(got.getChildText('body')).toBe('hello über nodes');
    expect((await opened[1]!.shared.directory.entriesOfNode('node2')).map((e) => `${e.username}/${e.resource}`)).toEqual(['bob/web']);
  });

  it('closes the holder of a resource on the other node when a new bind replaces it (conflict over the bus)', async () => {
    harness = await twoNodes();
    await harness.addUser('bob');
    const first = await harness.connect('bob', { resource: 'web', node: 1 });
    await harness.connect('bob', { resource: 'web', node: 0 });
    for (const deadline = Date.now() + 5_000; first.transport.closedWith === undefined; await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() > deadline) throw new Error('the replaced session on node2 was not closed');
    }
    expect(first.transport.closedWith).toMatchObject({ condition: 'conflict' });
    await expect(opened[0]!.shared.directory.get('bob', 'web')).resolves.toMatchObject({ node: 'node1' });
  });

  it("answers an IQ sent to a resource on the other node (the reply comes back over the bus)", async () => {
    harness = await twoNodes();
    await harness.addUser('alice');
    await harness.addUser('bob');
    const alice = await harness.connect('alice', { resource: 'desk', node: 0 });
    await harness.connect('bob', { resource: 'web', node: 1 }); // answers pings (the harness client's autoReply)
    const reply = await alice.iq(xml('iq', { type: 'get', to: 'bob@localhost/web' }, xml('ping', { xmlns: NS.PING })));
    expect(reply.attrs).toMatchObject({ type: 'result', from: 'bob@localhost/web' });
  });

  it("lets a takeover find a dead node's sessions and drain the messages sent to it meanwhile", async () => {
    harness = await twoNodes();
    await harness.addUser('alice');
    await harness.addUser('bob');
    const alice = await harness.connect('alice', { resource: 'desk', node: 0 });
    await harness.connect('bob', { resource: 'web', node: 1 });
    // node2 stops listening (a crash would let its listener key lapse instead); its sessions stay in the directory.
    await opened[1]!.shared.close();
    await alice.send(xml('message', { to: 'bob@localhost/web', type: 'chat', id: 'gap' }, xml('body', {}, 'in the gap')));
    const survivor = opened[0]!.shared;
    await expect(survivor.directory.entriesOfNode('node2')).resolves.toMatchObject([{ username: 'bob', resource: 'web' }]);
    const waiting = await survivor.bus.drain('node2');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ type: 'stanza', to: 'bob@localhost/web' });
    expect((waiting[0] as { stanza: string }).stanza).toContain('in the gap');
  });
});
