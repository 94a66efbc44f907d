// XEP-0045 §10.2 (Subsequent Room Configuration) and §15.5.3 (the muc#roomconfig FORM_TYPE): what
// an owner can set, the form we offer, and the checks on a submitted form. The configuration is
// stored as this JSON in core's MucRoomStore; anything the form does not show keeps its value.
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { StanzaError } from '@deskchat/protocol';
import { form, readBoolean, readForm, type FieldSpec } from './data-form.js';
import { MUC, STATUS } from './ns.js';
import type { MucOptions } from './options.js';

export interface RoomConfig {
  name: string;
  description: string;
  isPersistent: boolean;
  isPublic: boolean;
  isMembersOnly: boolean;
  isModerated: boolean;
  isPasswordProtected: boolean;
  password: string;
  maxUsers: number;
  /** Who sees occupants' real JIDs: moderators (semi-anonymous) or anyone (non-anonymous). */
  whois: 'moderators' | 'anyone';
  /** Participants (not only moderators) may change the subject. */
  canChangeSubject: boolean;
  /** Participants may invite in a members-only room (invitees become members). */
  allowInvites: boolean;
  historyLength: number;
  /** §10.1.2: a new reserved room stays locked (no one else enters) until its owner configures it. */
  isLocked: boolean;
  /** XEP-0421 §3: the room's secret behind occupant ids, so that they stay the same on every node. */
  occupantIdSecret: string;
}

export function defaultConfig(options: MucOptions): RoomConfig {
  return {
    name: '',
    description: '',
    isPersistent: options.defaultPersistent,
    isPublic: options.defaultPublic,
    isMembersOnly: false,
    isModerated: false,
    isPasswordProtected: false,
    password: '',
    maxUsers: options.defaultMaxOccupants,
    whois: 'moderators',
    canChangeSubject: false,
    allowInvites: false,
    historyLength: options.defaultHistoryLength,
    isLocked: false,
    occupantIdSecret: randomBytes(16).toString('base64url'),
  };
}

export function parseConfig(json: string, options: MucOptions): RoomConfig {
  return { ...defaultConfig(options), ...(JSON.parse(json) as Partial<RoomConfig>) };
}

const bool = (b: boolean) => (b ? '1' : '0');

/** §10.2 Example 163: the configuration form with the current values. */
export function configForm(config: RoomConfig, options: MucOptions): Element {
  const sizes = [...new Set([1, 2, 5, 10, 20, 30, 50, 100, 200, 500, 1000, options.maxOccupants, config.maxUsers])].filter((n) => n <= options.maxOccupants).sort((a, b) => a - b);
  const fields: FieldSpec[] = [
    { var: 'muc#roomconfig_roomname', type: 'text-single', label: 'Room name', value: config.name },
    { var: 'muc#roomconfig_roomdesc', type: 'text-single', label: 'Description', value: config.description },
    ...(options.allowPersistentRooms ? [{ var: 'muc#roomconfig_persistentroom', type: 'boolean' as const, label: 'Keep the room when the last occupant leaves', value: bool(config.isPersistent) }] : []),
    { var: 'muc#roomconfig_publicroom', type: 'boolean', label: 'List the room in the directory', value: bool(config.isPublic) },
    { var: 'muc#roomconfig_membersonly', type: 'boolean', label: 'Members only', value: bool(config.isMembersOnly) },
    { var: 'muc#roomconfig_moderatedroom', type: 'boolean', label: 'Moderated (only participants with voice may speak)', value: bool(config.isModerated) },
    { var: 'muc#roomconfig_passwordprotectedroom', type: 'boolean', label: 'Password required to enter', value: bool(config.isPasswordProtected) },
    { var: 'muc#roomconfig_roomsecret', type: 'text-private', label: 'Password', value: config.password },
    { var: 'muc#roomconfig_maxusers', type: 'list-single', label: 'Maximum number of occupants', value: String(config.maxUsers), options: sizes.map((n) => ({ value: String(n) })) },
    {
      var: 'muc#roomconfig_whois',
      type: 'list-single',
      label: 'Who may see real JIDs',
      value: config.whois,
      options: [{ label: 'Moderators only', value: 'moderators' }, { label: 'Anyone', value: 'anyone' }],
    },
    { var: 'muc#roomconfig_changesubject', type: 'boolean', label: 'Participants may change the subject', value: bool(config.canChangeSubject) },
    { var: 'muc#roomconfig_allowinvites', type: 'boolean', label: 'Participants may invite others', value: bool(config.allowInvites) },
    { var: 'muc#maxhistoryfetch', type: 'text-single', label: `Messages of history sent to new occupants (0..${options.maxHistoryLength})`, value: String(config.historyLength) },
  ];
  return form('form', MUC.ROOMCONFIG, fields, 'Room configuration');
}

/**
 * §10.2: applies a submitted form. Fields left out keep their values (a client may send only what
 * changed); a value that cannot be accepted fails the whole form with not-acceptable (§10.2 "If
 * the owner submits a form with invalid values"), and nothing changes.
 */
export function applyConfigForm(current: RoomConfig, x: Element, options: MucOptions): RoomConfig {
  const values = readForm(x);
  const formType = values.get('FORM_TYPE')?.[0];
  if (formType !== undefined && formType !== MUC.ROOMCONFIG) throw new StanzaError('bad-request', `the form's FORM_TYPE must be ${MUC.ROOMCONFIG}`);
  const next: RoomConfig = { ...current };
  const one = (v: string) => values.get(v)?.[0];
  const flag = (v: string, apply: (b: boolean) => void) => {
    if (!values.has(v)) return;
    const b = readBoolean(one(v));
    if (b === undefined) throw new StanzaError('not-acceptable', `${v} must be a boolean (XEP-0004 §3.3)`);
    apply(b);
  };
  const int = (v: string, max: number, apply: (n: number) => void, min = 0) => {
    if (!values.has(v)) return;
    const raw = one(v) ?? '';
    const n = raw === 'none' ? max : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new StanzaError('not-acceptable', `${v} must be a number ${min}..${max}`);
    apply(n);
  };
  if (values.has('muc#roomconfig_roomname')) next.name = (one('muc#roomconfig_roomname') ?? '').slice(0, 200);
  if (values.has('muc#roomconfig_roomdesc')) next.description = (one('muc#roomconfig_roomdesc') ?? '').slice(0, 1000);
  flag('muc#roomconfig_persistentroom', (b) => {
    if (b && !options.allowPersistentRooms) throw new StanzaError('not-acceptable', 'this service does not keep persistent rooms');
    next.isPersistent = b;
  });
  flag('muc#roomconfig_publicroom', (b) => (next.isPublic = b));
  flag('muc#roomconfig_membersonly', (b) => (next.isMembersOnly = b));
  flag('muc#roomconfig_moderatedroom', (b) => (next.isModerated = b));
  flag('muc#roomconfig_passwordprotectedroom', (b) => (next.isPasswordProtected = b));
  flag('muc#roomconfig_changesubject', (b) => (next.canChangeSubject = b));
  flag('muc#roomconfig_allowinvites', (b) => (next.allowInvites = b));
  if (values.has('muc#roomconfig_roomsecret')) next.password = one('muc#roomconfig_roomsecret') ?? '';
  int('muc#roomconfig_maxusers', options.maxOccupants, (n) => (next.maxUsers = n), 1);
  int('muc#maxhistoryfetch', options.maxHistoryLength, (n) => (next.historyLength = n));
  if (values.has('muc#roomconfig_whois')) {
    const whois = one('muc#roomconfig_whois');
    if (whois !== 'moderators' && whois !== 'anyone') throw new StanzaError('not-acceptable', 'muc#roomconfig_whois must be moderators or anyone');
    next.whois = whois;
  }
  if (next.isPasswordProtected && !next.password) throw new StanzaError('not-acceptable', 'a password-protected room needs muc#roomconfig_roomsecret');
  if (!next.isPasswordProtected) next.password = '';
  next.isLocked = false;
  return next;
}

/** §10.2.1: the status codes that tell occupants what changed (104 always, 172/173 for privacy). */
export function changeStatuses(before: RoomConfig, after: RoomConfig): string[] {
  const codes: string[] = [STATUS.CONFIG_CHANGED];
  if (before.whois !== after.whois) codes.push(after.whois === 'anyone' ? STATUS.NOW_NON_ANONYMOUS : STATUS.NOW_SEMI_ANONYMOUS);
  return codes;
}
