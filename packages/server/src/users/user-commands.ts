// `deskchat user add|passwd|remove|list|import`: account administration on the node's SQLite
// database. The database is in WAL mode, so these commands run while the server uses the same
// data directory. Exit codes: 0 ok, 1 failure, 2 usage.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { AccountStore, Stores } from '@deskchat/core';
import { openSqliteStores, type SqliteStores } from '@deskchat/storage-sqlite';
import type { ServerConfig } from '../config.js';
import { addUser, changePassword, listUsers, removeUser, requireUsername } from './account-commands.js';
import { CommandError, UsageError } from './command-error.js';
import { formatSummary, importRows } from './csv-import.js';
import { readImportRows } from './import-rows.js';
import { choosePassword } from './password-source.js';
import { createProgress } from './progress-bar.js';
import type { PasswordInput } from './read-password.js';

export interface UserCommandIo {
  config: ServerConfig;
  stdin: PasswordInput;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

interface Context extends UserCommandIo {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  /** Opens the SQLite store on first use; runUserCommand closes it. */
  accounts(): AccountStore;
  stores(): Stores;
}

interface Command {
  usage: string;
  positionals: number;
  options: Record<string, { type: 'string' | 'boolean' }>;
  run(ctx: Context): Promise<number>;
}

const PASSWORD_OPTIONS = { password: { type: 'string' }, 'password-stdin': { type: 'boolean' } } as const;

const COMMANDS: Record<string, Command> = {
  add: {
    usage: 'user add <username> [--password P | --password-stdin] [--name N] [--email E]',
    positionals: 1,
    options: { ...PASSWORD_OPTIONS, name: { type: 'string' }, email: { type: 'string' } },
    async run(ctx) {
      const username = requireUsername(ctx.positionals[0]!);
      // Checked before prompting, so that nobody types a password twice for nothing.
      if (await ctx.accounts().hasAccount(username)) throw new CommandError(`user ${username} already exists`);
      const { password, isGenerated } = await choosePassword(passwordChoice(ctx), ctx, username);
      await addUser(ctx.accounts(), { username, password, name: ctx.values.name as string | undefined, email: ctx.values.email as string | undefined });
      if (isGenerated) ctx.stdout.write(`Generated password for ${username}: ${password}\n`);
      ctx.stderr.write(`user ${username} added\n`);
      return 0;
    },
  },
  passwd: {
    usage: 'user passwd <username> [--password P | --password-stdin]',
    positionals: 1,
    options: { ...PASSWORD_OPTIONS },
    async run(ctx) {
      const username = requireUsername(ctx.positionals[0]!);
      if (!(await ctx.accounts().hasAccount(username))) throw new CommandError(`no such user ${username}`);
      const { password, isGenerated } = await choosePassword(passwordChoice(ctx), ctx, username);
      await changePassword(ctx.accounts(), username, password);
      if (isGenerated) ctx.stdout.write(`Generated password for ${username}: ${password}\n`);
      ctx.stderr.write(`password of ${username} changed\n`);
      return 0;
    },
  },
  remove: {
    usage: 'user remove <username>',
    positionals: 1,
    options: {},
    async run(ctx) {
      const username = await removeUser(ctx.stores(), ctx.positionals[0]!);
      ctx.stderr.write(`user ${username} removed\n`);
      return 0;
    },
  },
  list: {
    usage: 'user list',
    positionals: 0,
    options: {},
    async run(ctx) {
      const count = await listUsers(ctx.accounts(), (line) => ctx.stdout.write(`${line}\n`));
      ctx.stderr.write(`${count} user${count === 1 ? '' : 's'}\n`);
      return 0;
    },
  },
  import: {
    usage: 'user import <file.csv>    (header row: username,password[,name,email]; - reads standard input)',
    positionals: 1,
    options: {},
    async run(ctx) {
      const file = ctx.positionals[0]!;
      // The whole file is checked before the store is touched: a header or CSV syntax error imports nothing.
      const { rows, errors } = readImportRows(await readText(file, ctx.stdin));
      const progress = createProgress(ctx.stderr);
      let result;
      try {
        result = await importRows(ctx.accounts(), rows, { onProgress: (done, total) => progress.update(done, total) });
      } finally {
        progress.finish();
      }
      const [summary, ...errorLines] = formatSummary({ ...result, errors });
      for (const line of errorLines) ctx.stderr.write(`${line}\n`);
      ctx.stdout.write(`${summary}\n`);
      return errors.length ? 1 : 0;
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
  let stores: SqliteStores | undefined;
  try {
    const { positionals, values } = parseCommandArgs(command, rest);
    const open = () => (stores ??= openSqliteStores(io.config.dataDir));
    return await command.run({ ...io, positionals, values, accounts: () => open().accounts, stores: open });
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    const usage = err instanceof UsageError ? `\n\nUsage: deskchat ${command.usage}` : '';
    io.stderr.write(`deskchat: ${err.message}${usage}\n`);
    return err.exitCode;
  } finally {
    stores?.close();
  }
}

function parseCommandArgs(command: Command, args: string[]): Pick<Context, 'positionals' | 'values'> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { positionals, values } = parsed;
  if (positionals.length < command.positionals) throw new UsageError('missing argument');
  if (positionals.length > command.positionals) throw new UsageError(`unexpected argument '${positionals[command.positionals]}'`);
  return { positionals, values: values as Context['values'] };
}

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
