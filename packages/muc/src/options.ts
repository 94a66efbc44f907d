// Options of the muc module (config section `muc.*`): types, defaults and a parser that names the
// offending key (conventions §8). `now` is the clock, injected by tests; config never sets it.
import { checkBoolean, checkInteger, OptionsError } from '@deskchat/core';
import { parseJid } from '@deskchat/protocol';

export interface MucOptions {
  /** Serve group chat at all. */
  enabled: boolean;
  /** The service's subdomain: rooms are <room>@<subdomain>.<domain>. */
  subdomain: string;
  /** Who may create rooms: every user of the server, or only the service admins. */
  creators: 'anyone' | 'admins';
  /** Bare JIDs of service administrators: they may create rooms when `creators` is 'admins'. */
  admins: string[];
  /** Rooms the service keeps at once (persistent and temporary); a join that would create one more is refused. */
  maxRooms: number;
  /** The largest muc#roomconfig_maxusers an owner may set. */
  maxOccupants: number;
  /** muc#roomconfig_maxusers of a new room. */
  defaultMaxOccupants: number;
  /** Messages of history a new room keeps for new occupants (XEP-0045 §7.2.14; muc#maxhistoryfetch). */
  defaultHistoryLength: number;
  /** The largest history length an owner may set. */
  maxHistoryLength: number;
  /** Whether owners may make a room persistent. */
  allowPersistentRooms: boolean;
  /** Defaults of a new room. */
  defaultPersistent: boolean;
  defaultPublic: boolean;
  /** XEP-0313 room archives: every message to all occupants is archived and queryable at the room's JID. */
  archive: boolean;
  /** The bound per room: past either, the oldest messages are dropped first. */
  archiveMaxMessagesPerRoom: number;
  archiveMaxBytesPerRoom: number;
  /** Retention: messages older than this many days are dropped (0: kept until the bound). */
  archiveRetentionDays: number;
  now: () => number;
}

export const DEFAULT_MUC_OPTIONS: MucOptions = {
  enabled: true,
  subdomain: 'conference',
  creators: 'anyone',
  admins: [],
  maxRooms: 10_000,
  maxOccupants: 500,
  defaultMaxOccupants: 100,
  defaultHistoryLength: 20,
  maxHistoryLength: 200,
  allowPersistentRooms: true,
  defaultPersistent: false,
  defaultPublic: true,
  archive: true,
  archiveMaxMessagesPerRoom: 50_000,
  archiveMaxBytesPerRoom: 100_000_000,
  archiveRetentionDays: 0,
  now: () => Date.now(),
};

const KEYS = ['enabled', 'subdomain', 'creators', 'admins', 'maxRooms', 'maxOccupants', 'defaultMaxOccupants', 'defaultHistoryLength', 'maxHistoryLength', 'allowPersistentRooms', 'defaultPersistent', 'defaultPublic', 'archive', 'archiveMaxMessagesPerRoom', 'archiveMaxBytesPerRoom', 'archiveRetentionDays'];
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseMucOptions(raw: Record<string, unknown> | undefined, prefix = 'muc'): MucOptions {
  const key = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) throw new OptionsError(prefix || 'options', 'must be an object');
  const r = raw ?? {};
  for (const k of Object.keys(r)) if (!KEYS.includes(k)) throw new OptionsError(key(k), 'unknown option');
  const d = DEFAULT_MUC_OPTIONS;
  const bool = (k: keyof MucOptions & string) => (r[k] === undefined ? (d[k] as boolean) : checkBoolean(key(k), r[k]));
  const int = (k: keyof MucOptions & string, min: number, max: number) => (r[k] === undefined ? (d[k] as number) : checkInteger(key(k), r[k], min, max));
  let subdomain = d.subdomain;
  if (r.subdomain !== undefined) {
    if (typeof r.subdomain !== 'string' || !LABEL.test(r.subdomain.toLowerCase())) throw new OptionsError(key('subdomain'), `must be one DNS label such as conference (got ${JSON.stringify(r.subdomain)})`);
    subdomain = r.subdomain.toLowerCase();
  }
  let creators = d.creators;
  if (r.creators !== undefined) {
    if (r.creators !== 'anyone' && r.creators !== 'admins') throw new OptionsError(key('creators'), `must be anyone or admins (got ${JSON.stringify(r.creators)})`);
    creators = r.creators;
  }
  let admins = d.admins;
  if (r.admins !== undefined) {
    const list = typeof r.admins === 'string' ? r.admins.split(',').map((s) => s.trim()).filter(Boolean) : r.admins;
    if (!Array.isArray(list)) throw new OptionsError(key('admins'), 'must be a list of bare JIDs');
    admins = list.map((value, i) => {
      const jid = typeof value === 'string' ? parseJid(value) : undefined;
      if (!jid?.local || jid.resource) throw new OptionsError(`${key('admins')}[${i}]`, `must be a bare JID such as admin@example.com (got ${JSON.stringify(value)})`);
      return jid.toString();
    });
  }
  const maxOccupants = int('maxOccupants', 1, 100_000);
  const maxHistoryLength = int('maxHistoryLength', 0, 10_000);
  const options: MucOptions = {
    ...d,
    enabled: bool('enabled'),
    subdomain,
    creators,
    admins,
    maxRooms: int('maxRooms', 1, 10_000_000),
    maxOccupants,
    defaultMaxOccupants: int('defaultMaxOccupants', 1, 100_000),
    defaultHistoryLength: int('defaultHistoryLength', 0, 10_000),
    maxHistoryLength,
    allowPersistentRooms: bool('allowPersistentRooms'),
    defaultPersistent: bool('defaultPersistent'),
    defaultPublic: bool('defaultPublic'),
    archive: bool('archive'),
    archiveMaxMessagesPerRoom: int('archiveMaxMessagesPerRoom', 1, 10_000_000),
    archiveMaxBytesPerRoom: int('archiveMaxBytesPerRoom', 1024, 10_000_000_000),
    archiveRetentionDays: int('archiveRetentionDays', 0, 36_500),
  };
  if (options.defaultMaxOccupants > maxOccupants) throw new OptionsError(key('defaultMaxOccupants'), `must not exceed maxOccupants (${maxOccupants})`);
  if (options.defaultHistoryLength > maxHistoryLength) throw new OptionsError(key('defaultHistoryLength'), `must not exceed maxHistoryLength (${maxHistoryLength})`);
  if (options.defaultPersistent && !options.allowPersistentRooms) throw new OptionsError(key('defaultPersistent'), 'needs allowPersistentRooms');
  return options;
}
