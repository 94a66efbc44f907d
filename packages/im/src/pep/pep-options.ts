// The `pep` config section (conventions §8): per-user bounds of XEP-0163 PEP storage.
import { OptionsError, checkInteger } from '@deskchat/core';

export interface PepOptions {
  /** PEP nodes one account may have (auto-create and create beyond it: resource-constraint). */
  maxNodesPerUser: number;
  /** Items one node may keep: pubsub#max_items may not exceed it, and 'max' means it. */
  maxItemsPerNode: number;
  /** Bytes of one item's payload (beyond it: not-acceptable with <payload-too-big/>). */
  maxItemBytes: number;
  /** How long to wait for a client's disco#info when its XEP-0115 hash is new to the server. */
  capsQueryTimeoutMs: number;
}

export const DEFAULT_PEP_OPTIONS: PepOptions = { maxNodesPerUser: 100, maxItemsPerNode: 1000, maxItemBytes: 64 * 1024, capsQueryTimeoutMs: 10_000 };

export function parsePepOptions(raw: Record<string, unknown> | undefined, prefix = 'pep'): PepOptions {
  const r = raw ?? {};
  const d = DEFAULT_PEP_OPTIONS;
  for (const key of Object.keys(r)) if (!(key in d)) throw new OptionsError(`${prefix}.${key}`, 'unknown option');
  const int = (key: keyof PepOptions, min: number, max: number) => (r[key] === undefined ? d[key] : checkInteger(`${prefix}.${key}`, r[key], min, max));
  return {
    maxNodesPerUser: int('maxNodesPerUser', 1, 10_000),
    maxItemsPerNode: int('maxItemsPerNode', 1, 100_000),
    maxItemBytes: int('maxItemBytes', 256, 16 * 1024 * 1024),
    capsQueryTimeoutMs: int('capsQueryTimeoutMs', 100, 120_000),
  };
}
