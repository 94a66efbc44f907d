// The key layout (packages/redis/README.md is its reference; change both together). Every key of
// one user is `<prefix>user:{<tag>}:<suffix>`: Redis Cluster hashes only the `{…}` part (Redis
// Cluster spec, "Hash tags"), so all of one user's keys share a slot and one MULTI or Lua script
// may touch any of them, on a single Redis and on a sharded Redis Cluster (cluster-link.ts; every
// contract suite runs on three primaries in cluster.e2e.test.ts). Global keys are
// few and documented as the exceptions: the account index; the settings and the administration
// stores, each in one slot of their own; the cluster registry (slot `{cluster}`) and the chat
// locks' idle index. Per-node state (the node's session index, its bus stream, its BOSH sessions
// and resumable streams) is under the node's own tag `node:{<node>}:…`, each named lock under its
// own `lock:{<name>}` tag, each BOSH session under `bosh:{<sid>}` and each XEP-0198 resumable
// stream under `sm:{<SM-ID>}`.
// On a Cluster a MULTI, a script and also a pipeline object go whole to the primary of their first
// key: so none of them may mix keys of two tags. A change that spans two tags is two ordered steps
// (README "The shared state across slots"); a read of many tags (a node's directory entries, its
// resumable streams) sends one command per key together, never one pipeline; SCAN and other
// commands without a key run on every primary (`RedisConnection.runOnPrimaries`).

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
  /** Sorted set, every score 0: the XEP-0191 blocked JIDs. Written by RedisBlockListStore. */
  blockList: string;
  /** The user's XEP-0313 archive (`ArchiveKeys`). Written by RedisArchiveStore. */
  archive: string;
  archiveMessages: string;
  archiveWith: string;
  archiveMeta: string;
  /** String: the user's XEP-0313 preferences as JSON. Written by RedisArchiveStore. */
  archivePrefs: string;
  /** Hash: PEP node → PepNodeConfig JSON (XEP-0163). Written by RedisPepStore, like the three below. */
  pepNodes: string;
  /** Hash: JSON [node, item id] → JSON {xml, publisher, publishedAt}. */
  pepItems: string;
  /** Sorted set: the members of pepItems scored by the pepMeta counter (higher: newer). */
  pepOrder: string;
  /** Hash: seq (the publish counter). */
  pepMeta: string;
  /** Hash: stanza, at — the last unavailable presence and its time. Written by RedisPresenceStateStore. */
  presenceLastSeen: string;
  /** Hash: outside source ("phone", "calendar") → its state. Written by RedisPresenceStateStore. */
  presenceSources: string;
}

/**
 * The shared (volatile) state of one user, all in the slot of `{tag}` like the durable keys, but
 * not part of `allOfUser`: account removal and the migration leave live sessions alone.
 */
export interface UserVolatileKeys {
  /** Hash: resource → DirectoryEntry JSON. Written by RedisSessionDirectory. */
  sessions: string;
  /** Hash: resource → JSON {sessionId, stanza}. Written by RedisPresenceStore. */
  presenceAvailable: string;
  /** Hash: resource → JSON {sessionId, targets}. Written by RedisPresenceStore. */
  presenceDirected: string;
  /** Hash: contact bare JID → ChatLock JSON. Written by RedisChatLockStore. */
  chatLocks: string;
}

/**
 * The keys of one XEP-0313 archive (a user's, under `{user}`; a room's, in the room's slot), all in
 * one slot so that an append, its bounds and its index are one script.
 */
export interface ArchiveKeys {
  /** Sorted set: message id → its sequence number (core's archive.ts) as the score. */
  index: string;
  /** Hash: message id → JSON {s: stanza, w: [JIDs it is indexed under]}. */
  messages: string;
  /** Sorted set, every score 0: `<JID>\0<id>` for each JID a `with` filter finds the message by (pages by lex range). */
  with: string;
  /** Hash: last (the last sequence number handed out), bytes (sum of stored stanza bytes). */
  meta: string;
}

/** The keys of one node; all in the slot of the node's tag. */
export interface NodeKeys {
  /** Hash: JSON [username, resource] → "<ms>:<sessionId>" — the directory entries this node holds (a takeover's list). */
  sessions: string;
  /** Stream: the node's bus messages not handled yet (field `m`: BusMessage JSON). */
  bus: string;
  /** String with a PX TTL: the token of the subscriber reading `bus` (present while it is alive). */
  busListener: string;
  /** Set: the sids of the BOSH sessions this node serves (a dead node's orphans, for its takeover). */
  bosh: string;
  /** Hash: SM-ID → ms (Redis time) of the write — the XEP-0198 resumable streams this node serves or holds hibernated (`ofNode`). */
  sm: string;
}

/** The keys of one BOSH session that another node can continue; all in the slot of `{bosh:<sid>}`. */
export interface BoshKeys {
  /** String: the session's BoshStateRecord JSON (with `lastSeq`, the outbox's counter). */
  record: string;
  /** Hash: seq → stanza, the stanzas not sent yet. */
  outbox: string;
  /** Hash: rid → JSON {body, sentAt}, responses not acknowledged yet. */
  responses: string;
}

/** The keys of one XEP-0198 resumable stream; all in the slot of `{<SM-ID>}` (tagged like a username). */
export interface StreamResumptionKeys {
  /** Hash: username, resource, sessionId, node, epoch, maxSeconds, inbound, acked, expiresAt? (ResumableStream without `unacked`). */
  record: string;
  /** List: the stanzas sent to the client and not acknowledged, oldest first (absent when empty). */
  unacked: string;
}

/** The keys of one named lock; all in the slot of the lock's tag. */
export interface LockKeys {
  /** String with a PX TTL: the holder's token. */
  holder: string;
  /** Sorted set: waiting tokens by arrival (microseconds of Redis time). */
  queue: string;
  /** Hash: waiting token → the ms (Redis time) after which a waiter that stopped asking is dropped. */
  waiters: string;
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
  /** Hash: invitation hash → JSON {hash, createdAt, createdBy, expiresAt} (XEP-0077 registration invitations). */
  readonly invitations: string;
  /** Cluster registry, all in slot `{cluster}`: hash node name → NodeInfo JSON. */
  readonly clusterNodes: string;
  /** Hash: node name → ms (Redis time) of its last join or heartbeat. */
  readonly clusterLastSeen: string;
  /** Hash: username → node name (the user's home). */
  readonly clusterAssignments: string;
  /** Hash: node name → number of users assigned to it (kept with `clusterAssignments` by Lua). */
  readonly clusterAssignedCounts: string;
  /** Sorted set: JSON [username, contact] scored by the chat lock's lastActive (what `sweep` looks at). Slot `{chat-locks}`. */
  readonly chatLocksIdle: string;
  /** Hash: XEP-0115 "hash ver" → features JSON, the verified caps cache shared by every node. Slot `{caps}`. */
  readonly capsCache: string;

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
    this.invitations = `${prefix}{admin}:invitations`;
    this.clusterNodes = `${prefix}{cluster}:nodes`;
    this.clusterLastSeen = `${prefix}{cluster}:last-seen`;
    this.clusterAssignments = `${prefix}{cluster}:assignments`;
    this.clusterAssignedCounts = `${prefix}{cluster}:assigned-counts`;
    this.chatLocksIdle = `${prefix}{chat-locks}:idle`;
    this.capsCache = `${prefix}{caps}:features`;
  }

  /** String with a PX TTL: the instance of a live node (slot `{cluster}`, so that join checks it in one script). */
  clusterAlive(node: string): string {
    return `${this.prefix}{cluster}:alive:${node}`;
  }

  userVolatile(username: string): UserVolatileKeys {
    const base = `${this.prefix}user:{${userTag(username)}}:`;
    return { sessions: `${base}sessions`, presenceAvailable: `${base}presence:available`, presenceDirected: `${base}presence:directed`, chatLocks: `${base}chat-locks` };
  }

  node(name: string): NodeKeys {
    const base = `${this.prefix}node:{${userTag(name)}}:`;
    return { sessions: `${base}sessions`, bus: `${base}bus`, busListener: `${base}bus:listener`, bosh: `${base}bosh`, sm: `${base}sm` };
  }

  bosh(sid: string): BoshKeys {
    const base = `${this.prefix}bosh:{${userTag(sid)}}:`;
    return { record: `${base}record`, outbox: `${base}outbox`, responses: `${base}responses` };
  }

  /** A resumable stream's keys, by its SM-ID (XEP-0198 §5): one slot, so every change is one script. */
  streamResumption(id: string): StreamResumptionKeys {
    const base = `${this.prefix}sm:{${userTag(id)}}:`;
    return { record: `${base}record`, unacked: `${base}unacked` };
  }

  lock(name: string): LockKeys {
    const base = `${this.prefix}lock:{${userTag(name)}}`;
    return { holder: base, queue: `${base}:queue`, waiters: `${base}:waiters` };
  }

  /** rate-limiter-flexible's keyPrefix for one limiter: its keys are `<P>rate:<name>:<key>`, each a single-key step (any slot). */
  rateLimiter(name: string): string {
    return `${this.prefix}rate:${name}`;
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
      blockList: `${base}blocked`,
      archive: `${base}archive`,
      archiveMessages: `${base}archive:messages`,
      archiveWith: `${base}archive:with`,
      archiveMeta: `${base}archive:meta`,
      archivePrefs: `${base}archive:prefs`,
      pepNodes: `${base}pep:nodes`,
      pepItems: `${base}pep:items`,
      pepOrder: `${base}pep:order`,
      pepMeta: `${base}pep:meta`,
      presenceLastSeen: `${base}presence:last-seen`,
      presenceSources: `${base}presence:sources`,
    };
  }

  /**
   * The keys of one XEP-0045 room, all in the slot of `{muc:<service>/<room>}` (service and room
   * tagged like usernames), so that a room's change is one MULTI: the record hash (persistent,
   * config JSON, subject, createdAt) and the affiliations hash (bare JID → JSON).
   */
  mucRoom(service: string, room: string): { record: string; affiliations: string } {
    const base = `${this.prefix}muc:{${userTag(`${service}/${room}`)}}:`;
    return { record: `${base}room`, affiliations: `${base}affiliations` };
  }

  /**
   * The volatile keys of one XEP-0045 room, in the same slot as its record: the occupants hash (real
   * full JID → `<join seq>|<occupant JSON>`), the join counter, and the history list (JSON entries).
   */
  mucOccupants(service: string, room: string): { occupants: string; seq: string; history: string } {
    const base = `${this.prefix}muc:{${userTag(`${service}/${room}`)}}:`;
    return { occupants: `${base}occupants`, seq: `${base}occupants:seq`, history: `${base}history` };
  }

  /**
   * The keys of one XEP-0313 archive by its name: a username (the user's keys) or a room's bare
   * JID `<room>@<service>` (in the room's slot, beside its record).
   */
  archive(name: string): ArchiveKeys {
    const at = name.indexOf('@');
    if (at < 0) {
      const k = this.user(name);
      return { index: k.archive, messages: k.archiveMessages, with: k.archiveWith, meta: k.archiveMeta };
    }
    const base = `${this.prefix}muc:{${userTag(`${name.slice(at + 1)}/${name.slice(0, at)}`)}}:`;
    return { index: `${base}archive`, messages: `${base}archive:messages`, with: `${base}archive:with`, meta: `${base}archive:meta` };
  }

  /** Set of `<service>\0<room>`: the rooms one real full JID is in (its own slot). */
  mucUserRooms(jid: string): string {
    return `${this.prefix}muc-user:{${userTag(jid)}}`;
  }

  /**
   * The XEP-0060 subscriptions of the pubsub.<domain> service, all in slot `{pubsub}` (global, like
   * the settings) so that a subscription's two entries change in one MULTI: `node` is a set of the
   * JIDs subscribed to a node; `subscriber` a set of JSON `[node, jid]` per subscriber bare JID.
   */
  pubsubSubscriptions(): { node: (node: string) => string; subscriber: (bareJid: string) => string } {
    const base = `${this.prefix}{pubsub}:`;
    return { node: (node) => `${base}node:${node}`, subscriber: (bareJid) => `${base}subscriber:${bareJid}` };
  }

  /** Sorted set, every score 0: the room names of one XEP-0045 service (its own slot, like the account index). */
  mucRoomIndex(service: string): string {
    return `${this.prefix}muc-rooms:{${userTag(service)}}`;
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
