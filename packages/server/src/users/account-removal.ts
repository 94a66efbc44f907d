// How the server side removes an account (core's removeAccount): which group-chat service's rooms
// may name the user, and — on a running node — the 'account/removing' event that tells the user's
// contacts through the router (roster pushes, presence) before the data is wiped, and ending the
// user's sessions wherever they are (the session directory and core.closeSession reach every node).
import type { AccountRemovalOptions, Core } from '@deskchat/core';
import type { StreamError } from '@deskchat/protocol';
import type { ToolConfig } from '../config.js';

/**
 * Removal options from the configuration. The room service is swept even when group chat is off:
 * rooms stored while it was on still name their members. With `core` (a running node), contacts
 * are told as well.
 */
export function accountRemovalOptions(config: Pick<ToolConfig, 'core' | 'muc'>, core?: Core): AccountRemovalOptions {
  const { domain } = config.core;
  return {
    domain,
    mucServices: [`${config.muc.subdomain}.${domain}`],
    ...(core ? { beforeWipe: (username: string) => core.hooks.notify('account/removing', { username }) } : {}),
  };
}

/** Ends the user's sessions (or one resource's) on whichever node holds them; how many there were. */
export async function endUserSessions(core: Core, username: string, resource: string | undefined, error: StreamError): Promise<number> {
  const entries = (await core.directory.resourcesOf(username)).filter((e) => resource === undefined || e.resource === resource);
  await Promise.all(entries.map((e) => core.closeSession({ node: e.node, username: e.username, resource: e.resource, sessionId: e.sessionId }, error)));
  return entries.length;
}
