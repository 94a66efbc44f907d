// Schema migrations for the DeskChat SQLite database, keyed on `PRAGMA user_version`
// (SQLite "PRAGMA schema.user_version": an integer in the file header that SQLite itself never uses).
// Steps are numbered 1, 2, 3, … and only ever appended: a released step is never edited, because
// databases in the field have already run it. Later issues append rosters, vCards, offline messages.
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** 1-based and contiguous: step N brings the schema from version N-1 to N. */
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'accounts with SCRAM-SHA-1 and SCRAM-SHA-256 credentials',
    up(db) {
      // Credentials live in typed columns rather than a JSON blob: the schema then enforces that
      // both hashes are present (NOT NULL) and that iteration counts are positive integers (STRICT,
      // CHECK), and an operator can find accounts below a new iteration minimum with plain SQL.
      // Keys stay as the port's base64 TEXT so that they round-trip byte for byte. A future hash
      // (SCRAM-SHA-512) is an appended step adding nullable columns.
      db.exec(`
        CREATE TABLE accounts (
          username TEXT NOT NULL PRIMARY KEY,
          name TEXT,
          email TEXT,
          created_at INTEGER NOT NULL,
          sha1_salt TEXT NOT NULL,
          sha1_iterations INTEGER NOT NULL CHECK (sha1_iterations > 0),
          sha1_stored_key TEXT NOT NULL,
          sha1_server_key TEXT NOT NULL,
          sha256_salt TEXT NOT NULL,
          sha256_iterations INTEGER NOT NULL CHECK (sha256_iterations > 0),
          sha256_stored_key TEXT NOT NULL,
          sha256_server_key TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    description: 'XEP-0054 vCards with their XEP-0055 directory fields',
    up(db) {
      // The vCard stays XML text (returned as stored); the fields a directory search reads are
      // extracted into columns beside it so that a search never parses XML. No foreign key to
      // accounts: the VCardStore port's removeUser() is how account removal reaches this table.
      db.exec(`
        CREATE TABLE vcards (
          username TEXT NOT NULL PRIMARY KEY,
          xml TEXT NOT NULL,
          fn TEXT,
          nickname TEXT,
          email TEXT,
          given TEXT,
          family TEXT,
          updated_at INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 3,
    description: 'XEP-0160 offline messages',
    up(db) {
      // AUTOINCREMENT so that ids never go back after deletes: ordering by id is arrival order
      // (XEP-0160 delivers "in order"). The stanza is the serialized XML with its XEP-0203 delay.
      // No foreign key to accounts: the OfflineStore port's removeUser() handles account removal.
      db.exec(`
        CREATE TABLE offline_messages (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          username TEXT NOT NULL,
          stanza TEXT NOT NULL,
          stored_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX offline_messages_by_user ON offline_messages (username, id);
      `);
    },
  },
  {
    version: 4,
    description: 'RFC 6121 rosters with XEP-0237 versions, and pending inbound subscription requests',
    up(db) {
      // Groups are a JSON array in the item's row: an item is always read and written whole (RFC
      // 6121 §2.4: a roster set replaces the item), so a separate group table would only add joins.
      // The version is a per-user counter (XEP-0237 lets it be any opaque string). Requests are kept
      // apart from items: RFC 6121 §3.1.3 forbids creating a roster item for an unanswered request.
      // No foreign key to accounts: the RosterStore port's removeUser() handles account removal.
      db.exec(`
        CREATE TABLE roster_items (
          username TEXT NOT NULL,
          jid TEXT NOT NULL,
          name TEXT,
          groups TEXT NOT NULL CHECK (json_valid(groups) AND json_type(groups) = 'array'),
          subscription TEXT NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
          pending_out INTEGER NOT NULL CHECK (pending_out IN (0, 1)),
          pre_approved INTEGER NOT NULL CHECK (pre_approved IN (0, 1)),
          PRIMARY KEY (username, jid)
        ) STRICT;
        CREATE TABLE roster_versions (
          username TEXT NOT NULL PRIMARY KEY,
          version INTEGER NOT NULL CHECK (version > 0)
        ) STRICT;
        CREATE TABLE subscription_requests (
          username TEXT NOT NULL,
          jid TEXT NOT NULL,
          stanza TEXT,
          received_at INTEGER NOT NULL,
          PRIMARY KEY (username, jid)
        ) STRICT;
      `);
    },
  },
  {
    version: 5,
    description: 'XEP-0049 private XML storage (also the last manual presence)',
    up(db) {
      // One serialized element per user and key ("name namespace"), read and written whole.
      db.exec(`
        CREATE TABLE private_xml (
          username TEXT NOT NULL,
          key TEXT NOT NULL,
          xml TEXT NOT NULL,
          PRIMARY KEY (username, key)
        ) STRICT;
      `);
    },
  },
  {
    version: 6,
    description: 'server settings changed at run time (chat server URLs, file policy, load limits)',
    up(db) {
      // One JSON value per key; the single-row counter gives the store-wide revision (SettingsStore).
      db.exec(`
        CREATE TABLE settings (
          key TEXT NOT NULL PRIMARY KEY,
          value TEXT NOT NULL CHECK (json_valid(value)),
          updated_at INTEGER NOT NULL,
          updated_by TEXT,
          revision INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE settings_revision (
          id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
          revision INTEGER NOT NULL
        ) STRICT;
        INSERT INTO settings_revision (id, revision) VALUES (1, 0);
      `);
    },
  },
  {
    version: 7,
    description: 'presence kept across restarts: last seen and outside sources (phone, calendar)',
    up(db) {
      // Sources are re-sent by their integrations only on change, so losing them on a restart would
      // leave an agent "on the phone" or "in a meeting" wrong until the next change.
      db.exec(`
        CREATE TABLE presence_sources (
          username TEXT NOT NULL,
          source TEXT NOT NULL,
          state TEXT NOT NULL,
          PRIMARY KEY (username, source)
        ) STRICT;
        CREATE TABLE presence_last_seen (
          username TEXT NOT NULL PRIMARY KEY,
          stanza TEXT NOT NULL,
          at INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 8,
    description: 'administration: admin accounts, API tokens (hashes only) and the audit log',
    up(db) {
      // Old and new values of audit entries are JSON text (NULL: nothing before / nothing left).
      db.exec(`
        CREATE TABLE admin_accounts (
          name TEXT NOT NULL PRIMARY KEY,
          password_hash TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          password_changed_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE api_tokens (
          name TEXT NOT NULL PRIMARY KEY,
          hash TEXT NOT NULL UNIQUE,
          created_at INTEGER NOT NULL,
          created_by TEXT NOT NULL
        ) STRICT;
        CREATE TABLE audit_log (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          target TEXT,
          old_value TEXT CHECK (old_value IS NULL OR json_valid(old_value)),
          new_value TEXT CHECK (new_value IS NULL OR json_valid(new_value))
        ) STRICT;
      `);
    },
  },
  {
    version: 9,
    description: 'byte sizes of offline messages and private XML, for per-user quotas',
    up(db) {
      // The UTF-8 size of each stored text, kept beside it so that a quota check sums integers
      // instead of reading every stored stanza (issue #7 §2); the index makes the count and the sum
      // of one user's queue an index-only scan.
      db.exec(`
        ALTER TABLE offline_messages ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
        UPDATE offline_messages SET bytes = length(CAST(stanza AS BLOB));
        CREATE INDEX offline_messages_user_bytes ON offline_messages (username, bytes);
        ALTER TABLE private_xml ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
        UPDATE private_xml SET bytes = length(CAST(xml AS BLOB));
      `);
    },
  },
  {
    version: 10,
    description: 'XEP-0045 rooms (configuration as JSON, subject) and affiliations',
    up(db) {
      // The room configuration is the muc package's JSON (its fields follow muc#roomconfig and
      // change with it); affiliations are rows, so that a change of several items is one
      // transaction and lists by affiliation are plain queries.
      db.exec(`
        CREATE TABLE muc_rooms (
          service TEXT NOT NULL,
          room TEXT NOT NULL,
          persistent INTEGER NOT NULL CHECK (persistent IN (0, 1)),
          config TEXT NOT NULL CHECK (json_valid(config)),
          subject TEXT,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (service, room)
        ) STRICT;
        CREATE TABLE muc_affiliations (
          service TEXT NOT NULL,
          room TEXT NOT NULL,
          jid TEXT NOT NULL,
          affiliation TEXT NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
          reason TEXT,
          nick TEXT,
          PRIMARY KEY (service, room, jid)
        ) STRICT;
      `);
    },
  },
  {
    version: 11,
    description: 'stored files (XEP-0363 uploads): metadata here, bytes on disk beside the database',
    up(db) {
      // One row per file keyed by its unguessable id; the bytes are `<dataDir>/files/<id>`. The
      // indexes serve the two queries the upload policy runs: expiry (`expired`) and an owner's
      // usage (`usage`: files since a moment, bytes held). The recipients of an offer and those who
      // declined it are rows of their own (listed in insertion order), removed with the file. No
      // foreign key to accounts: the FileStore port's removeOwner() handles account removal.
      db.exec(`
        CREATE TABLE files (
          id TEXT NOT NULL PRIMARY KEY,
          owner TEXT NOT NULL,
          name TEXT NOT NULL,
          size INTEGER NOT NULL CHECK (size >= 0),
          type TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'complete')),
          completed_at INTEGER,
          sha256 TEXT
        ) STRICT;
        CREATE INDEX files_by_expiry ON files (expires_at);
        CREATE INDEX files_by_owner ON files (owner, created_at);
        CREATE TABLE file_recipients (
          file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
          jid TEXT NOT NULL,
          UNIQUE (file_id, jid)
        ) STRICT;
        CREATE TABLE file_declines (
          file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
          jid TEXT NOT NULL,
          UNIQUE (file_id, jid)
        ) STRICT;
      `);
    },
  },
  {
    version: 12,
    description: 'XEP-0191 block lists',
    up(db) {
      // One row per blocked JID (normalized: full, bare, domain/resource or domain). BINARY order is
      // code-point order, which the BlockListStore port promises for reads.
      db.exec(`
        CREATE TABLE block_list (
          username TEXT NOT NULL,
          jid TEXT NOT NULL,
          PRIMARY KEY (username, jid)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 13,
    description: 'XEP-0163 PEP nodes and items, XEP-0115 caps cache',
    up(db) {
      // A node's configuration as JSON (PepNodeConfig); items ordered by seq (higher: newer), a
      // republished id taking a new seq. The caps cache is server-wide, keyed by "hash ver".
      db.exec(`
        CREATE TABLE pep_nodes (
          username TEXT NOT NULL,
          node TEXT NOT NULL,
          config TEXT NOT NULL,
          PRIMARY KEY (username, node)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE pep_items (
          username TEXT NOT NULL,
          node TEXT NOT NULL,
          id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          xml TEXT NOT NULL,
          publisher TEXT NOT NULL,
          published_at INTEGER NOT NULL,
          PRIMARY KEY (username, node, id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX pep_items_order ON pep_items (username, node, seq);
        CREATE TABLE caps_cache (
          key TEXT PRIMARY KEY,
          features TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 14,
    description: 'XEP-0313 message archives',
    up(db) {
      // One row per archived message; `seq` is the archive's sequence number (core's archive.ts:
      // strictly increasing per archive, about the time in microseconds), so the primary key is
      // also the time order and a page is one index range; `id` is what clients see (seq and a random part). `archive_with` indexes each message
      // under the JIDs a `with` filter finds it by. `archive_meta` keeps the last seq (ids are
      // never reused, even after the newest message is dropped) and the sums the bounds check.
      db.exec(`
        CREATE TABLE archive_messages (
          archive TEXT NOT NULL,
          seq INTEGER NOT NULL,
          id TEXT NOT NULL,
          stanza TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          PRIMARY KEY (archive, seq)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE archive_with (
          archive TEXT NOT NULL,
          jid TEXT NOT NULL,
          seq INTEGER NOT NULL,
          id TEXT NOT NULL,
          PRIMARY KEY (archive, jid, seq)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX archive_with_by_seq ON archive_with (archive, seq);
        CREATE TABLE archive_meta (
          archive TEXT PRIMARY KEY,
          last INTEGER NOT NULL,
          messages INTEGER NOT NULL,
          bytes INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE archive_prefs (
          username TEXT PRIMARY KEY,
          prefs TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 15,
    description: 'XEP-0077 registration invitations',
    up(db) {
      // One row per invitation, by the SHA-256 of its token (the token itself is never stored).
      db.exec(`
        CREATE TABLE invitations (
          hash TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL,
          created_by TEXT NOT NULL,
          expires_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX invitations_by_expiry ON invitations (expires_at);
      `);
    },
  },
  {
    version: 16,
    description: 'XEP-0060 subscriptions of the pubsub.<domain> service',
    up(db) {
      // One row per subscription; `bare` is the subscriber's bare JID (XEP-0060 §5.6 lists a bare
      // JID's subscriptions with those of its full JIDs). The service's nodes and items are PEP rows
      // of the owner '@pubsub'.
      db.exec(`
        CREATE TABLE pubsub_subscriptions (
          node TEXT NOT NULL,
          jid TEXT NOT NULL,
          bare TEXT NOT NULL,
          PRIMARY KEY (node, jid)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX pubsub_subscriptions_by_bare ON pubsub_subscriptions (bare, node, jid);
      `);
    },
  },
  {
    version: 17,
    description: 'archive messages as a rowid table that keeps their `with` keys; no archive_with index by seq',
    up(db) {
      // Measured per append (scripts/archive-write-cost.mjs), a third of the writing and
      // checkpointing went, for two reasons:
      // - the `with` rows were written into two B-trees: the table and an (archive, seq) index that
      //   only dropping a message (bounds, retention) used, to find its rows. A message now keeps
      //   its keys (a JSON array), and a drop deletes its rows by their primary key;
      // - a stanza is far larger than the 1/20 of a page SQLite advises for WITHOUT ROWID rows
      //   (https://sqlite.org/withoutrowid.html §4): a rowid table with a unique (archive, seq)
      //   index keeps the large rows out of the index's B-tree.
      db.exec(`
        CREATE TABLE archive_messages_17 (
          archive TEXT NOT NULL,
          seq INTEGER NOT NULL,
          id TEXT NOT NULL,
          stanza TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          with_keys TEXT NOT NULL DEFAULT '[]'
        ) STRICT;
        INSERT INTO archive_messages_17 (archive, seq, id, stanza, bytes, with_keys)
          SELECT archive, seq, id, stanza, bytes, coalesce(
            (SELECT json_group_array(jid) FROM archive_with w WHERE w.archive = m.archive AND w.seq = m.seq),
            '[]')
          FROM archive_messages m ORDER BY archive, seq;
        DROP TABLE archive_messages;
        ALTER TABLE archive_messages_17 RENAME TO archive_messages;
        CREATE UNIQUE INDEX archive_messages_by_seq ON archive_messages (archive, seq);
        DROP INDEX archive_with_by_seq;
      `);
    },
  },
  {
    version: 18,
    description: "archived messages indexed by their peer in their own row; no archive_with table",
    up(db) {
      // archive_with took a row per `with` key (the peer's bare and full JID): two B-tree entries
      // per append, in a B-tree of its own. A message now keeps its keys in three columns
      // (archive-with.ts) and one index, by (archive, peer's bare JID, seq), answers a `with`
      // filter: per append 40 % less writing and checkpointing (scripts/archive-write-cost.mjs).
      // Keys that name more than one peer (never written by DeskChat) keep the first peer's.
      db.exec(`
        CREATE TABLE archive_messages_18 (
          archive TEXT NOT NULL,
          seq INTEGER NOT NULL,
          id TEXT NOT NULL,
          stanza TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          with_bare TEXT,
          with_full TEXT,
          bare_key INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        INSERT INTO archive_messages_18 (archive, seq, id, stanza, bytes, with_bare, with_full, bare_key)
          SELECT archive, seq, id, stanza, bytes, bare,
            (SELECT value FROM json_each(with_keys) WHERE substr(value, 1, length(bare) + 1) = bare || '/' LIMIT 1),
            EXISTS (SELECT 1 FROM json_each(with_keys) WHERE value = bare)
          FROM (SELECT archive, seq, id, stanza, bytes, with_keys,
                  (SELECT CASE WHEN instr(value, '/') > 0 THEN substr(value, 1, instr(value, '/') - 1) ELSE value END
                   FROM json_each(with_keys) LIMIT 1) AS bare
                FROM archive_messages)
          ORDER BY archive, seq;
        DROP TABLE archive_messages;
        DROP TABLE archive_with;
        ALTER TABLE archive_messages_18 RENAME TO archive_messages;
        CREATE UNIQUE INDEX archive_messages_by_seq ON archive_messages (archive, seq);
        CREATE INDEX archive_messages_by_with ON archive_messages (archive, with_bare, seq);
      `);
    },
  },
];

/** The schema version this build writes and understands. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to the last step of `migrations`, in one IMMEDIATE transaction: another
 * process migrating at the same moment waits (busy_timeout) and then sees the new version and does
 * nothing; a failing step rolls back every step of this run and leaves user_version unchanged.
 * Returns the versions applied.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration #${i + 1} is numbered ${m.version}: steps must be 1, 2, 3, …`);
  });
  const run = db.transaction((): number[] => {
    const current = schemaVersion(db);
    if (current > migrations.length) {
      throw new Error(
        `database schema version ${current} is newer than this DeskChat understands (${migrations.length}); upgrade DeskChat`,
      );
    }
    const pending = migrations.slice(current);
    for (const step of pending) step.up(db);
    // PRAGMA takes no bound parameters; the version is an integer checked above.
    if (pending.length > 0) db.pragma(`user_version = ${migrations.length}`);
    return pending.map((m) => m.version);
  });
  return run.immediate();
}
