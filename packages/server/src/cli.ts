#!/usr/bin/env node
// The `deskchat` command: `deskchat start`, `deskchat user …`. Exit codes: 0 ok, 1 failure, 2 usage.
import { ClusterJoinError, OptionsError } from '@deskchat/core';
import { RedisConnectError, RedisNotPersistentError } from '@deskchat/redis';
import { loadConfig, loadToolConfig } from './config.js';
import { runClusterCommand } from './cluster/cluster-commands.js';
import { createLogger } from './logger.js';
import { runMigrateCommand } from './migrate/migrate-command.js';
import { ListenError, startNode } from './node.js';
import { runUserCommand } from './users/user-commands.js';
import { runAdminCommand } from './admins/admin-commands.js';

const USAGE = `Usage: deskchat <command> [--config FILE]

Commands:
  start                              start a node (embedded SQLite store in dataDir)
  user add <username> [--password P] [--name N] [--email E] [--node NODE]
                                     add a user (prompts, or generates and prints a password);
                                     in a cluster on NODE, else on the least loaded node
  user passwd <username> [--password P]
  user remove <username>             on a single node whose server runs, the server removes the
                                     user (sessions end, contacts are told live)
  user list                          (in a cluster with each user's node)
  user import <file.csv> [--node NODE]
                                     header row: username,password[,name,email];
                                     in a cluster on NODE, else each on the least loaded node
  user assign <username> <node>      cluster: move a user (signed-in sessions follow)
  admin add|passwd <name> [--password-stdin]
                                     admin page accounts (prompts, or generates and prints a password)
  admin remove <name> | admin list
  admin token create|revoke <name>   API tokens for automation (shown once, stored hashed)
  admin token list
  admin invite create [--hours N] | admin invite list
                                     XEP-0077 registration invitations (register.requireInvitation)
  cluster status                     cluster: nodes, pairs, alive or dead, sessions, users
  cluster rebalance <pair>           cluster: spread a pair's users evenly over its two nodes
  migrate --from-sqlite DIR [--redis-url URL] [--key-prefix P]
                                     copy a single node's data into Redis (DESKCHAT_REDIS_URL,
                                     DESKCHAT_REDIS_PASSWORD, DESKCHAT_REDIS_PREFIX)

Configuration: deskchat.yaml (or --config / DESKCHAT_CONFIG) and DESKCHAT_* environment variables.
In a cluster (cluster.redisUrl or DESKCHAT_REDIS_URL) the user, admin and cluster commands work on
its Redis; they need no node name.`;

async function main(argv: string[]): Promise<number> {
  const configIndex = argv.indexOf('--config');
  const configFile = configIndex >= 0 ? argv[configIndex + 1] : undefined;
  const args = configIndex >= 0 ? [...argv.slice(0, configIndex), ...argv.slice(configIndex + 2)] : argv;
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  // Before the node's configuration: migrating needs only a Redis, and DESKCHAT_REDIS_URL alone
  // would make the configuration ask for the rest of a cluster node's settings.
  if (command === 'migrate') return runMigrateCommand(rest, { env: process.env, stdout: process.stdout, stderr: process.stderr });
  if (command === 'start') return start(loadConfig({ file: configFile }));
  // The administration commands are not a node: in a cluster they need only its Redis.
  const io = () => ({ config: loadToolConfig({ file: configFile }), stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  if (command === 'admin') return runAdminCommand(rest, io());
  if (command === 'user') return runUserCommand(rest, io());
  if (command === 'cluster') return runClusterCommand(rest, io());
  process.stderr.write(`deskchat: unknown command '${command}'\n\n${USAGE}\n`);
  return 2;
}

/** How long a node may take to close its streams and leave the cluster on SIGTERM (systemd waits 90 s). */
const SHUTDOWN_DEADLINE_MS = 20_000;

async function start(config: ReturnType<typeof loadConfig>): Promise<number> {
  const log = createLogger(config.log.level);
  // A promise nobody awaited that fails (a store call the cluster's Redis did not answer in time)
  // is a bug to fix, but it must not stop a node that serves thousands of users: log it, keep going.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (a bug): the node keeps serving'));
  const node = await startNode(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down: closing every stream with system-shutdown');
      // A shutdown that cannot finish (a Redis that does not answer, a peer that never reads) must
      // not leave a half-closed node holding its ports: exit anyway after the deadline. Unref'd, so a
      // clean close still ends the process at once.
      setTimeout(() => {
        log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time: exiting anyway');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
      node.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Expected failures print their message alone (a Redis unreachable at start, a node name in use: issue 8 §8).
    const isExpected = err instanceof OptionsError || err instanceof ListenError || err instanceof RedisConnectError || err instanceof RedisNotPersistentError || err instanceof ClusterJoinError;
    if (isExpected) process.stderr.write(`deskchat: ${err.message}\n`);
    else process.stderr.write(`deskchat: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
