// The dialogs of "Use Desktop Chat" for contacts and groups: Add Contact, Edit Contact, Select
// Destination (move), the delete confirmations, Group (rename) and Delete Group. Each computes its
// roster sets with the pure functions of model/roster.ts and sends them; the list itself changes
// only when the server's pushes come back, so it always shows what the server holds.
import { addContact, deleteGroup, deleteRows, editContact, moveContacts, renameGroup, type ContactRow } from '../model/roster.js';
import type { Session } from '../session.js';
import { TEXT } from '../text.js';
import { XmppError } from '../xmpp/client.js';
import type { ContactActions } from './contact-list.js';
import { confirmDialog, groupChecklist, groupChooser, openDialog, textField } from './dialog.js';

/** Turns "jdoe" into "jdoe@domain"; a full address stays as it is. */
function contactJid(input: string, ownBare: string): string | undefined {
  const value = input.trim().toLowerCase();
  if (!value || /[\s/]/.test(value)) return undefined;
  if (value.includes('@')) return value.startsWith('@') || value.endsWith('@') ? undefined : value;
  return `${value}@${ownBare.slice(ownBare.indexOf('@') + 1)}`;
}

async function attempt(work: () => Promise<void>): Promise<string | undefined> {
  try {
    await work();
    return undefined;
  } catch (err) {
    const text = err instanceof XmppError ? (err.text ?? err.condition ?? '') : err instanceof Error ? err.message : String(err);
    return TEXT.operationFailed(text);
  }
}

export function contactDialogs(session: Session, afterChange: () => void): Omit<ContactActions, 'openChat'> {
  const names = (rows: ContactRow[]) => [...new Set(rows.map((r) => session.displayName(r.jid)))].join(', ');

  return {
    addContact(prefill) {
      const who = textField(TEXT.contactId, prefill.jid ?? '', { autocomplete: 'off', spellcheck: 'false' });
      who.input.readOnly = prefill.jid !== undefined;
      const name = textField(TEXT.displayName, prefill.name ?? '');
      const group = groupChooser(TEXT.addToGroup, session.roster.groups(), prefill.group);
      void openDialog({
        title: TEXT.addContactTitle,
        body: [who.row, name.row, group.row],
        submitLabel: TEXT.add,
        onSubmit: async () => {
          const jid = contactJid(who.input.value, session.client.bare);
          if (!jid) return TEXT.needContact;
          if (jid === session.client.bare) return TEXT.cannotAddSelf;
          const target = group.value();
          if (!target) return TEXT.needGroup;
          // RFC 6121 §3.1: the item first, then the subscription request for the contact's presence.
          const problem = await attempt(() => session.applyRoster(addContact(session.roster, jid, name.input.value.trim() || undefined, target)));
          if (problem) return problem;
          const item = session.roster.get(jid);
          if (item?.subscription !== 'to' && item?.subscription !== 'both') session.client.subscribe(jid);
          afterChange();
          return undefined;
        },
      });
    },

    editContact(jid) {
      const item = session.roster.get(jid);
      if (!item) return;
      const name = textField(TEXT.displayName, item.name ?? '');
      const groups = groupChecklist(session.roster.groups(), item.groups);
      void openDialog({
        title: TEXT.editContactTitle,
        body: [name.row, groups.row],
        submitLabel: TEXT.save,
        onSubmit: () => attempt(() => session.applyRoster(editContact(session.roster, jid, name.input.value, groups.value()))).then(done),
      });
    },

    moveRows(rows) {
      if (rows.length === 0) return;
      const target = groupChooser(TEXT.destination, session.roster.groups());
      void openDialog({
        title: TEXT.selectDestination,
        body: [target.row],
        submitLabel: TEXT.move,
        onSubmit: async () => {
          const group = target.value();
          if (!group) return TEXT.needGroup;
          return done(await attempt(() => session.applyRoster(moveContacts(session.roster, rows, group))));
        },
      });
    },

    deleteRows(rows) {
      if (rows.length === 0) return;
      const groups = new Set(rows.map((r) => r.group));
      const question = rows.length === 1 || groups.size === 1 ? TEXT.deleteContactConfirm(names(rows), rows[0].group) : TEXT.deleteRowsConfirm(rows.length);
      void confirmDialog(TEXT.deleteContactTitle, question, TEXT.delete, () => attempt(() => session.applyRoster(deleteRows(session.roster, rows))).then(done));
    },

    editGroup(group) {
      const name = textField(TEXT.groupName, group);
      void openDialog({
        title: TEXT.editGroupTitle,
        body: [name.row],
        submitLabel: TEXT.save,
        onSubmit: async () => {
          const to = name.input.value.trim();
          if (!to) return TEXT.needGroup;
          return done(await attempt(() => session.applyRoster(renameGroup(session.roster, group, to))));
        },
      });
    },

    deleteGroup(group) {
      void confirmDialog(TEXT.deleteGroupTitle, TEXT.deleteGroupConfirm(group), TEXT.delete, () => attempt(() => session.applyRoster(deleteGroup(session.roster, group))).then(done));
    },
  };

  function done(problem: string | undefined): string | undefined {
    if (!problem) afterChange();
    return problem;
  }
}
