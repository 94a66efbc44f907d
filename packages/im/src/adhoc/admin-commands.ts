// XEP-0133 Service Administration (version 1.3.0), issue #13: the commands for the administrators
// named in `admins`, run through XEP-0050 (adhoc-module.ts) on the server's account operations
// (`AccountAdministration`, the CLI's code):
//   §4.1 add-user, §4.2 delete-user (the account, all its data, and its sessions), §4.7
//   change-user-password, §4.11 end-user-session, §4.15 get-registered-users-num, §4.16
//   get-online-users-num, §4.21 get-online-users-list (cluster-wide, from the session directory).
// Forms carry FORM_TYPE http://jabber.org/protocol/admin and the field names of §4.
import { StanzaError, StreamError, parseJid, type JID } from '@deskchat/protocol';
import type { AccountAdministration } from './account-administration.js';
import type { AdhocCommand, CommandStage } from './adhoc-module.js';
import { dataForm, single, type FieldSpec, type SubmittedForm } from './forms.js';

export const ADMIN_NS = 'http://jabber.org/protocol/admin';
const node = (name: string) => `${ADMIN_NS}#${name}`;
const MAX_ITEMS = ['25', '50', '75', '100', '150', '200', 'none'];

/** A one-form command: show `fields`, then `run` on what was submitted. */
function oneForm(name: string, title: string, instructions: string, fields: FieldSpec[], run: (form: SubmittedForm, from: JID) => Promise<CommandStage>): AdhocCommand {
  return {
    node: node(name),
    name: title,
    access: 'admin',
    start: () => ({ status: 'executing', actions: ['complete'], form: dataForm('form', ADMIN_NS, fields, { title, instructions }) }),
    submit: (from, form) => run(form, from),
  };
}

export function adminCommands(accounts: AccountAdministration, domain: string): AdhocCommand[] {
  /** A JID of an account of this domain (bare, or full with `allowFull`); not-acceptable otherwise. */
  const account = (value: string, allowFull = false): JID => {
    const jid = parseJid(value);
    if (!jid?.local || jid.domain !== domain || (jid.resource && !allowFull)) throw new StanzaError('not-acceptable', `'${value}' is not ${allowFull ? 'a JID' : 'a bare JID'} of an account of ${domain}`);
    return jid;
  };
  const accountsIn = (form: SubmittedForm, allowFull = false) => (form.get('accountjids') ?? []).filter((v) => v !== '').map((v) => account(v, allowFull));
  const done = (text: string, type: 'info' | 'warn' = 'info'): CommandStage => ({ status: 'completed', notes: [{ type, text }] });
  const jidField = (label: string): FieldSpec => ({ var: 'accountjid', type: 'jid-single', label, isRequired: true });
  const password = (label = 'Password'): FieldSpec => ({ var: 'password', type: 'text-private', label, isRequired: true });

  const onlineUsers = async (): Promise<string[]> => [...new Set((await accounts.onlineSessions()).map((s) => `${s.username}@${domain}`))].sort();

  return [
    oneForm('add-user', 'Add a User', 'Fill out this form to add a user.', [jidField('The Jabber ID for the account to be added'), password(), { var: 'password-verify', type: 'text-private', label: 'Retype password', isRequired: true }, { var: 'email', type: 'text-single', label: 'Email address' }, { var: 'given_name', type: 'text-single', label: 'Given name' }, { var: 'surname', type: 'text-single', label: 'Family name' }], async (form) => {
      const jid = account(single(form, 'accountjid')!);
      const pass = single(form, 'password')!;
      if (single(form, 'password-verify') !== pass) throw new StanzaError('not-acceptable', 'the two passwords differ');
      const name = [single(form, 'given_name'), single(form, 'surname')].filter(Boolean).join(' ');
      const email = single(form, 'email');
      const username = await accounts.add(jid.local!, pass, { ...(name ? { name } : {}), ...(email ? { email } : {}) });
      return done(`${username}@${domain} was added.`);
    }),
    oneForm('delete-user', 'Delete a User', 'Fill out this form to delete users: their accounts and all their data.', [{ var: 'accountjids', type: 'jid-multi', label: 'The Jabber ID(s) to delete', isRequired: true }], async (form) => {
      const jids = accountsIn(form);
      const deleted: string[] = [];
      const unknown: string[] = [];
      for (const jid of jids) {
        if (await accounts.remove(jid.local!)) {
          deleted.push(jid.toString());
          await accounts.endSessions(jid.local!, undefined, new StreamError('not-authorized', 'this account was deleted by an administrator'));
        } else {
          unknown.push(jid.toString());
        }
      }
      if (deleted.length === 0) throw new StanzaError('item-not-found', `no such account: ${unknown.join(', ')}`);
      return { status: 'completed', notes: [{ type: 'info', text: `Deleted: ${deleted.join(', ')}.` }, ...(unknown.length ? [{ type: 'warn' as const, text: `No such account: ${unknown.join(', ')}.` }] : [])] };
    }),
    oneForm('change-user-password', 'Change User Password', 'Fill out this form to change a user\'s password.', [jidField('The Jabber ID for this account'), password('The password for this account')], async (form) => {
      const jid = account(single(form, 'accountjid')!);
      if (!(await accounts.setPassword(jid.local!, single(form, 'password')!))) throw new StanzaError('item-not-found', `no such account: ${jid.toString()}`);
      return done(`The password of ${jid.toString()} was changed.`);
    }),
    oneForm('end-user-session', 'End User Session', 'Fill out this form to end users\' sessions (a bare JID ends all of the user\'s).', [{ var: 'accountjids', type: 'jid-multi', label: 'The Jabber ID(s) whose sessions to end', isRequired: true }], async (form) => {
      let ended = 0;
      for (const jid of accountsIn(form, true)) ended += await accounts.endSessions(jid.local!, jid.resource || undefined, new StreamError('policy-violation', 'your session was ended by an administrator'));
      return done(`${ended} session(s) ended.`);
    }),
    {
      node: node('get-registered-users-num'),
      name: 'Get Number of Registered Users',
      access: 'admin',
      start: async () => ({ status: 'completed', form: dataForm('result', ADMIN_NS, [{ var: 'registeredusersnum', type: 'text-single', label: 'The number of registered users', values: [String(await accounts.count())] }]) }),
      submit: () => {
        throw new StanzaError('bad-request');
      },
    },
    {
      node: node('get-online-users-num'),
      name: 'Get Number of Online Users',
      access: 'admin',
      start: async () => ({ status: 'completed', form: dataForm('result', ADMIN_NS, [{ var: 'onlineusersnum', type: 'text-single', label: 'The number of online users', values: [String((await onlineUsers()).length)] }]) }),
      submit: () => {
        throw new StanzaError('bad-request');
      },
    },
    oneForm('get-online-users-list', 'Get List of Online Users', 'How many users to list at most.', [{ var: 'max_items', type: 'list-single', label: 'Maximum number of items to report', options: MAX_ITEMS, values: ['100'] }], async (form) => {
      const max = single(form, 'max_items') ?? 'none';
      if (!MAX_ITEMS.includes(max)) throw new StanzaError('not-acceptable', `max_items is one of ${MAX_ITEMS.join(', ')}`);
      const users = await onlineUsers();
      const listed = max === 'none' ? users : users.slice(0, Number(max));
      return { status: 'completed', form: dataForm('result', ADMIN_NS, [{ var: 'onlineuserjids', type: 'jid-multi', label: 'The list of all online users', values: listed }]) };
    }),
  ];
}
