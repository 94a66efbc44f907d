// How an archived message's `with` keys (core's NewArchivedMessage.with) are kept in its own row
// since migration 18: the keys' bare JID (indexed with the archive and seq), the full JID among
// them, and whether the bare JID is a key itself (in a room's archive it is not: the key is the
// sender's occupant JID). One index entry per message instead of a row per key in a table of
// their own: an append writes one B-tree fewer.

/** The row's columns for a message's keys. */
export interface WithColumns {
  withBare: string | null;
  withFull: string | null;
  bareKey: 0 | 1;
}

/** The bare part of a JID: what precedes its first '/' (RFC 7622 §3.1: a domain never holds one). */
export function bareOf(jid: string): string {
  const slash = jid.indexOf('/');
  return slash < 0 ? jid : jid.slice(0, slash);
}

/**
 * The columns for `keys`: a bare JID, one full JID, or both of one peer, as core's archive module
 * and MUC make them. Any other set cannot be kept and fails the append with the reason.
 */
export function withColumns(keys: readonly string[]): WithColumns {
  const columns: WithColumns = { withBare: null, withFull: null, bareKey: 0 };
  for (const key of keys) {
    const bare = bareOf(key);
    if (columns.withBare !== null && columns.withBare !== bare) throw new Error(`an archived message's with keys must name one peer: ${JSON.stringify(keys)}`);
    columns.withBare = bare;
    if (key === bare) columns.bareKey = 1;
    else if (columns.withFull !== null && columns.withFull !== key) throw new Error(`an archived message's with keys hold at most one full JID: ${JSON.stringify(keys)}`);
    else columns.withFull = key;
  }
  return columns;
}

/** The keys back from the columns (for `deskchat migrate`), the bare JID first. */
export function withKeysOf(row: WithColumns): string[] {
  return [...(row.bareKey && row.withBare !== null ? [row.withBare] : []), ...(row.withFull !== null ? [row.withFull] : [])];
}

/** The SQL condition (and its arguments) for messages indexed under `jid`, on archive_messages. */
export function withCondition(jid: string): { sql: string; args: string[] } {
  const bare = bareOf(jid);
  return bare === jid ? { sql: 'with_bare = ? AND bare_key = 1', args: [jid] } : { sql: 'with_bare = ? AND with_full = ?', args: [bare, jid] };
}
