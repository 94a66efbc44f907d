// In-memory reference implementation of MucRoomStore. Same contract as SQLite and Redis; records
// are copied in and out, as a real store would.
import { byCodePoint } from './code-point-order.js';
import type { MucAffiliationRecord, MucRoomRecord, MucRoomStore } from './muc-rooms.js';

export class MemoryMucRoomStore implements MucRoomStore {
  private readonly rooms = new Map<string, MucRoomRecord>();
  private readonly affiliations = new Map<string, Map<string, MucAffiliationRecord>>();

  async getRoom(service: string, room: string): Promise<MucRoomRecord | undefined> {
    const record = this.rooms.get(key(service, room));
    return record && { ...record };
  }

  async putRoom(service: string, record: MucRoomRecord): Promise<void> {
    this.rooms.set(key(service, record.room), { ...record });
  }

  async removeRoom(service: string, room: string): Promise<boolean> {
    this.affiliations.delete(key(service, room));
    return this.rooms.delete(key(service, room));
  }

  async listRooms(service: string): Promise<MucRoomRecord[]> {
    const prefix = `${service}\0`;
    return [...this.rooms.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, r]) => ({ ...r }))
      .sort((a, b) => byCodePoint(a.room, b.room));
  }

  async getAffiliations(service: string, room: string): Promise<MucAffiliationRecord[]> {
    return [...(this.affiliations.get(key(service, room))?.values() ?? [])].map((a) => ({ ...a })).sort((a, b) => byCodePoint(a.jid, b.jid));
  }

  async getAffiliation(service: string, room: string, jid: string): Promise<MucAffiliationRecord | undefined> {
    const record = this.affiliations.get(key(service, room))?.get(jid);
    return record && { ...record };
  }

  async setAffiliations(service: string, room: string, changes: Parameters<MucRoomStore['setAffiliations']>[2]): Promise<void> {
    const k = key(service, room);
    const table = this.affiliations.get(k) ?? new Map<string, MucAffiliationRecord>();
    for (const change of changes) {
      if (change.affiliation === 'none') table.delete(change.jid);
      else table.set(change.jid, { ...change, affiliation: change.affiliation });
    }
    if (table.size > 0) this.affiliations.set(k, table);
    else this.affiliations.delete(k);
  }
}

const key = (service: string, room: string) => `${service}\0${room}`;
