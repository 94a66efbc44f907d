// `deskchat user add|passwd|remove|list|import|assign`: account administration on the node's
// SQLite database (WAL mode: these commands run while the server uses the same data directory), or
// in a cluster on its Redis (command-backend.ts), where each user also has a home node: `add`
// places the new user (--node, else the least loaded node), `assign` moves one (its signed-in
// sessions are sent to the new home), `remove` drops the assignment, `list` shows it. On a single
// node whose server is running, `remove` has the server do it through its admin API.
// Exit codes: 0 ok, 1 failure, 2 usage.
import { readFile } from 'node:fs/promises';
import type { CommandBackend } from './command-backend.js';
import { addUser, changePassword, listUsers, removeUser, requireUsername } from './account-commands.js';
import { accountRemovalOptions } from './account-removal.js';
import { CommandError, UsageError } from './command-error.js';
import { requireCluster, runCommand, type CommandIo, type CommandSpec, type ParsedArgs } from './command-runner.js';
import { formatSummary, importRows } from './csv-import.js';
import { readImportRows } from './import-rows.js';
import { choosePassword } from './password-source.js';
import { createProgress } from './progress-bar.js';
import { removeOnServer } from './remove-on-server.js';

export type UserCommandIo = CommandIo;

interface Context extends CommandIo, ParsedArgs {
  /** Opens the store on first use (SQLite, or the cluster's Redis); runCommand closes it. */
  backend(): Promise<CommandBackend>;
}

interface Command extends CommandSpec {
  run(ctx: Context): Promise<number>;
}

const PASSWORD_OPTIONS = { password: { type: 'string' }, 'password-stdin': { type: 'boolean' } } as const;

const COMMANDS: Record<string, Command> = {
  add: {
    usage: 'user add <username> [--password P | --password-stdin] [--name N] [--email E] [--node NODE]',
    positionals: 1,
    options: { ...PASSWORD_OPTIONS, name: { type: 'string' }, email: { type: 'string' }, node: { type: 'string' } },
    async run(ctx) {
      const username = requireUsername(ctx.positionals[0]!);
      const node = ctx.values.node as string | undefined;
      const backend = await ctx.backend();
      // Checked before prompting, so that nobody types a password twice for nothing.
      if (node !== undefined) await requireCluster(backend, '--node').requireNode(node);
      if (await backend.stores.accounts.hasAccount(username)) throw new CommandError(`user ${username} already exists`);
      const { password, isGenerated } = await choosePassword(passwordChoice(ctx), ctx, username);
      await addUser(backend.stores.accounts, { username, password, name: ctx.values.name as string | undefined, email: ctx.values.email as string | undefined });
      if (isGenerated) ctx.stdout.write(`Generated password for ${username}: ${password}\n`);
      const home = (await backend.cluster?.placeNewUsers([username], node))?.get(username);
      ctx.stderr.write(`user ${username} added${home ? ` on node ${home}` : backend.cluster ? ' (no node has joined the cluster yet: the first node it signs in on keeps it)' : ''}\n`);
      return 0;
    },
  },
  passwd: {
    usage: 'user passwd <username> [--password P | --password-stdin]',
    positionals: 1,
    options: { ...PASSWORD_OPTIONS },
    async run(ctx) {
      const username = requireUsername(ctx.positionals[0]!);
      const { accounts } = (await ctx.backend()).stores;
      if (!(await accounts.hasAccount(username))) throw new CommandError(`no such user ${username}`);
      const { password, isGenerated } = await choosePassword(passwordChoice(ctx), ctx, username);
      await changePassword(accounts, username, password);
      if (isGenerated) ctx.stdout.write(`Generated password for ${username}: ${password}\n`);
      ctx.stderr.write(`password of ${username} changed\n`);
      return 0;
    },
  },
  remove: {
    usage: 'user remove <username>    (on a single node whose server runs, the server removes the user: sessions end, contacts are told)',
    positionals: 1,
    options: {},
    async run(ctx) {
      const backend = await ctx.backend();
      const cluster = backend.cluster;
      if (!cluster) {
        // Only a node can end the user's sessions and tell her contacts live: a running server does
        // the removal itself (remove-on-server.ts); with none, the store removal below is all there is.
        const username = requireUsername(ctx.positionals[0]!);
        if (!(await backend.stores.accounts.hasAccount(username))) throw new CommandError(`no such user ${username}`);
        const result = await removeOnServer(ctx.config.admin, backend.adminStores, username);
        if (result.isRemoved) {
          ctx.stderr.write(`user ${username} removed by the running server${result.sessionsEnded ? `; ${sessions(result.sessionsEnded)} ended` : ''}\n`);
          return 0;
        }
        ctx.stderr.write(`${result.why}: removing ${username} in the data directory only\n`);
      }
      // Not a node: contacts are not told live, their stored rosters are swept (account-removal.ts).
      // In a cluster the user's sessions end on their nodes first, through the node bus.
      let ended = 0;
      const removal = { ...accountRemovalOptions(ctx.config), ...(cluster ? { beforeWipe: async (u: string) => void (ended = await cluster.endSessions(u, 'not-authorized', 'this account was removed by an administrator')) } : {}) };
      const username = await removeUser(backend.stores, ctx.positionals[0]!, removal);
      await cluster?.forget(username);
      // As the admin API records its removals (the running server's path above records its own).
      await backend.adminStores.audit.append({ at: Date.now(), actor: 'cli', action: 'user.remove', target: username, oldValue: { username } });
      ctx.stderr.write(`user ${username} removed${ended ? `; ${sessions(ended)} ended` : ''}\n`);
      return 0;
    },
  },
  list: {
    usage: 'user list',
    positionals: 0,
    options: {},
    async run(ctx) {
      const backend = await ctx.backend();
      // In a cluster a fifth column: the user's home node (empty until assigned).
      const cluster = backend.cluster;
      const count = await listUsers(backend.stores.accounts, (line) => ctx.stdout.write(`${line}\n`), cluster && ((usernames) => cluster.nodesOf(usernames)));
      ctx.stderr.write(`${count} user${count === 1 ? '' : 's'}\n`);
      return 0;
    },
  },
  import: {
    usage: 'user import <file.csv> [--node NODE]    (header row: username,password[,name,email]; - reads standard input)',
    positionals: 1,
    options: { node: { type: 'string' } },
    async run(ctx) {
      const file = ctx.positionals[0]!;
      const node = ctx.values.node as string | undefined;
      // The whole file is checked before the store is touched: a header or CSV syntax error imports nothing.
      const { rows, errors } = readImportRows(await readText(file, ctx.stdin));
      const backend = await ctx.backend();
      const cluster = backend.cluster;
      if (node !== undefined) await requireCluster(backend, '--node').requireNode(node);
      const progress = createProgress(ctx.stderr);
      let result;
      try {
        result = await importRows(backend.stores.accounts, rows, {
          onProgress: (done, total) => progress.update(done, total),
          // In a cluster each new user goes to NODE, or else to the least loaded node, as with `user add`.
          ...(cluster ? { onCreated: async (usernames: string[]) => void (await cluster.placeNewUsers(usernames, node)) } : {}),
        });
      } finally {
        progress.finish();
      }
      const [summary, ...errorLines] = formatSummary({ ...result, errors });
      for (const line of errorLines) ctx.stderr.write(`${line}\n`);
      ctx.stdout.write(`${summary}\n`);
      return errors.length ? 1 : 0;
    },
  },
  assign: {
    usage: 'user assign <username> <node>    (cluster: move the user to that node; its signed-in sessions are sent there)',
    positionals: 2,
    options: {},
    async run(ctx) {
      const username = requireUsername(ctx.positionals[0]!);
      const backend = await ctx.backend();
      const result = await requireCluster(backend, 'user assign').assign(username, ctx.positionals[1]!);
      if (result.previous !== result.node) {
        await backend.adminStores.audit.append({ at: Date.now(), actor: 'cli', action: 'user.node.assign', target: username, oldValue: { node: result.previous ?? null }, newValue: { node: result.node } });
      }
      const from = result.previous === undefined ? 'not assigned before' : result.previous === result.node ? 'already there' : `was ${result.previous}`;
      const sessions = result.redirected ? `; ${result.redirected} signed-in session${result.redirected === 1 ? '' : 's'} sent to the new home` : '';
      ctx.stderr.write(`user ${username} assigned to ${result.node} (${from})${sessions}\n`);
      return 0;
    },
  },
};

export const USER_USAGE = `Usage:\n${Object.values(COMMANDS)
  .map((c) => `  deskchat ${c.usage}`)
  .join('\n')}\n\nWithout --password or --password-stdin, add and passwd prompt for the password on a terminal,\nand otherwise generate one and print it.`;

export async function runUserCommand(args: string[], io: UserCommandIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === '--help' || name === 'help') {
    io.stdout.write(`${USER_USAGE}\n`);
    return 0;
  }
  const command = name !== undefined ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`deskchat: ${name === undefined ? 'missing user command' : `unknown user command '${name}'`}\n\n${USER_USAGE}\n`);
    return 2;
  }
  return runCommand(command, rest, io, (parsed, backend) => command.run({ ...io, ...parsed, backend }));
}

const sessions = (n: number) => `${n} signed-in session${n === 1 ? '' : 's'}`;

function passwordChoice(ctx: Context): { password?: string; isFromStdin: boolean } {
  const password = ctx.values.password as string | undefined;
  const isFromStdin = ctx.values['password-stdin'] === true;
  if (password !== undefined && isFromStdin) throw new UsageError('give either --password or --password-stdin, not both');
  return { password, isFromStdin };
}

async function readText(file: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CommandError(`cannot read ${file}: ${(err as Error).message}`);
  }
}
