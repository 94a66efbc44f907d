// MucOccupantStore on Redis: XEP-0045 occupants and room history shared by every node of a cluster,
// so that occupants on different nodes share one room. Same contract as core's
// MemoryMucOccupantStore (@deskchat/testing mucOccupantStoreContract).
//
// Keys (RedisKeys.mucOccupants, in the room's slot, beside its record):
// - occupants: hash real full JID → `<join seq>|<occupant JSON>`; the sequence number keeps join
//   order (a replaced occupant — a nick or presence change — keeps its place). PUT is one script.
// - occupants:seq: the join counter (dropped with the room).
// - history: list of JSON entries, trimmed to the newest `max` in the same MULTI as the push.
// - muc-user:{jid}: set of `<service>\0<room>` per real JID (its own slot), written after the room's
//   hash; `roomsOf` checks each member against the room, so a crash between the two steps leaves
//   at worst a member that is skipped.
import type { MucOccupant, MucOccupantStore } from '@deskchat/core';
import type { RedisConnection } from '../connection.js';
import { LuaScript } from '../script.js';

// KEYS: occupants, seq. ARGV: jid, occupant JSON.
const PUT = new LuaScript(
  'muc-occupant-put',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
local n
if current then n = string.match(current, '^(%d+)|') else n = redis.call('INCR', KEYS[2]) end
redis.call('HSET', KEYS[1], ARGV[1], n .. '|' .. ARGV[2])
return n`,
);

// KEYS: occupants, seq, history. ARGV: jid. Returns the removed value (or false).
const REMOVE = new LuaScript(
  'muc-occupant-remove',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 and redis.call('LLEN', KEYS[3]) == 0 then redis.call('DEL', KEYS[2]) end
return current`,
);

function decode(value: string): { seq: number; occupant: MucOccupant } {
  const bar = value.indexOf('|');
  return { seq: Number(value.slice(0, bar)), occupant: JSON.parse(value.slice(bar + 1)) as MucOccupant };
}

const member = (service: string, room: string) => `${service}\0${room}`;

export class RedisMucOccupantStore implements MucOccupantStore {
  constructor(private readonly redis: RedisConnection) {}

  async occupants(service: string, room: string): Promise<MucOccupant[]> {
    const all = await this.redis.run('mucOccupants', (c) => c.hVals(this.redis.keys.mucOccupants(service, room).occupants));
    return all
      .map(decode)
      .sort((a, b) => a.seq - b.seq)
      .map((d) => d.occupant);
  }

  async byJid(service: string, room: string, jid: string): Promise<MucOccupant | undefined> {
    const value = await this.redis.run('mucOccupantByJid', (c) => c.hGet(this.redis.keys.mucOccupants(service, room).occupants, jid));
    return value ? decode(value).occupant : undefined;
  }

  async byNick(service: string, room: string, nick: string): Promise<MucOccupant | undefined> {
    // Rooms are small (a contact centre team): a scan of one hash beats keeping a second index in step.
    return (await this.occupants(service, room)).find((o) => o.nick === nick);
  }

  async put(service: string, room: string, occupant: MucOccupant): Promise<void> {
    const k = this.redis.keys.mucOccupants(service, room);
    await this.redis.run('putMucOccupant', (c) => PUT.run(c, [k.occupants, k.seq], [occupant.jid, JSON.stringify(occupant)]));
    await this.redis.run('indexMucOccupant', (c) => c.sAdd(this.redis.keys.mucUserRooms(occupant.jid), member(service, room)));
  }

  async remove(service: string, room: string, jid: string): Promise<MucOccupant | undefined> {
    const k = this.redis.keys.mucOccupants(service, room);
    const removed = (await this.redis.run('removeMucOccupant', (c) => REMOVE.run(c, [k.occupants, k.seq, k.history], [jid]))) as string | null;
    await this.redis.run('unindexMucOccupant', (c) => c.sRem(this.redis.keys.mucUserRooms(jid), member(service, room)));
    return removed ? decode(removed).occupant : undefined;
  }

  async roomsOf(service: string, jid: string): Promise<string[]> {
    const prefix = `${service}\0`;
    const rooms = (await this.redis.run('mucUserRooms', (c) => c.sMembers(this.redis.keys.mucUserRooms(jid)))).filter((m) => m.startsWith(prefix)).map((m) => m.slice(prefix.length));
    const present = await Promise.all(rooms.map((room) => this.redis.run('mucOccupantIn', (c) => c.hExists(this.redis.keys.mucOccupants(service, room).occupants, jid))));
    return rooms.filter((_, i) => Boolean(present[i]));
  }

  async addHistory(service: string, room: string, entry: { stanza: string; at: number }, max: number): Promise<void> {
    const k = this.redis.keys.mucOccupants(service, room).history;
    if (max <= 0) return void (await this.redis.run('clearMucHistory', (c) => c.del(k)));
    await this.redis.run('addMucHistory', (c) =>
      c
        .multi()
        .rPush(k, JSON.stringify({ stanza: entry.stanza, at: entry.at }))
        .lTrim(k, -max, -1)
        .exec(),
    );
  }

  async history(service: string, room: string): Promise<{ stanza: string; at: number }[]> {
    const entries = await this.redis.run('mucHistory', (c) => c.lRange(this.redis.keys.mucOccupants(service, room).history, 0, -1));
    return entries.map((e) => JSON.parse(e) as { stanza: string; at: number });
  }

  async removeRoom(service: string, room: string): Promise<void> {
    const k = this.redis.keys.mucOccupants(service, room);
    const jids = await this.redis.run('mucOccupantJids', (c) => c.hKeys(k.occupants));
    await this.redis.run('removeMucOccupants', (c) => c.multi().del(k.occupants).del(k.seq).del(k.history).exec());
    for (const jid of jids) await this.redis.run('unindexMucOccupant', (c) => c.sRem(this.redis.keys.mucUserRooms(jid), member(service, room)));
  }
}
