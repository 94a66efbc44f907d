// The group-chat service on conference.<domain>: every stanza addressed to it reaches `handle`
// through core's hosted-service seam (docs/routing.md). Stanzas to a room or an occupant are
// handled under the room's lock ('muc:<room>@<service>'), on whichever node received them, with
// the room read from and written to core's shared ports; so occupants on different nodes share a
// room, and a room outlives any node. Occupants whose session is found gone leave afterwards.
import xml from '@xmpp/xml';
import { StanzaError, errorReply, type JID } from '@deskchat/protocol';
import { MUC } from './ns.js';
import type { StanzaEvent } from '@deskchat/core';
import { occupantIq, roomIq, serviceIq } from './iq.js';
import { privateMessage, roomMessage } from './messages.js';
import { occupantPresence, removeGone } from './occupancy.js';
import { Room, type MucContext } from './room.js';

/** A room operation is a few store calls and one delivery per occupant; a dead holder's lock lapses after this (Redis). */
const LOCK = { ttlMs: 30_000 };

export class MucService {
  constructor(readonly ctx: MucContext) {}

  lockName(room: string): string {
    return `muc:${room}@${this.ctx.service}`;
  }

  async handle(event: StanzaEvent): Promise<void> {
    const { stanza, to } = event;
    if (!to.local) {
      if (stanza.name === 'iq') return serviceIq(this.ctx, event);
      if (stanza.name === 'message' && stanza.attrs.type !== 'error') throw new StanzaError('service-unavailable', 'messages go to a room, not to the service');
      return;
    }
    try {
      await this.inRoom(to.local, (room) => this.roomStanza(room, event, to));
    } catch (err) {
      // XEP-0045 §7.2.5–§7.2.10 (examples 27–36): an error to a presence carries <x xmlns=muc/>, by
      // which clients (slixmpp among them) tell a failed join from other presence errors.
      if (!(err instanceof StanzaError) || stanza.name !== 'presence') throw err;
      const reply = errorReply(stanza, err);
      reply.children.unshift(xml('x', { xmlns: MUC.BASE }));
      await this.ctx.api.router.deliver(event.from, reply);
    }
  }

  private async roomStanza(room: Room, event: StanzaEvent, to: JID): Promise<void> {
    const { stanza } = event;
    if (stanza.name === 'presence') {
      if (to.resource) return occupantPresence(room, event);
      // §7.2.1 ("No Nickname Specified"): entering needs a nick.
      if (stanza.attrs.type === undefined) throw new StanzaError('jid-malformed', 'enter a room as room@service/nick (XEP-0045 §7.2.1)');
      return;
    }
    if (stanza.name === 'message') return to.resource ? privateMessage(room, event) : roomMessage(room, event);
    if (stanza.name === 'iq') return to.resource ? occupantIq(room, event) : roomIq(room, event);
  }

  /** Runs `task` on the room under its lock; then removes occupants whose session turned out to be gone. */
  async inRoom(name: string, task: (room: Room) => Promise<void>): Promise<void> {
    let gone: string[] = [];
    try {
      await this.ctx.api.locks.withLock(
        this.lockName(name),
        async () => {
          const room = await Room.load(this.ctx, name);
          try {
            await task(room);
          } finally {
            gone = [...room.gone];
          }
        },
        LOCK,
      );
    } finally {
      // Bounded: each pass removes at least the occupants found gone in the previous one.
      for (let pass = 0; gone.length > 0 && pass < 3; pass++) {
        const leaving = gone;
        gone = [];
        await this.ctx.api.locks.withLock(
          this.lockName(name),
          async () => {
            const room = await Room.load(this.ctx, name);
            await removeGone(room, leaving);
            gone = [...room.gone];
          },
          LOCK,
        );
      }
    }
  }

  /** A session ended (closed, broken, replaced): its occupant leaves every room it was in. */
  async sessionEnded(jid: string, sessionId: string): Promise<void> {
    for (const name of await this.ctx.api.mucOccupants.roomsOf(this.ctx.service, jid)) {
      await this.inRoom(name, (room) => removeGone(room, [jid], sessionId));
    }
  }

  /** At start: temporary rooms nobody is in any more (their node stopped) are removed (§10.1.3). */
  async sweepEmptyTemporaryRooms(): Promise<void> {
    for (const record of await this.ctx.api.stores.mucRooms.listRooms(this.ctx.service)) {
      if (record.isPersistent) continue;
      await this.inRoom(record.room, async (room) => {
        await room.destroyIfEmptyAndTemporary();
      });
    }
  }
}
