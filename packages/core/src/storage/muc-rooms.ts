// Durable port: XEP-0045 rooms of a group-chat service (design.md §4). Each room's configuration
// (owned by the muc package and stored as its JSON), its subject and its affiliations (§5.2: owner,
// admin, member, outcast — with the reason and a member's reserved nick). Temporary rooms are kept
// here too while they have occupants, so that any node can serve them and they survive the
// failover of the node that created them; the muc module removes them when they empty.
// Occupants, their roles and the recent history are volatile (volatile/muc-occupants.ts).

export type MucAffiliation = 'owner' | 'admin' | 'member' | 'outcast';

export interface MucRoomRecord {
  /** The room's localpart (lower-cased), unique within the service. */
  room: string;
  /** A persistent room stays when its last occupant leaves (XEP-0045 §10.1.3, muc#roomconfig_persistentroom). */
  isPersistent: boolean;
  /** The room configuration as the muc package serializes it (JSON). */
  config: string;
  /** The last subject change (serialized `<message/>`), if any (XEP-0045 §8.1). */
  subject?: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

export interface MucAffiliationRecord {
  /** A bare JID (or a domain), as the admin set it. */
  jid: string;
  affiliation: MucAffiliation;
  reason?: string;
  /** A member's registered nick (XEP-0045 §7.10). */
  nick?: string;
}

export interface MucRoomStore {
  getRoom(service: string, room: string): Promise<MucRoomRecord | undefined>;
  /** Creates or replaces the room record (configuration and subject). */
  putRoom(service: string, record: MucRoomRecord): Promise<void>;
  /** Removes the room and every affiliation in it; false when there was none. */
  removeRoom(service: string, room: string): Promise<boolean>;
  /** Every room of the service, ordered by name. */
  listRooms(service: string): Promise<MucRoomRecord[]>;
  /** Every affiliation of the room, ordered by JID. */
  getAffiliations(service: string, room: string): Promise<MucAffiliationRecord[]>;
  getAffiliation(service: string, room: string, jid: string): Promise<MucAffiliationRecord | undefined>;
  /** Sets several affiliations at once, all or none; `none` removes an entry. */
  setAffiliations(service: string, room: string, changes: (Omit<MucAffiliationRecord, 'affiliation'> & { affiliation: MucAffiliation | 'none' })[]): Promise<void>;
}
