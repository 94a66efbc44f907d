// The `pubsub` config section (conventions §8): the XEP-0060 service on <subdomain>.<domain>, who
// administers it, and its bounds (in the style of the `pep` section).
import { OptionsError, checkBoolean, checkInteger } from '@deskchat/core';
import { parseAdmins } from '../adhoc/adhoc-module.js';

export interface PubsubOptions {
  /** Serve the publish-subscribe service at all. */
  enabled: boolean;
  /** The service's subdomain: the service is <subdomain>.<domain>. */
  subdomain: string;
  /**
   * The service's administrators (bare JIDs of the domain, or usernames): they alone create,
   * configure, purge and delete nodes, publish to nodes whose publish model is 'publishers', and
   * subscribe to whitelist nodes.
   */
  admins: string[];
  /** Nodes the service keeps (a create beyond it: resource-constraint). */
  maxNodes: number;
  /** Items one node may keep: pubsub#max_items may not exceed it, and 'max' means it. */
  maxItemsPerNode: number;
  /** Bytes of one item's payload (beyond it: not-acceptable with <payload-too-big/>). */
  maxItemBytes: number;
}

export const DEFAULT_PUBSUB_OPTIONS: PubsubOptions = { enabled: true, subdomain: 'pubsub', admins: [], maxNodes: 1000, maxItemsPerNode: 1000, maxItemBytes: 64 * 1024 };

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function parsePubsubOptions(raw: Record<string, unknown> | undefined, domain: string, prefix = 'pubsub'): PubsubOptions {
  const r = raw ?? {};
  const d = DEFAULT_PUBSUB_OPTIONS;
  for (const key of Object.keys(r)) if (!(key in d)) throw new OptionsError(`${prefix}.${key}`, 'unknown option');
  const int = (key: 'maxNodes' | 'maxItemsPerNode' | 'maxItemBytes', min: number, max: number) => (r[key] === undefined ? d[key] : checkInteger(`${prefix}.${key}`, r[key], min, max));
  let subdomain = d.subdomain;
  if (r.subdomain !== undefined) {
    if (typeof r.subdomain !== 'string' || !LABEL.test(r.subdomain.toLowerCase())) throw new OptionsError(`${prefix}.subdomain`, `must be one DNS label such as pubsub (got ${JSON.stringify(r.subdomain)})`);
    subdomain = r.subdomain.toLowerCase();
  }
  return {
    enabled: r.enabled === undefined ? d.enabled : checkBoolean(`${prefix}.enabled`, r.enabled),
    subdomain,
    admins: parseAdmins(r.admins, domain, `${prefix}.admins`),
    maxNodes: int('maxNodes', 1, 1_000_000),
    maxItemsPerNode: int('maxItemsPerNode', 1, 100_000),
    maxItemBytes: int('maxItemBytes', 256, 16 * 1024 * 1024),
  };
}
