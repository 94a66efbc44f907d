// `deskchat admin add|passwd|remove|list`, `deskchat admin token create|revoke|list` and
// `deskchat admin invite create|list` (XEP-0077 registration invitations): admin
// accounts and API tokens on the node's SQLite database (WAL: works while the server runs), or on
// the cluster's Redis (command-backend.ts); a removed admin or changed password ends that admin's
// page sessions on the next request.
// Passwords: a no-echo prompt typed twice on a terminal, or the first line of stdin with
// --password-stdin, or else generated and printed once. Tokens are printed once and stored hashed.
// Every change is written to the audit log as `cli`. Exit codes: 0 ok, 1 failure, 2 usage.
import { ADMIN_NAME_RULE, DEFAULT_INVITATION_HOURS, adminPasswordProblem, generateApiToken, generateInvitationToken, hashPassword, invitationTokenHash, parseAdminName, parseTokenName, tokenHash } from '@deskchat/admin';
import type { AdminStores } from '@deskchat/core';
import { CommandError } from '../users/command-error.js';
import { runCommand, type CommandSpec, type ParsedArgs } from '../users/command-runner.js';
import { generatePassword } from '../users/account-fields.js';
import { readFirstLine, readHiddenLines } from '../users/read-password.js';
import type { UserCommandIo } from '../users/user-commands.js';

interface Context extends UserCommandIo, ParsedArgs {
  /** Opens the store on first use (SQLite, or the cluster's Redis). */
  stores(): Promise<AdminStores>;
  now(): number;
}

interface Command extends CommandSpec {
  run(ctx: Context): Promise<number>;
}

const ACTOR = 'cli';
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function requireName(raw: string, what = 'admin'): string {
  const name = what === 'admin' ? parseAdminName(raw) : parseTokenName(raw);
  if (!name) throw new CommandError(`invalid ${what} name '${raw}': ${what === 'admin' ? ADMIN_NAME_RULE : ADMIN_NAME_RULE.replace('an admin name', `a ${what} name`)}`);
  return name;
}

/** The new password and whether it was generated (then the command prints it once). */
async function choosePassword(ctx: Context, name: string): Promise<{ password: string; isGenerated: boolean }> {
  let password: string;
  if (ctx.values['password-stdin'] === true) password = await readFirstLine(ctx.stdin);
  else if (ctx.stdin.isTTY) {
    const [first, second] = await readHiddenLines(ctx.stdin, ctx.stderr, [`Password for admin ${name}: `, 'Repeat password: ']);
    if (first !== second) throw new CommandError('the passwords do not match');
    password = first!;
  } else return { password: generatePassword(), isGenerated: true };
  const problem = adminPasswordProblem(password);
  if (problem) throw new CommandError(problem);
  return { password, isGenerated: false };
}

const PASSWORD_OPTIONS = { 'password-stdin': { type: 'boolean' } } as const;

const COMMANDS: Record<string, Command> = {
  add: {
    usage: 'admin add <name> [--password-stdin]',
    positionals: 1,
    options: PASSWORD_OPTIONS,
    async run(ctx) {
      const name = requireName(ctx.positionals[0]!);
      const stores = await ctx.stores();
      if (await stores.admins.getAdmin(name)) throw new CommandError(`admin ${name} already exists`);
      const { password, isGenerated } = await choosePassword(ctx, name);
      const at = ctx.now();
      if (!(await stores.admins.createAdmin({ name, passwordHash: await hashPassword(password), createdAt: at, passwordChangedAt: at }))) throw new CommandError(`admin ${name} already exists`);
      await stores.audit.append({ at, actor: ACTOR, action: 'admin.add', target: name, newValue: { name } });
      if (isGenerated) ctx.stdout.write(`Generated password for admin ${name}: ${password}\n`);
      ctx.stderr.write(`admin ${name} added\n`);
      return 0;
    },
  },
  passwd: {
    usage: 'admin passwd <name> [--password-stdin]',
    positionals: 1,
    options: PASSWORD_OPTIONS,
    async run(ctx) {
      const name = requireName(ctx.positionals[0]!);
      const stores = await ctx.stores();
      if (!(await stores.admins.getAdmin(name))) throw new CommandError(`no such admin ${name}`);
      const { password, isGenerated } = await choosePassword(ctx, name);
      const at = ctx.now();
      await stores.admins.setPasswordHash(name, await hashPassword(password), at);
      await stores.audit.append({ at, actor: ACTOR, action: 'admin.password.change', target: name });
      if (isGenerated) ctx.stdout.write(`Generated password for admin ${name}: ${password}\n`);
      ctx.stderr.write(`password of admin ${name} changed; their page sessions have ended\n`);
      return 0;
    },
  },
  remove: {
    usage: 'admin remove <name>',
    positionals: 1,
    options: {},
    async run(ctx) {
      const name = requireName(ctx.positionals[0]!);
      const stores = await ctx.stores();
      const admins = await stores.admins.listAdmins();
      if (!admins.some((a) => a.name === name)) throw new CommandError(`no such admin ${name}`);
      if (admins.length === 1) throw new CommandError(`admin ${name} is the last admin account; add another one first`);
      await stores.admins.removeAdmin(name);
      await stores.audit.append({ at: ctx.now(), actor: ACTOR, action: 'admin.remove', target: name, oldValue: { name } });
      ctx.stderr.write(`admin ${name} removed\n`);
      return 0;
    },
  },
  list: {
    usage: 'admin list',
    positionals: 0,
    options: {},
    async run(ctx) {
      const stores = await ctx.stores();
      const admins = await stores.admins.listAdmins();
      for (const a of admins) ctx.stdout.write(`${a.name}\t${iso(a.createdAt)}\t${iso(a.passwordChangedAt)}\n`);
      ctx.stderr.write(`${admins.length} admin${admins.length === 1 ? '' : 's'}\n`);
      return 0;
    },
  },
  'token create': {
    usage: 'admin token create <name>',
    positionals: 1,
    options: {},
    async run(ctx) {
      const name = requireName(ctx.positionals[0]!, 'token');
      const stores = await ctx.stores();
      const token = generateApiToken();
      const at = ctx.now();
      if (!(await stores.apiTokens.createToken({ name, hash: tokenHash(token), createdAt: at, createdBy: ACTOR }))) throw new CommandError(`a token named ${name} exists; revoke it first`);
      await stores.audit.append({ at, actor: ACTOR, action: 'token.create', target: name });
      ctx.stdout.write(`${token}\n`);
      ctx.stderr.write(`token ${name} created: this is the only time it is shown (Authorization: Bearer <token>)\n`);
      return 0;
    },
  },
  'token revoke': {
    usage: 'admin token revoke <name>',
    positionals: 1,
    options: {},
    async run(ctx) {
      const name = requireName(ctx.positionals[0]!, 'token');
      const stores = await ctx.stores();
      if (!(await stores.apiTokens.revokeToken(name))) throw new CommandError(`no token named ${name}`);
      await stores.audit.append({ at: ctx.now(), actor: ACTOR, action: 'token.revoke', target: name });
      ctx.stderr.write(`token ${name} revoked\n`);
      return 0;
    },
  },
  'token list': {
    usage: 'admin token list',
    positionals: 0,
    options: {},
    async run(ctx) {
      const stores = await ctx.stores();
      const tokens = await stores.apiTokens.listTokens();
      for (const t of tokens) ctx.stdout.write(`${t.name}\t${iso(t.createdAt)}\t${t.createdBy}\n`);
      ctx.stderr.write(`${tokens.length} token${tokens.length === 1 ? '' : 's'}\n`);
      return 0;
    },
  },
  'invite create': {
    usage: 'admin invite create [--hours N]',
    positionals: 0,
    options: { hours: { type: 'string' } },
    async run(ctx) {
      const raw = ctx.values.hours;
      const hours = raw === undefined ? DEFAULT_INVITATION_HOURS : Number(raw);
      if (!Number.isInteger(hours) || hours < 1 || hours > 720) throw new CommandError(`invalid --hours '${String(raw)}': an integer 1..720`);
      const stores = await ctx.stores();
      const token = generateInvitationToken();
      const at = ctx.now();
      const expiresAt = at + hours * 3_600_000;
      await stores.invitations.createInvitation({ hash: invitationTokenHash(token), createdAt: at, createdBy: ACTOR, expiresAt });
      await stores.audit.append({ at, actor: ACTOR, action: 'invitation.create', target: iso(expiresAt) });
      ctx.stdout.write(`${token}\n`);
      ctx.stderr.write(`invitation created, valid until ${iso(expiresAt)}: give the token in the registration form's invite field (XEP-0077); it is shown only now and works once\n`);
      return 0;
    },
  },
  'invite list': {
    usage: 'admin invite list',
    positionals: 0,
    options: {},
    async run(ctx) {
      const stores = await ctx.stores();
      const invitations = await stores.invitations.listInvitations(ctx.now());
      for (const i of invitations) ctx.stdout.write(`${iso(i.createdAt)}\t${i.createdBy}\t${iso(i.expiresAt)}\n`);
      ctx.stderr.write(`${invitations.length} valid invitation${invitations.length === 1 ? '' : 's'}\n`);
      return 0;
    },
  },
};

export const ADMIN_USAGE = `Usage:\n${Object.values(COMMANDS)
  .map((c) => `  deskchat ${c.usage}`)
  .join('\n')}\n\nWithout --password-stdin, add and passwd prompt on a terminal, and otherwise generate a password and print it.`;

export async function runAdminCommand(args: string[], io: UserCommandIo & { now?: () => number }): Promise<number> {
  if (args[0] === '--help' || args[0] === 'help') {
    io.stdout.write(`${ADMIN_USAGE}\n`);
    return 0;
  }
  const [first, ...afterFirst] = args;
  const isPair = first === 'token' || first === 'invite';
  const key = isPair ? `${first} ${afterFirst[0] ?? ''}` : first;
  const rest = isPair ? afterFirst.slice(1) : afterFirst;
  const command = key !== undefined ? COMMANDS[key] : undefined;
  if (!command) {
    io.stderr.write(`deskchat: ${first === undefined ? 'missing admin command' : `unknown admin command '${args.slice(0, isPair ? 2 : 1).join(' ')}'`}\n\n${ADMIN_USAGE}\n`);
    return 2;
  }
  return runCommand(command, rest, io, (parsed, backend) => command.run({ ...io, ...parsed, stores: async () => (await backend()).adminStores, now: io.now ?? Date.now }));
}
