// Home-node discovery's cache (docs/cluster.md "Discovery", docs/gadget.md): per user, home →
// backup → Primary → Secondary, the transport's URL of each node, cleared by a server that names
// no nodes. (Reading <home/>/<backup/> from the features needs a DOM: the Chromium e2e test
// gadget-failover covers it.)
import { describe, expect, it } from '@jest/globals';
import { cachedDiscovery, configuredOrder, type ClusterNodes } from './discovery.js';
import type { ChatServers } from './servers.js';

const storage = () => {
  const map = new Map<string, string>();
  return { map, getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
};
const servers: ChatServers = { primary: 'https://p.example.com/http-bind', secondary: 'https://s.example.com/http-bind', transport: 'bosh', source: 'endpoint' };
const nodes: ClusterNodes = {
  home: { node: 'imp1b', bosh: 'https://b.example.com/http-bind', websocket: 'wss://b.example.com/xmpp-websocket' },
  backup: { node: 'imp1a', bosh: 'https://a.example.com/http-bind', websocket: 'wss://a.example.com/xmpp-websocket' },
};

describe('cachedDiscovery', () => {
  it('tries Primary then Secondary for a user it knows nothing about (the configured order)', async () => {
    const discovery = cachedDiscovery(storage());
    expect(await discovery.candidates('alice@example.com', servers)).toEqual(await configuredOrder.candidates('alice@example.com', servers));
    expect(await discovery.candidates('alice@example.com', servers)).toEqual([servers.primary, servers.secondary]);
  });

  it('goes to the cached home first, then its backup, the Primary and the Secondary; per user', async () => {
    const s = storage();
    const discovery = cachedDiscovery(s);
    discovery.signedIn!('alice@example.com', nodes);
    expect(await discovery.candidates('alice@example.com', servers)).toEqual([nodes.home.bosh, nodes.backup!.bosh, servers.primary, servers.secondary]);
    expect(await discovery.candidates('alice@example.com', { ...servers, transport: 'websocket' })).toEqual([nodes.home.websocket, nodes.backup!.websocket, servers.primary, servers.secondary]);
    expect(await discovery.candidates('bob@example.com', servers)).toEqual([servers.primary, servers.secondary]);
    expect([...s.map.keys()]).toEqual(['deskchat.nodes.alice@example.com']);
    expect(cachedDiscovery(s).cached!('alice@example.com')).toEqual(nodes);
  });

  it('forgets the nodes when the server signed in on names none (not a cluster any more)', async () => {
    const s = storage();
    const discovery = cachedDiscovery(s);
    discovery.signedIn!('alice@example.com', nodes);
    discovery.signedIn!('alice@example.com', undefined);
    expect(s.map.size).toBe(0);
    expect(await discovery.candidates('alice@example.com', servers)).toEqual([servers.primary, servers.secondary]);
  });

  it('ignores a cache entry it cannot read', async () => {
    const s = storage();
    s.map.set('deskchat.nodes.alice@example.com', '{not json');
    expect(await cachedDiscovery(s).candidates('alice@example.com', servers)).toEqual([servers.primary, servers.secondary]);
  });
});
