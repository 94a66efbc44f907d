// The key layout (packages/redis/README.md is its reference; change both together). Every key of
// one user is `<prefix>user:{<tag>}:<suffix>`: Redis Cluster hashes only the `{…}` part (Redis
// Cluster spec, "Hash tags"), so all of one user's keys share a slot and one MULTI or Lua script
// may touch any of them, on a single Redis today and on a sharded Cluster later. Global keys are
// few and documented as the exceptions: the account index; the settings and the administration
// stores, each in one slot of their own.

/**
 * A username as a hash tag: `%`, `{` and `}` are percent-encoded, so the tag is never empty, never
 * ends early at a `}` inside the name, and two usernames never share a tag. Anything else (any
 * Unicode, spaces, quotes) stays as it is: Redis keys are binary-safe.
 */
export function userTag(username: string): string {
  return username.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The reverse of `userTag` (for index repair, which reads usernames back from key names). */
export function tagToUsername(tag: string): string {
  return tag.replace(/%(25|7B|7D)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The keys of one user; all in the slot of `{tag}`. */
export interface UserKeys {
  /** Hash: username, createdAt, name?, email?, scram (JSON). Written by RedisAccountStore. */
  account: string;
  /** Hash: xml, updatedAt, fn?, nickname?, email?, given?, family?. Written by RedisVCardStore. */
  vcard: string;
  /** Hash: contact bare JID → item JSON. Written by RedisRosterStore. */
  rosterItems: string;
  /** Hash: version (XEP-0237 counter), requestSeq (orders requests with equal times). */
  rosterMeta: string;
  /** Hash: requester bare JID → request JSON {stanza?, receivedAt, seq}. */
  rosterRequests: string;
  /** Hash: message id → JSON {stanza, storedAt}. Written by RedisOfflineStore. */
  offline: string;
  /** Hash: lastId (id counter, never reset while the user exists), bytes (sum of stored stanza bytes). */
  offlineMeta: string;
  /** Hash: "name namespace" → element XML. Written by RedisPrivateXmlStore. */
  privateXml: string;
  /** Hash: bytes (sum of stored element bytes). */
  privateXmlMeta: string;
  /** Hash: stanza, at — the last unavailable presence and its time. Written by RedisPresenceStateStore. */
  presenceLastSeen: string;
  /** Hash: outside source ("phone", "calendar") → its state. Written by RedisPresenceStateStore. */
  presenceSources: string;
}

export class KeySpace {
  /** Sorted set, every score 0 (so members sort by bytes = code point order): the usernames with an account. Global. */
  readonly accountIndex: string;
  /** Hash: settings key → JSON {value, updatedAt, updatedBy?, revision}. Slot `{settings}`. */
  readonly settings: string;
  /** String counter: the SettingsStore revision. Slot `{settings}`. */
  readonly settingsRevision: string;
  /** Administration (AdminStores), all in slot `{admin}`: hash name → admin JSON. */
  readonly admins: string;
  /** Hash: token name → token JSON (with its hash). */
  readonly apiTokens: string;
  /** Hash: token hash → token name (finds a token by hash; kept with `apiTokens` by Lua). */
  readonly apiTokenHashes: string;
  /** Sorted set: audit entry JSON scored by its id. */
  readonly audit: string;
  /** String counter: the last audit entry id. */
  readonly auditLastId: string;

  constructor(readonly prefix: string) {
    if (/[{}]/.test(prefix)) throw new Error(`redis key prefix ${JSON.stringify(prefix)} must not contain braces`);
    this.accountIndex = `${prefix}accounts`;
    this.settings = `${prefix}{settings}:values`;
    this.settingsRevision = `${prefix}{settings}:revision`;
    this.admins = `${prefix}{admin}:admins`;
    this.apiTokens = `${prefix}{admin}:tokens`;
    this.apiTokenHashes = `${prefix}{admin}:token-hashes`;
    this.audit = `${prefix}{admin}:audit`;
    this.auditLastId = `${prefix}{admin}:audit:last-id`;
  }

  user(username: string): UserKeys {
    const base = `${this.prefix}user:{${userTag(username)}}:`;
    return {
      account: `${base}account`,
      vcard: `${base}vcard`,
      rosterItems: `${base}roster`,
      rosterMeta: `${base}roster:meta`,
      rosterRequests: `${base}roster:requests`,
      offline: `${base}offline`,
      offlineMeta: `${base}offline:meta`,
      privateXml: `${base}private`,
      privateXmlMeta: `${base}private:meta`,
      presenceLastSeen: `${base}presence:last-seen`,
      presenceSources: `${base}presence:sources`,
    };
  }

  /** Every key of the user, for account removal and migration (one slot: one DEL, one MULTI). */
  allOfUser(username: string): string[] {
    return Object.values(this.user(username));
  }

  /** SCAN MATCH pattern of every account hash (glob characters of the prefix escaped). */
  accountKeyPattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}user:{*}:account`;
  }

  /** The username of an account hash key, or undefined for any other key. */
  usernameOfAccountKey(key: string): string | undefined {
    const head = `${this.prefix}user:{`;
    const tail = '}:account';
    if (!key.startsWith(head) || !key.endsWith(tail)) return undefined;
    const tag = key.slice(head.length, key.length - tail.length);
    return /[{}]/.test(tag) ? undefined : tagToUsername(tag);
  }
}
