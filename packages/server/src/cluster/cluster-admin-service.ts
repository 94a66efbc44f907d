// The admin API's cluster operations (@deskchat/admin's ClusterAdminService) on ClusterAdmin, the
// code `deskchat user assign` and `deskchat cluster …` run: the same rules, HTTP renderings of
// its failures (an unknown node: 400 naming `node`; no such user or pair: 404).
import { failures, type ClusterAdminService } from '@deskchat/admin';
import { parseUsername } from '../users/account-fields.js';
import { NoSuchUserError, UnknownNodeError, UnknownPairError, type ClusterAdmin } from './cluster-admin.js';

export function createClusterAdminService(cluster: ClusterAdmin, self: string): ClusterAdminService {
  return {
    async status() {
      return { self, ...(await cluster.status()) };
    },

    async assign(raw, node) {
      const username = parseUsername(raw);
      if (!username) return undefined;
      try {
        return await cluster.assign(username, node);
      } catch (err) {
        if (err instanceof NoSuchUserError) return undefined;
        if (err instanceof UnknownNodeError) throw failures.invalid({ node: err.message });
        throw err;
      }
    },

    async rebalance(pair) {
      try {
        return await cluster.rebalance(pair);
      } catch (err) {
        if (err instanceof UnknownPairError) return undefined;
        throw err;
      }
    },
  };
}
