// Volatile port: who is in each XEP-0045 room right now (design.md §4). Occupants (real full JID,
// nick, role, last presence, the stream that joined), the nick each holds (two occupants never
// share one: the muc module checks under its per-room lock), and the room's recent history for
// new occupants (§7.2.14). Shared by every node, so that occupants on different nodes share a
// room and a room outlives the node that served its last join: in memory for one node or Cores in
// one process, Redis in a cluster (one hash slot per room, see packages/muc/README.md).
// Records name the session that joined, so that a replaced session's late cleanup cannot remove
// its successor's occupancy.

export type MucRole = 'moderator' | 'participant' | 'visitor';

export interface MucOccupant {
  /** The occupant's real full JID. */
  jid: string;
  nick: string;
  role: MucRole;
  /** The stream (Session.id) that joined; '' when unknown. */
  sessionId: string;
  /** The occupant's last presence as the client sent it (serialized XML), rebroadcast with the room's additions. */
  presence: string;
  /** Milliseconds since the epoch. */
  joinedAt: number;
}

export interface MucOccupantStore {
  /** Every occupant of the room, in the order they joined. */
  occupants(service: string, room: string): Promise<MucOccupant[]>;
  byJid(service: string, room: string, jid: string): Promise<MucOccupant | undefined>;
  byNick(service: string, room: string, nick: string): Promise<MucOccupant | undefined>;
  /** Adds or replaces the occupant with this real JID (a nick change replaces its nick). */
  put(service: string, room: string, occupant: MucOccupant): Promise<void>;
  /** Removes the occupant with this real JID; returns it (undefined: it was not there). */
  remove(service: string, room: string, jid: string): Promise<MucOccupant | undefined>;
  /** The rooms a real full JID is in (to clean up when its session ends). */
  roomsOf(service: string, jid: string): Promise<string[]>;
  /** Appends a message (serialized XML) to the room's history, keeping the last `max`. */
  addHistory(service: string, room: string, entry: { stanza: string; at: number }, max: number): Promise<void>;
  /** The room's history, oldest first. */
  history(service: string, room: string): Promise<{ stanza: string; at: number }[]>;
  /** Forgets the room: occupants and history (destruction, or a temporary room emptied). */
  removeRoom(service: string, room: string): Promise<void>;
}
