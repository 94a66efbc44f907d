// MucRoomStore on Redis (XEP-0045 rooms and affiliations). Same contract as core's
// MemoryMucRoomStore and SQLite's SqliteMucRoomStore.
//
// Each room: a record hash and an affiliations hash, both under the room's `{muc:<service>/<room>}`
// hash tag, so that several affiliation changes (one muc#admin request) are one MULTI. The
// service's room index is a sorted set of names in its own slot, written after the room's keys:
// a name whose record is gone is skipped (and dropped) when the index is read.
import type { MucAffiliationRecord, MucRoomRecord, MucRoomStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';

function toRecord(room: string, hash: Record<string, string>): MucRoomRecord | undefined {
  if (hash.config === undefined) return undefined;
  return { room, isPersistent: hash.persistent === '1', config: hash.config, ...(hash.subject !== undefined ? { subject: hash.subject } : {}), createdAt: Number(hash.createdAt) };
}

export class RedisMucRoomStore implements MucRoomStore {
  constructor(private readonly redis: RedisConnection) {}

  async getRoom(service: string, room: string): Promise<MucRoomRecord | undefined> {
    const hash = await this.redis.run('getMucRoom', (c) => c.hGetAll(this.redis.keys.mucRoom(service, room).record));
    return toRecord(room, hash);
  }

  async putRoom(service: string, record: MucRoomRecord): Promise<void> {
    const k = this.redis.keys.mucRoom(service, record.room);
    const fields: Record<string, string> = { persistent: record.isPersistent ? '1' : '0', config: record.config, createdAt: String(record.createdAt) };
    if (record.subject !== undefined) fields.subject = record.subject;
    await this.redis.runDurable('putMucRoom', (c) => c.multi().del(k.record).hSet(k.record, fields).exec());
    await this.redis.runDurable('indexMucRoom', (c) => c.zAdd(this.redis.keys.mucRoomIndex(service), { score: 0, value: record.room }));
  }

  async removeRoom(service: string, room: string): Promise<boolean> {
    const k = this.redis.keys.mucRoom(service, room);
    const [removed] = await this.redis.runDurable('removeMucRoom', (c) => c.multi().del(k.record).del(k.affiliations).exec());
    await this.redis.runDurable('unindexMucRoom', (c) => c.zRem(this.redis.keys.mucRoomIndex(service), room));
    return Number(removed) > 0;
  }

  async listRooms(service: string): Promise<MucRoomRecord[]> {
    const index = this.redis.keys.mucRoomIndex(service);
    const names = await this.redis.run('listMucRooms', (c) => c.zRange(index, 0, -1));
    const out: MucRoomRecord[] = [];
    for (const name of names) {
      const record = await this.getRoom(service, name);
      if (record) out.push(record);
      else await this.redis.run('repairMucRoomIndex', (c) => c.zRem(index, name));
    }
    return out;
  }

  async getAffiliations(service: string, room: string): Promise<MucAffiliationRecord[]> {
    const all = await this.redis.run('getMucAffiliations', (c) => c.hGetAll(this.redis.keys.mucRoom(service, room).affiliations));
    // By code point, as the other backends: Buffer.compare of UTF-8 bytes is exactly that.
    return Object.keys(all)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .map((jid) => JSON.parse(all[jid]) as MucAffiliationRecord);
  }

  async getAffiliation(service: string, room: string, jid: string): Promise<MucAffiliationRecord | undefined> {
    const text = await this.redis.run('getMucAffiliation', (c) => c.hGet(this.redis.keys.mucRoom(service, room).affiliations, jid));
    return text === null || text === undefined ? undefined : (JSON.parse(text) as MucAffiliationRecord);
  }

  async setAffiliations(service: string, room: string, changes: Parameters<MucRoomStore['setAffiliations']>[2]): Promise<void> {
    if (changes.length === 0) return;
    const key = this.redis.keys.mucRoom(service, room).affiliations;
    await this.redis.runDurable('setMucAffiliations', (c) => {
      const multi = c.multi();
      for (const change of changes) {
        if (change.affiliation === 'none') multi.hDel(key, change.jid);
        else multi.hSet(key, change.jid, JSON.stringify({ jid: change.jid, affiliation: change.affiliation, ...(change.reason !== undefined ? { reason: change.reason } : {}), ...(change.nick !== undefined ? { nick: change.nick } : {}) }));
      }
      return multi.exec();
    });
  }
}
