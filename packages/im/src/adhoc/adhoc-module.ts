// XEP-0050 Ad-Hoc Commands (version 1.3.0) on the server's domain, issue #13. Commands are plain
// values (`AdhocCommand`) handed to the module factory in one visible place (server/node.ts); a
// command says who may run it (`access`: any user of this domain, or the administrators named in
// `admins`) and returns one stage at a time.
//   §2.1 disco feature http://jabber.org/protocol/commands; §2.2 disco#items of that node lists
//   only the commands the requester may run (XEP-0030 items with `node`); §2.3 disco#info of a
//   command node: identity automation/command-node, features commands and jabber:x:data.
//   §3.3–3.4 execute, next, prev, complete, cancel; a `sessionid` per run; §3.4 notes; §3.5 the
//   actions a stage allows (`<actions execute=…>`); §4.6 errors: bad-request with <bad-action/>,
//   <bad-sessionid/>, <malformed-action/>, <bad-payload/>; forbidden; item-not-found.
// Sessions belong to the full JID that started them and live on the node the client talks to (its
// IQs to the domain are answered there): a per-node map, bounded per user and per node, each
// session ending `sessionTimeoutSeconds` after its last step.
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { StanzaError, parseJid, type JID } from '@deskchat/protocol';
import { OptionsError, checkInteger, type Module } from '@deskchat/core';
import { DATA_NS, readSubmission, type SubmittedForm } from './forms.js';

export const COMMANDS_NS = 'http://jabber.org/protocol/commands';

export interface Note {
  type: 'info' | 'warn' | 'error';
  text: string;
}

/** What a stage of a command returns: a form to fill in (status executing) or the end. */
export type CommandStage =
  | { status: 'executing'; form: Element; actions: ('next' | 'complete')[]; notes?: Note[] }
  | { status: 'completed'; form?: Element; notes?: Note[] };

export interface AdhocCommand {
  readonly node: string;
  readonly name: string;
  /** 'admin': only the accounts listed in `admins`; 'user': any account of this domain. */
  readonly access: 'admin' | 'user';
  /** The first stage (action execute without a session). */
  start(from: JID): CommandStage | Promise<CommandStage>;
  /** The stage after stage `index` (0-based) was submitted; required fields are already checked. */
  submit(from: JID, form: SubmittedForm, index: number): CommandStage | Promise<CommandStage>;
}

export interface AdhocOptions {
  /** Administrators: bare JIDs of this domain or usernames. */
  admins: string[];
  /** A session ends this long after its last step (§3.4: the responder MAY time out sessions). */
  sessionTimeoutSeconds: number;
  maxSessionsPerUser: number;
  /** Open sessions on one node. */
  maxSessions: number;
}

export const DEFAULT_ADHOC_OPTIONS: AdhocOptions = { admins: [], sessionTimeoutSeconds: 600, maxSessionsPerUser: 5, maxSessions: 1000 };

/** The `adhoc` config section (conventions §8); `admins` comes from the top-level `admins` key. */
export function parseAdhocOptions(raw: Record<string, unknown> | undefined, prefix = 'adhoc'): Omit<AdhocOptions, 'admins'> {
  const r = raw ?? {};
  const d = DEFAULT_ADHOC_OPTIONS;
  for (const key of Object.keys(r)) if (!(key in d) || key === 'admins') throw new OptionsError(`${prefix}.${key}`, 'unknown option');
  const int = (key: 'sessionTimeoutSeconds' | 'maxSessionsPerUser' | 'maxSessions', max: number) => (r[key] === undefined ? d[key] : checkInteger(`${prefix}.${key}`, r[key], 1, max));
  return { sessionTimeoutSeconds: int('sessionTimeoutSeconds', 86_400), maxSessionsPerUser: int('maxSessionsPerUser', 1000), maxSessions: int('maxSessions', 1_000_000) };
}

/** The `admins` list: each a username or a bare JID of `domain` (a JID of another domain could never sign in here). */
export function parseAdmins(raw: unknown, domain: string, key = 'admins'): string[] {
  const list = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw === undefined ? [] : raw;
  if (!Array.isArray(list)) throw new OptionsError(key, 'must be a list of usernames or bare JIDs');
  return list.map((entry, i) => {
    const jid = typeof entry === 'string' ? parseJid(entry.includes('@') ? entry : `${entry}@${domain}`) : undefined;
    if (!jid?.local || jid.resource) throw new OptionsError(`${key}[${i}]`, 'must be a username or a bare JID');
    if (jid.domain !== domain) throw new OptionsError(`${key}[${i}]`, `must be an account of ${domain}`);
    return jid.toString();
  });
}

const ACTIONS = new Set(['execute', 'next', 'prev', 'complete', 'cancel']);

interface CommandSession {
  node: string;
  owner: string;
  /** The stages shown so far (the last is current); `prev` goes back one. */
  stages: Extract<CommandStage, { status: 'executing' }>[];
  expiresAt: number;
}

const commandError = (condition: 'bad-action' | 'bad-sessionid' | 'malformed-action' | 'bad-payload', text: string) =>
  new StanzaError('bad-request', text, { application: xml(condition, { xmlns: COMMANDS_NS }) });

/** The module serving `commands`; `now` is injectable so that tests need not wait for a timeout. */
export function adhocModule(commands: AdhocCommand[], now: () => number = Date.now): Module<AdhocOptions> {
  return {
    name: 'adhoc',
    defaults: DEFAULT_ADHOC_OPTIONS,
    setup(api) {
      const byNode = new Map(commands.map((c) => [c.node, c]));
      const admins = new Set(api.options.admins.map((a) => a.toLowerCase()));
      const sessions = new Map<string, CommandSession>();
      const timeoutMs = api.options.sessionTimeoutSeconds * 1000;

      const isAdmin = (from: JID) => from.domain === api.domain && admins.has(from.bare().toString().toLowerCase());
      const mayRun = (command: AdhocCommand, from: JID) => from.domain === api.domain && !!from.local && (command.access === 'user' || isAdmin(from));

      const sweep = () => {
        const t = now();
        for (const [id, s] of sessions) if (s.expiresAt <= t) sessions.delete(id);
      };
      api.timer(60_000, sweep);
      api.onUnload(() => sessions.clear());

      api.discoFeature(COMMANDS_NS);
      api.hook('disco/node-items', ({ from, node }) => {
        if (node !== COMMANDS_NS) return undefined;
        return { items: commands.filter((c) => mayRun(c, from)).map((c) => ({ jid: api.domain, node: c.node, name: c.name })) };
      });
      api.hook('disco/node-info', ({ from, node }) => {
        const command = byNode.get(node);
        if (!command) return undefined;
        if (!mayRun(command, from)) throw new StanzaError('forbidden', 'this command is for administrators (XEP-0050 §2.3)');
        return { identities: [{ category: 'automation', type: 'command-node', name: command.name }], features: [COMMANDS_NS, DATA_NS] };
      });

      const reply = (node: string, sessionid: string, stage: CommandStage | { status: 'canceled' }) => {
        const children: Element[] = [];
        if (stage.status === 'executing') {
          const last = stage.actions[stage.actions.length - 1]!;
          children.push(xml('actions', { execute: last }, ...stage.actions.map((a) => xml(a))));
        }
        if ('notes' in stage) for (const n of stage.notes ?? []) children.push(xml('note', { type: n.type }, n.text));
        if ('form' in stage && stage.form) children.push(stage.form);
        return xml('command', { xmlns: COMMANDS_NS, node, sessionid, status: stage.status }, ...children);
      };

      /** §3.3: a new session, within the bounds (resource-constraint beyond them). */
      const open = (node: string, owner: string, stage: Extract<CommandStage, { status: 'executing' }>): string => {
        sweep();
        if (sessions.size >= api.options.maxSessions) throw new StanzaError('resource-constraint', 'too many command sessions on this server (adhoc.maxSessions)');
        const bare = owner.split('/')[0];
        let mine = 0;
        for (const s of sessions.values()) if (s.owner.split('/')[0] === bare) mine++;
        if (mine >= api.options.maxSessionsPerUser) throw new StanzaError('resource-constraint', 'too many open command sessions; complete or cancel one (adhoc.maxSessionsPerUser)');
        const id = randomBytes(12).toString('base64url');
        sessions.set(id, { node, owner, stages: [stage], expiresAt: now() + timeoutMs });
        return id;
      };

      api.iq(COMMANDS_NS, 'command', {
        async set({ payload, from }) {
          const node = payload.attrs.node;
          if (!node) throw new StanzaError('bad-request', 'a command names its node (XEP-0050 §3.3)');
          const command = byNode.get(node);
          if (!command) throw new StanzaError('item-not-found', 'no such command');
          if (!mayRun(command, from)) throw new StanzaError('forbidden', 'this command is for administrators (XEP-0050 §4.6)');
          const action = payload.attrs.action ?? 'execute';
          if (!ACTIONS.has(action)) throw commandError('malformed-action', `unknown action '${action}' (XEP-0050 §3.3)`);
          const sessionid = payload.attrs.sessionid;
          if (sessionid === undefined) {
            if (action !== 'execute') throw commandError('bad-action', `a command starts with execute, not ${action} (XEP-0050 §3.3)`);
            const first = await command.start(from);
            if (first.status === 'completed') return reply(node, randomBytes(12).toString('base64url'), first);
            return reply(node, open(node, from.toString(), first), first);
          }
          const session = sessions.get(sessionid);
          if (!session || session.node !== node || session.owner !== from.toString() || session.expiresAt <= now()) {
            if (session && session.expiresAt <= now()) sessions.delete(sessionid);
            throw commandError('bad-sessionid', 'no such command session (it completed, was canceled or timed out)');
          }
          session.expiresAt = now() + timeoutMs;
          if (action === 'cancel') {
            sessions.delete(sessionid);
            return reply(node, sessionid, { status: 'canceled' });
          }
          const current = session.stages[session.stages.length - 1]!;
          if (action === 'prev') {
            if (session.stages.length < 2) throw commandError('bad-action', 'this is the first stage: there is no previous one (XEP-0050 §3.4)');
            session.stages.pop();
            return reply(node, sessionid, session.stages[session.stages.length - 1]!);
          }
          // §3.4: execute means the stage's default action.
          const chosen = action === 'execute' ? current.actions[current.actions.length - 1]! : action;
          if (!current.actions.includes(chosen as 'next' | 'complete')) throw commandError('bad-action', `this stage allows ${current.actions.join(' or ')}, not ${action} (XEP-0050 §3.4)`);
          const values = readSubmission(payload.getChild('x', DATA_NS), current.form, () => xml('bad-payload', { xmlns: COMMANDS_NS }));
          const nextStage = await command.submit(from, values, session.stages.length - 1);
          if (nextStage.status === 'completed') {
            sessions.delete(sessionid);
          } else {
            session.stages.push(nextStage);
          }
          return reply(node, sessionid, nextStage);
        },
      });
    },
  };
}
