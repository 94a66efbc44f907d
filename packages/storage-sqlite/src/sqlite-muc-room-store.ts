// MucRoomStore on SQLite (XEP-0045 rooms and affiliations). Same contract as core's MemoryMucRoomStore.
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';
import type { MucAffiliation, MucAffiliationRecord, MucRoomRecord, MucRoomStore } from '@deskchat/core';

interface RoomRow {
  room: string;
  persistent: number;
  config: string;
  subject: string | null;
  created_at: number;
}
interface AffiliationRow {
  jid: string;
  affiliation: MucAffiliation;
  reason: string | null;
  nick: string | null;
}

export class SqliteMucRoomStore implements MucRoomStore {
  private readonly selectRoom: Statement<[string, string], RoomRow>;
  private readonly upsertRoom: Statement<[string, string, number, string, string | null, number]>;
  private readonly deleteRoom: Statement<[string, string]>;
  private readonly deleteAffiliations: Statement<[string, string]>;
  private readonly selectRooms: Statement<[string], RoomRow>;
  private readonly selectAffiliations: Statement<[string, string], AffiliationRow>;
  private readonly selectAffiliation: Statement<[string, string, string], AffiliationRow>;
  private readonly upsertAffiliation: Statement<[string, string, string, string, string | null, string | null]>;
  private readonly deleteAffiliation: Statement<[string, string, string]>;
  private readonly setMany: (service: string, room: string, changes: Parameters<MucRoomStore['setAffiliations']>[2]) => void;
  private readonly removeBoth: (service: string, room: string) => boolean;

  constructor(db: Database) {
    this.selectRoom = db.prepare('SELECT room, persistent, config, subject, created_at FROM muc_rooms WHERE service = ? AND room = ?');
    this.upsertRoom = db.prepare(
      'INSERT INTO muc_rooms (service, room, persistent, config, subject, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (service, room) DO UPDATE SET persistent = excluded.persistent, config = excluded.config, subject = excluded.subject, created_at = excluded.created_at',
    );
    this.deleteRoom = db.prepare('DELETE FROM muc_rooms WHERE service = ? AND room = ?');
    this.deleteAffiliations = db.prepare('DELETE FROM muc_affiliations WHERE service = ? AND room = ?');
    this.selectRooms = db.prepare('SELECT room, persistent, config, subject, created_at FROM muc_rooms WHERE service = ? ORDER BY room');
    this.selectAffiliations = db.prepare('SELECT jid, affiliation, reason, nick FROM muc_affiliations WHERE service = ? AND room = ? ORDER BY jid');
    this.selectAffiliation = db.prepare('SELECT jid, affiliation, reason, nick FROM muc_affiliations WHERE service = ? AND room = ? AND jid = ?');
    this.upsertAffiliation = db.prepare(
      'INSERT INTO muc_affiliations (service, room, jid, affiliation, reason, nick) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (service, room, jid) DO UPDATE SET affiliation = excluded.affiliation, reason = excluded.reason, nick = excluded.nick',
    );
    this.deleteAffiliation = db.prepare('DELETE FROM muc_affiliations WHERE service = ? AND room = ? AND jid = ?');
    // One transaction per change: several items in one muc#admin set apply all or none (XEP-0045 §9, §10).
    this.setMany = writeTransaction(db, (service, room, changes) => {
      for (const c of changes) {
        if (c.affiliation === 'none') this.deleteAffiliation.run(service, room, c.jid);
        else this.upsertAffiliation.run(service, room, c.jid, c.affiliation, c.reason ?? null, c.nick ?? null);
      }
    });
    this.removeBoth = writeTransaction(db, (service, room) => {
      this.deleteAffiliations.run(service, room);
      return this.deleteRoom.run(service, room).changes > 0;
    });
  }

  async getRoom(service: string, room: string): Promise<MucRoomRecord | undefined> {
    const row = this.selectRoom.get(service, room);
    return row && toRoom(row);
  }

  async putRoom(service: string, record: MucRoomRecord): Promise<void> {
    this.upsertRoom.run(service, record.room, record.isPersistent ? 1 : 0, record.config, record.subject ?? null, record.createdAt);
  }

  async removeRoom(service: string, room: string): Promise<boolean> {
    return this.removeBoth(service, room);
  }

  async listRooms(service: string): Promise<MucRoomRecord[]> {
    return this.selectRooms.all(service).map(toRoom);
  }

  async getAffiliations(service: string, room: string): Promise<MucAffiliationRecord[]> {
    return this.selectAffiliations.all(service, room).map(toAffiliation);
  }

  async getAffiliation(service: string, room: string, jid: string): Promise<MucAffiliationRecord | undefined> {
    const row = this.selectAffiliation.get(service, room, jid);
    return row && toAffiliation(row);
  }

  async setAffiliations(service: string, room: string, changes: Parameters<MucRoomStore['setAffiliations']>[2]): Promise<void> {
    this.setMany(service, room, changes);
  }
}

function toRoom(row: RoomRow): MucRoomRecord {
  return { room: row.room, isPersistent: row.persistent === 1, config: row.config, ...(row.subject !== null ? { subject: row.subject } : {}), createdAt: row.created_at };
}

function toAffiliation(row: AffiliationRow): MucAffiliationRecord {
  return { jid: row.jid, affiliation: row.affiliation, ...(row.reason !== null ? { reason: row.reason } : {}), ...(row.nick !== null ? { nick: row.nick } : {}) };
}
