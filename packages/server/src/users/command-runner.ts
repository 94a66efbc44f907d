// The shape every `deskchat user|admin|cluster …` subcommand shares: its arguments parsed strictly
// (node:util parseArgs), the backend opened on first use (SQLite, or the cluster's Redis:
// command-backend.ts) and closed at the end, and expected failures printed as one line with their
// exit code (0 ok, 1 failure, 2 usage, with the usage text).
import { parseArgs } from 'node:util';
import { isStoreUnavailable } from '@deskchat/core';
import { NoSuchUserError, UnknownNodeError, UnknownPairError } from '../cluster/cluster-admin.js';
import type { ToolConfig } from '../config.js';
import { openCommandBackend, type CommandBackend } from './command-backend.js';
import { CommandError, UsageError } from './command-error.js';
import type { PasswordInput } from './read-password.js';

export interface CommandIo {
  config: ToolConfig;
  stdin: PasswordInput;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** How long to keep trying to reach a cluster's Redis (default 5 s). */
  redisStartTimeoutMs?: number;
}

export interface CommandSpec {
  usage: string;
  positionals: number;
  options: Record<string, { type: 'string' | 'boolean' }>;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** Parses `args` for `command`, runs it with a lazily opened backend, and turns expected failures into exit codes. */
export async function runCommand(command: CommandSpec, args: string[], io: CommandIo, run: (parsed: ParsedArgs, backend: () => Promise<CommandBackend>) => Promise<number>): Promise<number> {
  let opened: Promise<CommandBackend> | undefined;
  try {
    const parsed = parseCommandArgs(command, args);
    return await run(parsed, () => (opened ??= openCommandBackend(io.config, { redisStartTimeoutMs: io.redisStartTimeoutMs })));
  } catch (err) {
    const failure = expectedFailure(err);
    if (!failure) throw err;
    const usage = failure instanceof UsageError ? `\n\nUsage: deskchat ${command.usage}` : '';
    io.stderr.write(`deskchat: ${failure.message}${usage}\n`);
    return failure.exitCode;
  } finally {
    const backend = await opened?.catch(() => undefined);
    await backend?.close();
  }
}

function expectedFailure(err: unknown): CommandError | undefined {
  if (err instanceof CommandError) return err;
  // A node or pair the cluster does not have is a wrong argument (exit 2, with the usage).
  if (err instanceof UnknownNodeError || err instanceof UnknownPairError) return new UsageError(err.message);
  if (err instanceof NoSuchUserError) return new CommandError(err.message);
  // Redis went away during the command: its message names Redis and the operation.
  if (isStoreUnavailable(err)) return new CommandError(err.message);
  return undefined;
}

export function parseCommandArgs(command: CommandSpec, args: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { positionals, values } = parsed;
  if (positionals.length < command.positionals) throw new UsageError('missing argument');
  if (positionals.length > command.positionals) throw new UsageError(`unexpected argument '${positionals[command.positionals]}'`);
  return { positionals, values: values as ParsedArgs['values'] };
}

/** The cluster part of a command, or a clear failure on a single node. */
export function requireCluster(backend: CommandBackend, what: string): NonNullable<CommandBackend['cluster']> {
  if (!backend.cluster) throw new CommandError(`${what} needs a cluster: set cluster.redisUrl (or DESKCHAT_REDIS_URL), or cluster.redisSentinels and cluster.redisMasterName, or cluster.redisClusterNodes; this is a single node on ${backend.where}`);
  return backend.cluster;
}
