// The contact list as the user's RFC 6121 roster (docs/contact-list.md). Every desktop-chat
// operation (add, edit, move, delete from a group, rename or delete a group) is computed here as
// a list of standard roster sets, each from the item's current state (the latest push), so that
// a Jabber-style client on the same account sees the same list. DOM-free and side-effect free:
// the XMPP layer sends the changes; pushes come back through `apply`.

export type Subscription = 'none' | 'to' | 'from' | 'both';

export interface RosterItem {
  /** Bare JID. */
  jid: string;
  name?: string;
  groups: string[];
  subscription: Subscription;
  /** RFC 6121 §2.1.2.2: a subscription request from the user is pending. */
  isPending?: boolean;
}

/** One roster set (RFC 6121 §2.4): the complete new name and groups of one item, or its removal (§2.5). */
export type RosterChange = { kind: 'set'; jid: string; name?: string; groups: string[] } | { kind: 'remove'; jid: string };

/** A contact as shown in one group; `group` undefined for contacts in no group. */
export interface ContactRow {
  jid: string;
  group?: string;
}

/** Case-insensitive, locale-aware order for names and groups. */
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

export function localpart(jid: string): string {
  const at = jid.indexOf('@');
  return at > 0 ? jid.slice(0, at) : jid;
}

export class Roster {
  private readonly items = new Map<string, RosterItem>();

  /** Replaces everything with a roster result (RFC 6121 §2.2). */
  replaceAll(items: RosterItem[]): void {
    this.items.clear();
    for (const item of items) this.items.set(item.jid, item);
  }

  /** Applies a roster push (RFC 6121 §2.1.6); subscription 'remove' deletes. */
  apply(item: RosterItem | { jid: string; isRemoved: true }): void {
    if ('isRemoved' in item) this.items.delete(item.jid);
    else this.items.set(item.jid, item);
  }

  get(jid: string): RosterItem | undefined {
    return this.items.get(jid);
  }

  has(jid: string): boolean {
    return this.items.has(jid);
  }

  get size(): number {
    return this.items.size;
  }

  all(): RosterItem[] {
    return [...this.items.values()];
  }

  /**
   * Items the user placed in the list. An item the server created when the user approved someone
   * else's request (subscription 'from' or 'none', no group, no name, nothing asked) is not a
   * contact the user chose, and is not shown.
   */
  listed(): RosterItem[] {
    return this.all().filter((i) => i.groups.length > 0 || i.name !== undefined || i.subscription === 'to' || i.subscription === 'both' || i.isPending);
  }

  /** Group names in display order. */
  groups(): string[] {
    const names = new Set<string>();
    for (const item of this.items.values()) for (const g of item.groups) names.add(g);
    return [...names].sort(collator.compare);
  }

  /** The listed contacts of a group (undefined: those in no group), sorted by display name. */
  members(group: string | undefined): RosterItem[] {
    const inGroup = this.listed().filter((i) => (group === undefined ? i.groups.length === 0 : i.groups.includes(group)));
    return inGroup.sort((a, b) => collator.compare(this.displayName(a.jid), this.displayName(b.jid)));
  }

  displayName(jid: string): string {
    return this.items.get(jid)?.name || localpart(jid);
  }
}

/** A set with the item's name kept (RFC 6121 §2.4: leaving the name out would clear it). */
const setOf = (item: RosterItem, groups: string[]): RosterChange => named(item.jid, item.name, groups);

const named = (jid: string, name: string | undefined, groups: string[]): RosterChange => (name === undefined ? { kind: 'set', jid, groups } : { kind: 'set', jid, name, groups });

/** Each group once, in the given order (RFC 6121 §2.3.3 refuses duplicates). */
const unique = (groups: string[]): string[] => [...new Set(groups)];

/** Adds a contact into a group (new or existing); an existing item also keeps its other groups. */
export function addContact(roster: Roster, jid: string, name: string | undefined, group: string): RosterChange[] {
  const current = roster.get(jid);
  const groups = unique([...(current?.groups ?? []), group]);
  return [named(jid, name || current?.name, groups)];
}

/** Edit: the new display name (empty clears it) and the complete new group list. */
export function editContact(roster: Roster, jid: string, name: string, groups: string[]): RosterChange[] {
  const current = roster.get(jid);
  if (!current) return [];
  return [named(jid, name.trim() || undefined, unique(groups))];
}

/**
 * Moves the selected rows to `target`: in each item the row's group is replaced by the target
 * (a row in no group gains it); the item's other groups stay. Several rows of one item are merged.
 */
export function moveContacts(roster: Roster, rows: ContactRow[], target: string): RosterChange[] {
  const byJid = groupRows(rows);
  const changes: RosterChange[] = [];
  for (const [jid, from] of byJid) {
    const item = roster.get(jid);
    if (!item) continue;
    const kept = item.groups.filter((g) => !from.has(g));
    const groups = unique([...kept, target]);
    if (sameList(groups, item.groups)) continue;
    changes.push(setOf(item, groups));
  }
  return changes;
}

/**
 * Deletes the selected rows: an item leaves the row's group and stays in its other groups; an item
 * left in no group (or shown in none) is removed from the list (the product choice of
 * docs/contact-list.md: "delete" never leaves an invisible contact behind).
 */
export function deleteRows(roster: Roster, rows: ContactRow[]): RosterChange[] {
  const changes: RosterChange[] = [];
  for (const [jid, from] of groupRows(rows)) {
    const item = roster.get(jid);
    if (!item) continue;
    const groups = item.groups.filter((g) => !from.has(g));
    changes.push(groups.length === 0 || from.has(undefined) ? { kind: 'remove', jid } : setOf(item, groups));
  }
  return changes;
}

/** Renames a group: every item in it gets the new name instead (a duplicate is dropped). */
export function renameGroup(roster: Roster, from: string, to: string): RosterChange[] {
  if (from === to) return [];
  return roster
    .all()
    .filter((i) => i.groups.includes(from))
    .map((i) => setOf(i, unique(i.groups.map((g) => (g === from ? to : g)))));
}

/** Deletes a group with its contacts: removed when it was their only group, else they leave it. */
export function deleteGroup(roster: Roster, group: string): RosterChange[] {
  return deleteRows(
    roster,
    roster
      .all()
      .filter((i) => i.groups.includes(group))
      .map((i) => ({ jid: i.jid, group })),
  );
}

function groupRows(rows: ContactRow[]): Map<string, Set<string | undefined>> {
  const byJid = new Map<string, Set<string | undefined>>();
  for (const row of rows) {
    const set = byJid.get(row.jid) ?? new Set<string | undefined>();
    set.add(row.group);
    byJid.set(row.jid, set);
  }
  return byJid;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
