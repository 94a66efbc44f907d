// One room as an operation sees it (XEP-0045 §5: roles and affiliations): its stored record and
// configuration, its affiliations and its occupants, read from core's ports under the room's lock
// ('muc:<room>') and written back through them. Nothing here outlives one operation, so every
// node sees the same room (design.md §4).
import { createHmac } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { JID, parseJid } from '@deskchat/protocol';
import { parseDocument, type ModuleApi, type MucAffiliation, type MucAffiliationRecord, type MucOccupant, type MucRole, type MucRoomRecord } from '@deskchat/core';
import { MUC } from './ns.js';
import type { MucOptions } from './options.js';
import { parseConfig, type RoomConfig } from './room-config.js';

export type Affiliation = MucAffiliation | 'none';

/** The context every room operation runs in: the module's API, options and the service's domain. */
export interface MucContext {
  api: ModuleApi<MucOptions>;
  options: MucOptions;
  /** The service's domain, e.g. conference.example.com. */
  service: string;
}

export class Room {
  /** Real JIDs whose session was gone when we delivered to them (they leave after this operation). */
  readonly gone = new Set<string>();

  private constructor(
    readonly ctx: MucContext,
    readonly name: string,
    public record: MucRoomRecord | undefined,
    public config: RoomConfig,
    public affiliations: Map<string, MucAffiliationRecord>,
    public occupants: MucOccupant[],
  ) {}

  static async load(ctx: MucContext, name: string): Promise<Room> {
    const { api, service, options } = ctx;
    const record = await api.stores.mucRooms.getRoom(service, name);
    const config = record ? parseConfig(record.config, options) : parseConfig('{}', options);
    const affiliations = new Map((record ? await api.stores.mucRooms.getAffiliations(service, name) : []).map((a) => [a.jid, a]));
    const occupants = record ? await api.mucOccupants.occupants(service, name) : [];
    return new Room(ctx, name, record, config, affiliations, occupants);
  }

  get exists(): boolean {
    return this.record !== undefined;
  }

  get jid(): JID {
    return new JID(this.name, this.ctx.service);
  }

  occupantJid(nick: string): string {
    return `${this.name}@${this.ctx.service}/${nick}`;
  }

  /** §5.2: a JID's affiliation, by its bare JID (then its domain, for a whole-server ban). */
  affiliationOf(jid: string | JID): Affiliation {
    const parsed = typeof jid === 'string' ? parseJid(jid) : jid;
    if (!parsed) return 'none';
    return this.affiliations.get(parsed.bare().toString())?.affiliation ?? this.affiliations.get(parsed.domain)?.affiliation ?? 'none';
  }

  /** §5.1.1 / §5.2: the role an occupant gets on entering (or after an affiliation change). */
  defaultRole(affiliation: Affiliation): MucRole {
    if (affiliation === 'owner' || affiliation === 'admin') return 'moderator';
    if (this.config.isModerated && affiliation !== 'member') return 'visitor';
    return 'participant';
  }

  byJid(jid: string): MucOccupant | undefined {
    return this.occupants.find((o) => o.jid === jid);
  }

  /** The nick's first session (a user may be in a room under one nick from several resources). */
  byNick(nick: string): MucOccupant | undefined {
    return this.occupants.find((o) => o.nick === nick);
  }

  /** Every session under a nick (one user's resources). */
  sessionsOf(nick: string): MucOccupant[] {
    return this.occupants.filter((o) => o.nick === nick);
  }

  /** One entry per nick (its first session), in join order: the occupants as others see them. */
  get nicks(): MucOccupant[] {
    const seen = new Set<string>();
    return this.occupants.filter((o) => !seen.has(o.nick) && seen.add(o.nick) !== undefined);
  }

  /** §7.2.9 / §7.10: a nick another user has registered (a member's reserved nick). */
  nickReservedByOther(nick: string, bare: string): boolean {
    for (const a of this.affiliations.values()) if (a.nick === nick && a.jid !== bare) return true;
    return false;
  }

  /** §5.1 and §7.2.4: whether this receiver may see occupants' real JIDs (§5.1 whois). */
  mayReceiveRealJids(receiver: MucOccupant | undefined): boolean {
    return this.config.whois === 'anyone' || receiver?.role === 'moderator';
  }

  /** XEP-0421 §3: an id per real bare JID, stable for the room and the same on every node, that reveals nothing. */
  occupantId(realJid: string): string {
    const bare = parseJid(realJid)?.bare().toString() ?? realJid;
    return createHmac('sha256', this.config.occupantIdSecret).update(bare).digest('base64url').slice(0, 22);
  }

  /**
   * The presence of `occupant` as `receiver` gets it (§7.2.3): the client's own presence children,
   * from room/nick, with a muc#user item (the real JID only where the receiver may see it, §7.2.4),
   * status codes, and the XEP-0421 occupant id.
   */
  presenceOf(occupant: MucOccupant, receiver: MucOccupant | undefined, options: { type?: 'unavailable'; codes?: string[]; item?: Record<string, string>; itemChildren?: Element[]; extra?: Element[] } = {}): Element {
    const base = options.type === 'unavailable' ? xml('presence', { type: 'unavailable' }) : readPresence(occupant.presence);
    const isSelf = receiver?.jid === occupant.jid;
    const affiliation = this.affiliationOf(occupant.jid);
    const itemAttrs: Record<string, string> = { affiliation, role: options.type === 'unavailable' ? 'none' : occupant.role, ...options.item };
    if (isSelf || this.mayReceiveRealJids(receiver)) itemAttrs.jid = occupant.jid;
    const codes = [...(options.codes ?? [])];
    if (isSelf) {
      if (this.config.whois === 'anyone' && options.type !== 'unavailable') codes.push('100');
      codes.push('110');
    }
    const stanza = xml('presence', { ...base.attrs, from: this.occupantJid(occupant.nick), to: receiver?.jid ?? '' });
    for (const child of base.children) if (typeof child !== 'string') stanza.append(child);
    stanza.append(xml('x', { xmlns: MUC.USER }, xml('item', itemAttrs, ...(options.itemChildren ?? [])), ...[...new Set(codes)].map((code) => xml('status', { code })), ...(options.extra ?? [])));
    stanza.append(xml('occupant-id', { xmlns: MUC.OCCUPANT_ID, id: this.occupantId(occupant.jid) }));
    return stanza;
  }

  /** Delivers to one real JID; a session that is gone is noted, and leaves the room after this operation. */
  async deliverTo(realJid: string, stanza: Element): Promise<void> {
    const to = parseJid(realJid);
    if (!to) return;
    if (!stanza.attrs.to) stanza.attrs.to = realJid;
    if (!(await this.ctx.api.router.deliver(to, stanza))) this.gone.add(realJid);
  }

  /** Sends `build(receiver)` to every occupant (each gets its own copy: the real JID depends on the receiver). */
  async broadcast(build: (receiver: MucOccupant) => Element | undefined, occupants = this.occupants): Promise<void> {
    for (const receiver of occupants) {
      const stanza = build(receiver);
      if (stanza) await this.deliverTo(receiver.jid, withTo(stanza, receiver.jid));
    }
  }

  /** Writes the record (configuration, subject) back. */
  async save(): Promise<void> {
    const { api, service } = this.ctx;
    const record: MucRoomRecord = { room: this.name, isPersistent: this.config.isPersistent, config: JSON.stringify(this.config), createdAt: this.record?.createdAt ?? this.ctx.options.now(), ...(this.record?.subject ? { subject: this.record.subject } : {}) };
    await api.stores.mucRooms.putRoom(service, record);
    this.record = record;
  }

  async putOccupant(occupant: MucOccupant): Promise<void> {
    await this.ctx.api.mucOccupants.put(this.ctx.service, this.name, occupant);
    const index = this.occupants.findIndex((o) => o.jid === occupant.jid);
    if (index >= 0) this.occupants[index] = occupant;
    else this.occupants.push(occupant);
  }

  async removeOccupant(jid: string): Promise<void> {
    await this.ctx.api.mucOccupants.remove(this.ctx.service, this.name, jid);
    this.occupants = this.occupants.filter((o) => o.jid !== jid);
  }

  /** §10.9 / §10.1.3: the room goes, with its occupants, history, affiliations and archive. */
  async destroy(): Promise<void> {
    await this.ctx.api.mucOccupants.removeRoom(this.ctx.service, this.name);
    await this.ctx.api.stores.mucRooms.removeRoom(this.ctx.service, this.name);
    await this.ctx.api.stores.archive.removeArchive(this.jid.toString()); // XEP-0313: the archive goes with the room
    this.record = undefined;
    this.occupants = [];
  }

  /** A temporary room goes when its last occupant has left (§10.1.3; muc#roomconfig_persistentroom). */
  async destroyIfEmptyAndTemporary(): Promise<boolean> {
    if (!this.exists || this.occupants.length > 0 || this.config.isPersistent) return false;
    await this.destroy();
    return true;
  }
}

export function readPresence(text: string): Element {
  try {
    return parseDocument(text);
  } catch {
    return xml('presence');
  }
}

export function withTo(stanza: Element, to: string): Element {
  stanza.attrs.to = to;
  return stanza;
}

/** The child elements of a client's presence that the room keeps and rebroadcasts (not the MUC ones, not a client's own occupant id). */
export function ownPresence(stanza: Element): Element {
  const kept = xml('presence', stanza.attrs.type ? { type: stanza.attrs.type } : {});
  for (const child of stanza.children) {
    if (typeof child === 'string') continue;
    const ns = child.attrs.xmlns;
    if (ns === MUC.BASE || ns === MUC.USER || ns === MUC.OCCUPANT_ID) continue;
    kept.append(child);
  }
  return kept;
}

export function isAtLeast(affiliation: Affiliation, floor: MucAffiliation): boolean {
  const rank: Record<Affiliation, number> = { outcast: -1, none: 0, member: 1, admin: 2, owner: 3 };
  return rank[affiliation] >= rank[floor];
}
