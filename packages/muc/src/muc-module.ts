// XEP-0045 Multi-User Chat as a module: serves conference.<domain> through core's hosted-service
// seam (api.hostService), lists the service in the server's disco#items (XEP-0030 §4, XEP-0045
// §6.1), and takes occupants out of their rooms when their session ends, or is lost with its node
// (RFC 6121 §4.6.3 would send an unavailable to a directed-presence recipient; the room does the
// same for itself).
import xml from '@xmpp/xml';
import type { Module } from '@deskchat/core';
import { DEFAULT_MUC_OPTIONS, type MucOptions } from './options.js';
import { MucService } from './service.js';
import { archiveGroupchat } from './room-archive.js';

export const MUC_SERVICE = 'muc';

export const mucModule: Module<MucOptions> = {
  name: 'muc',
  defaults: DEFAULT_MUC_OPTIONS,
  async setup(api) {
    const { options } = api;
    if (!options.enabled) return;
    const service = new MucService({ api, options, service: `${options.subdomain}.${api.domain}` });
    api.hostService(service.ctx.service, (event) => service.handle(event));
    api.hook('disco/host-items', () => ({ jid: service.ctx.service, name: 'Group chat' }));
    api.hook('session/unbound', ({ session }) => (session.jid ? service.sessionEnded(session.jid.toString(), session.id) : undefined));
    // A dead node's sessions, cleaned by the node that takes over (core/cluster/takeover.ts): no ghost occupants.
    api.hook('session/lost', ({ username, resource, sessionId }) => service.sessionEnded(api.jid(username, resource).toString(), sessionId));
    // XEP-0313 room archives through the archive seam (events.ts, room-archive.ts).
    if (options.archive) api.hook('muc/groupchat', (event) => archiveGroupchat(service.ctx, event));
    api.provide(MUC_SERVICE, service);
    await service.sweepEmptyTemporaryRooms();
  },
};
