// `deskchat cluster status|rebalance` (design.md §5, issue 8 §4, issue 11 "Cluster"), on the
// cluster's Redis (command-backend.ts: cluster.redisUrl or DESKCHAT_REDIS_URL; a node's name is
// not needed):
//   status          every node (name, pair, alive or dead, last heartbeat, sessions held according
//                   to the session directory, users assigned) as a table on stdout
//   rebalance PAIR  spreads the pair's users evenly over its two nodes (assignments only: signed-in
//                   users are not disconnected, they move at their next sign-in); prints each move
// Exit codes: 0 ok, 1 failure (Redis unreachable, a single node), 2 usage (an unknown pair).
import { requireCluster, runCommand, type CommandIo, type CommandSpec, type ParsedArgs } from '../users/command-runner.js';
import type { CommandBackend } from '../users/command-backend.js';
import type { ClusterStatus } from './cluster-admin.js';

interface Context extends CommandIo, ParsedArgs {
  backend(): Promise<CommandBackend>;
  now(): number;
}

interface Command extends CommandSpec {
  run(ctx: Context): Promise<number>;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const COMMANDS: Record<string, Command> = {
  status: {
    usage: 'cluster status',
    positionals: 0,
    options: {},
    async run(ctx) {
      const status = await requireCluster(await ctx.backend(), 'cluster status').status();
      ctx.stdout.write(formatStatus(status, ctx.now()));
      const alive = status.nodes.filter((n) => n.isAlive).length;
      ctx.stderr.write(`${status.nodes.length} node${status.nodes.length === 1 ? '' : 's'} (${alive} alive) in ${status.pairs.length} pair${status.pairs.length === 1 ? '' : 's'}\n`);
      return 0;
    },
  },
  rebalance: {
    usage: 'cluster rebalance <pair>',
    positionals: 1,
    options: {},
    async run(ctx) {
      const backend = await ctx.backend();
      const pair = ctx.positionals[0]!;
      const result = await requireCluster(backend, 'cluster rebalance').rebalance(pair);
      for (const move of result.moved) ctx.stdout.write(`${move.username}\t${move.from} -> ${move.to}\n`);
      if (result.moved.length) await backend.adminStores.audit.append({ at: ctx.now(), actor: 'cli', action: 'cluster.rebalance', target: pair, newValue: { moved: result.moved.length, counts: result.counts } });
      const counts = Object.entries(result.counts).map(([node, n]) => `${node} ${n}`).join(', ');
      ctx.stderr.write(`pair ${pair}: moved ${result.moved.length} user${result.moved.length === 1 ? '' : 's'} (now ${counts}); signed-in users move at their next sign-in\n`);
      return 0;
    },
  },
};

/** The nodes as an aligned table, pair by pair. */
export function formatStatus(status: ClusterStatus, now: number): string {
  const rows = [
    ['NODE', 'PAIR', 'STATE', 'LAST HEARTBEAT', 'SESSIONS', 'USERS'],
    ...[...status.nodes]
      .sort((a, b) => a.pair.localeCompare(b.pair) || a.name.localeCompare(b.name))
      .map((n) => [n.name, n.pair, n.isAlive ? 'alive' : 'dead', n.lastSeen ? `${iso(n.lastSeen)} (${ago(now - n.lastSeen)})` : '-', String(n.sessions), String(n.assignedUsers)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

export const CLUSTER_USAGE = `Usage:\n${Object.values(COMMANDS)
  .map((c) => `  deskchat ${c.usage}`)
  .join('\n')}\n\nIn a cluster: cluster.redisUrl in the config file, or DESKCHAT_REDIS_URL (and DESKCHAT_REDIS_PASSWORD, DESKCHAT_REDIS_PREFIX); behind Redis Sentinel, DESKCHAT_REDIS_SENTINELS and DESKCHAT_REDIS_MASTER_NAME instead of the URL; on a Redis Cluster, DESKCHAT_REDIS_CLUSTER_NODES instead of the URL.`;

export async function runClusterCommand(args: string[], io: CommandIo & { now?: () => number }): Promise<number> {
  const [name, ...rest] = args;
  if (name === '--help' || name === 'help') {
    io.stdout.write(`${CLUSTER_USAGE}\n`);
    return 0;
  }
  const command = name !== undefined ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`deskchat: ${name === undefined ? 'missing cluster command' : `unknown cluster command '${name}'`}\n\n${CLUSTER_USAGE}\n`);
    return 2;
  }
  return runCommand(command, rest, io, (parsed, backend) => command.run({ ...io, ...parsed, backend, now: io.now ?? Date.now }));
}
