// In-memory MucOccupantStore for one node or Cores in one process. Same contract as Redis;
// records are copied in and out.
import type { MucOccupant, MucOccupantStore } from './muc-occupants.js';

interface Room {
  /** By real JID, in join order (Map keeps insertion order; a replaced entry keeps its place). */
  occupants: Map<string, MucOccupant>;
  history: { stanza: string; at: number }[];
}

export class MemoryMucOccupantStore implements MucOccupantStore {
  private readonly rooms = new Map<string, Room>();
  /** Real full JID → rooms it is in (`service\0room`). */
  private readonly byUser = new Map<string, Set<string>>();

  async occupants(service: string, room: string): Promise<MucOccupant[]> {
    return [...(this.rooms.get(key(service, room))?.occupants.values() ?? [])].map((o) => ({ ...o }));
  }

  async byJid(service: string, room: string, jid: string): Promise<MucOccupant | undefined> {
    const occupant = this.rooms.get(key(service, room))?.occupants.get(jid);
    return occupant && { ...occupant };
  }

  async byNick(service: string, room: string, nick: string): Promise<MucOccupant | undefined> {
    for (const occupant of this.rooms.get(key(service, room))?.occupants.values() ?? []) if (occupant.nick === nick) return { ...occupant };
    return undefined;
  }

  async put(service: string, room: string, occupant: MucOccupant): Promise<void> {
    const k = key(service, room);
    this.room(k).occupants.set(occupant.jid, { ...occupant });
    let rooms = this.byUser.get(occupant.jid);
    if (!rooms) this.byUser.set(occupant.jid, (rooms = new Set()));
    rooms.add(k);
  }

  async remove(service: string, room: string, jid: string): Promise<MucOccupant | undefined> {
    const k = key(service, room);
    const current = this.rooms.get(k);
    const occupant = current?.occupants.get(jid);
    if (!occupant) return undefined;
    current!.occupants.delete(jid);
    this.forget(jid, k);
    if (current!.occupants.size === 0 && current!.history.length === 0) this.rooms.delete(k);
    return occupant;
  }

  async roomsOf(service: string, jid: string): Promise<string[]> {
    const prefix = `${service}\0`;
    return [...(this.byUser.get(jid) ?? [])].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  async addHistory(service: string, room: string, entry: { stanza: string; at: number }, max: number): Promise<void> {
    const history = this.room(key(service, room)).history;
    history.push({ ...entry });
    if (history.length > max) history.splice(0, history.length - max);
  }

  async history(service: string, room: string): Promise<{ stanza: string; at: number }[]> {
    return (this.rooms.get(key(service, room))?.history ?? []).map((h) => ({ ...h }));
  }

  async removeRoom(service: string, room: string): Promise<void> {
    const k = key(service, room);
    for (const jid of this.rooms.get(k)?.occupants.keys() ?? []) this.forget(jid, k);
    this.rooms.delete(k);
  }

  private room(k: string): Room {
    let room = this.rooms.get(k);
    if (!room) this.rooms.set(k, (room = { occupants: new Map(), history: [] }));
    return room;
  }

  private forget(jid: string, k: string): void {
    const rooms = this.byUser.get(jid);
    rooms?.delete(k);
    if (rooms?.size === 0) this.byUser.delete(jid);
  }
}

const key = (service: string, room: string) => `${service}\0${room}`;
