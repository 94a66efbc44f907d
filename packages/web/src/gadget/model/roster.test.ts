// The contact-list operations of "Use Desktop Chat" as RFC 6121 roster sets (docs/contact-list.md):
// each set carries the item's complete new name and groups, computed from its current state.
import { describe, expect, it } from '@jest/globals';
import { addContact, deleteGroup, deleteRows, editContact, moveContacts, renameGroup, Roster, type RosterItem } from './roster.js';

const item = (jid: string, groups: string[], extra: Partial<RosterItem> = {}): RosterItem => ({ jid, groups, subscription: 'both', ...extra });

function roster(...items: RosterItem[]): Roster {
  const r = new Roster();
  r.replaceAll(items);
  return r;
}

describe('Roster (the list as shown)', () => {
  it('lists groups in a case-insensitive order and members by display name', () => {
    const r = roster(item('b@x', ['sales']), item('a@x', ['Support', 'sales'], { name: 'Zed' }), item('c@x', ['Support'], { name: 'amy' }));
    expect(r.groups()).toEqual(['sales', 'Support']);
    expect(r.members('Support').map((i) => i.jid)).toEqual(['c@x', 'a@x']);
    expect(r.members('sales').map((i) => i.jid)).toEqual(['b@x', 'a@x']);
  });

  it('does not list an item the server created when the user approved someone (subscription from, no group, no name)', () => {
    const r = roster(item('fan@x', [], { subscription: 'from' }), item('mine@x', [], { subscription: 'to' }), item('asked@x', [], { subscription: 'none', isPending: true }));
    expect(r.listed().map((i) => i.jid).sort()).toEqual(['asked@x', 'mine@x']);
    expect(r.members(undefined).map((i) => i.jid).sort()).toEqual(['asked@x', 'mine@x']);
  });

  it('applies pushes, including removals (RFC 6121 §2.1.6)', () => {
    const r = roster(item('a@x', ['G']));
    r.apply(item('b@x', ['H']));
    r.apply({ jid: 'a@x', isRemoved: true });
    expect(r.all().map((i) => i.jid)).toEqual(['b@x']);
    expect(r.displayName('b@x')).toBe('b');
  });
});

describe('operations as roster sets', () => {
  it('Add puts a new contact into a (new) group with its display name', () => {
    expect(addContact(roster(), 'bob@x', 'Bob', 'Sales')).toEqual([{ kind: 'set', jid: 'bob@x', name: 'Bob', groups: ['Sales'] }]);
    expect(addContact(roster(), 'bob@x', undefined, 'Sales')).toEqual([{ kind: 'set', jid: 'bob@x', groups: ['Sales'] }]);
  });

  it('Add of a contact already listed adds the group and keeps the others and the name', () => {
    const r = roster(item('bob@x', ['Sales'], { name: 'Bob' }));
    expect(addContact(r, 'bob@x', undefined, 'Support')).toEqual([{ kind: 'set', jid: 'bob@x', name: 'Bob', groups: ['Sales', 'Support'] }]);
    expect(addContact(r, 'bob@x', undefined, 'Sales')).toEqual([{ kind: 'set', jid: 'bob@x', name: 'Bob', groups: ['Sales'] }]);
  });

  it('Edit sends the new name (empty clears it) and the complete new group list, each group once', () => {
    const r = roster(item('bob@x', ['Sales'], { name: 'Bob' }));
    expect(editContact(r, 'bob@x', ' Robert ', ['Sales', 'VIP', 'VIP'])).toEqual([{ kind: 'set', jid: 'bob@x', name: 'Robert', groups: ['Sales', 'VIP'] }]);
    expect(editContact(r, 'bob@x', '', [])).toEqual([{ kind: 'set', jid: 'bob@x', groups: [] }]);
    expect(editContact(r, 'nobody@x', 'x', [])).toEqual([]);
  });

  it('Move replaces the row’s group by the target and keeps the item’s other groups', () => {
    const r = roster(item('a@x', ['Sales', 'Support'], { name: 'A' }), item('b@x', ['Sales']), item('c@x', []));
    expect(moveContacts(r, [{ jid: 'a@x', group: 'Sales' }, { jid: 'b@x', group: 'Sales' }, { jid: 'c@x' }], 'Tier 2')).toEqual([
      { kind: 'set', jid: 'a@x', name: 'A', groups: ['Support', 'Tier 2'] },
      { kind: 'set', jid: 'b@x', groups: ['Tier 2'] },
      { kind: 'set', jid: 'c@x', groups: ['Tier 2'] },
    ]);
  });

  it('Move merges several selected rows of one contact, drops a duplicate target and skips a no-op', () => {
    const r = roster(item('a@x', ['Sales', 'Support', 'VIP']), item('b@x', ['VIP']));
    expect(moveContacts(r, [{ jid: 'a@x', group: 'Sales' }, { jid: 'a@x', group: 'Support' }, { jid: 'b@x', group: 'VIP' }], 'VIP')).toEqual([{ kind: 'set', jid: 'a@x', groups: ['VIP'] }]);
  });

  it('Delete from a group keeps the contact in its other groups; from its only group (or no group) it is removed', () => {
    const r = roster(item('a@x', ['Sales', 'Support']), item('b@x', ['Sales']), item('c@x', []));
    expect(deleteRows(r, [{ jid: 'a@x', group: 'Sales' }, { jid: 'b@x', group: 'Sales' }, { jid: 'c@x' }])).toEqual([
      { kind: 'set', jid: 'a@x', groups: ['Support'] },
      { kind: 'remove', jid: 'b@x' },
      { kind: 'remove', jid: 'c@x' },
    ]);
  });

  it('Rename group changes it in every item that has it (without duplicating an existing name)', () => {
    const r = roster(item('a@x', ['Old', 'New']), item('b@x', ['Old']), item('c@x', ['Other']));
    expect(renameGroup(r, 'Old', 'New')).toEqual([
      { kind: 'set', jid: 'a@x', groups: ['New'] },
      { kind: 'set', jid: 'b@x', groups: ['New'] },
    ]);
    expect(renameGroup(r, 'Old', 'Old')).toEqual([]);
  });

  it('Delete group removes contacts only in it, and takes it out of the others', () => {
    const r = roster(item('a@x', ['Gone', 'Stays']), item('b@x', ['Gone']), item('c@x', ['Stays']));
    expect(deleteGroup(r, 'Gone')).toEqual([
      { kind: 'set', jid: 'a@x', groups: ['Stays'] },
      { kind: 'remove', jid: 'b@x' },
    ]);
  });
});
