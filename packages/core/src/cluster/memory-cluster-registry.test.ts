import { clusterRegistryContract } from '@deskchat/testing';
import { MemoryClusterRegistry } from './memory-cluster-registry.js';

clusterRegistryContract('memory', async () => {
  let now = 1_000_000;
  return { registry: new MemoryClusterRegistry(() => now), advance: async (ms) => void (now += ms), ttl: { long: 60_000, short: 1000 } };
});
