// Users of the gadget's cluster tests, written straight into the cluster's Redis: accounts with the
// password `pw-<name>`, each assigned its home node, and two of them subscribed to each other.
import { deriveCredentials } from '@deskchat/core';
import { RedisClusterRegistry, openRedisStores, type RedisConnection } from '@deskchat/redis';

export async function seedUsers(connection: RedisConnection, homes: Record<string, string>, mutual: [string, string]): Promise<ReturnType<typeof openRedisStores>> {
  const stores = openRedisStores(connection);
  const registry = new RedisClusterRegistry(connection);
  for (const [user, node] of Object.entries(homes)) {
    await stores.accounts.createAccount({ username: user, createdAt: Date.now(), credentials: deriveCredentials(`pw-${user}`, 4096) });
    await registry.assign(user, node);
  }
  const both = { groups: ['Team'], subscription: 'both' as const, isPendingOut: false, isPreApproved: false };
  const [a, b] = mutual;
  await stores.roster.setItem(a, { jid: `${b}@localhost`, ...both });
  await stores.roster.setItem(b, { jid: `${a}@localhost`, ...both });
  return stores;
}
