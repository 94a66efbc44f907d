// The XMPP side's account operations (im's AccountAdministration, used by the XEP-0133 commands and
// XEP-0077 registration) on the CLI's own code (account-commands.ts): the same username and
// password rules, SCRAM keys derived on the thread pool, removal of all the user's data (core's
// removeAccount, as `deskchat user remove`), and in a cluster ClusterAdmin's placement of a new user
// and forgetting of a removed one, as the admin API does (user-admin-service.ts). Online sessions
// and ending them go through the session directory and core.closeSession, so they reach every node.
import { StanzaError, type StreamError } from '@deskchat/protocol';
import type { AccountRemovalOptions, ClusterRegistry, Core, Stores } from '@deskchat/core';
import type { AccountAdministration } from '@deskchat/im';
import type { ClusterAdmin } from '../cluster/cluster-admin.js';
import { addUser, changePassword, removeIfPresent } from './account-commands.js';
import { endUserSessions } from './account-removal.js';
import { parseUsername } from './account-fields.js';
import { CommandError } from './command-error.js';

/** The CLI's refusals as stanza errors: a taken name is conflict, anything else not-acceptable (XEP-0077 §3.1, XEP-0133 §4.1). */
async function asStanzaError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    throw new StanzaError(/already exists/.test(err.message) ? 'conflict' : 'not-acceptable', err.message);
  }
}

export function createAccountAdministration(core: Core, stores: Stores, removal: AccountRemovalOptions, cluster?: { admin: ClusterAdmin; registry: ClusterRegistry }): AccountAdministration {
  const nodes = async () => (cluster ? (await cluster.registry.nodes()).filter((n) => n.isAlive).map((n) => n.name) : [core.node]);
  return {
    async add(username, password, details = {}) {
      const created = await asStanzaError(() => addUser(stores.accounts, { username, password, ...details }));
      await cluster?.admin.placeNewUsers([created]);
      return created;
    },
    remove: async (raw) => (await removeIfPresent(stores, raw, removal, cluster?.admin)) !== undefined,
    async setPassword(raw, password) {
      const username = parseUsername(raw);
      if (!username || !(await stores.accounts.hasAccount(username))) return false;
      await asStanzaError(() => changePassword(stores.accounts, username, password));
      return true;
    },
    async exists(raw) {
      const username = parseUsername(raw);
      return !!username && (await stores.accounts.hasAccount(username));
    },
    count: () => stores.accounts.countAccounts(),
    async onlineSessions() {
      const held = await Promise.all((await nodes()).map((n) => core.directory.entriesOfNode(n)));
      return held.flat().map((e) => ({ username: e.username, resource: e.resource }));
    },
    async endSessions(raw, resource, error: StreamError) {
      const username = parseUsername(raw);
      return username ? endUserSessions(core, username, resource, error) : 0;
    },
  };
}
