// Options of `npm run bench -- failover`: every count and duration bounded, like the other scenarios.
import { UsageError } from '../options.js';

export interface FailoverOptions {
  /** BOSH users on the node that is killed, each with a TCP partner on the other pair. */
  users: number;
  /** Chat messages per second over all pairs, both directions together. */
  rate: number;
  /** Seconds of traffic before the kill, and after it. */
  before: number;
  after: number;
  /** TCP users on the killed node who sign in again on its peer (the sign-ins/s the peer absorbs). */
  tcpUsers: number;
  /** Of those, how many have a watcher on the other pair subscribed to their presence (ghost presence). */
  ghosts: number;
  heartbeatSeconds: number;
  deadAfterSeconds: number;
  json?: string;
  isVerbose: boolean;
}

export const FAILOVER_USAGE = `Usage: npm run bench -- failover [options]
  Starts redis-server (AOF) and three DeskChat nodes (imp1a, imp1b: pair1; imp2a: pair2), signs in
  --users BOSH users on imp1a with TCP partners on imp2a, exchanges messages, SIGKILLs imp1a, keeps
  going, then reports lost and duplicated messages, BOSH resumption times, ghost presence clearing
  and the sign-ins/s imp1b absorbed for imp1a's TCP users.
  --users N          BOSH users on the killed node, each with a TCP partner (50; 1..2000)
  --rate R           messages/s over all pairs, both directions (50; 1..5000)
  --before S         seconds of traffic before the kill (10; 2..300)
  --after S          seconds of traffic after the kill (20; 5..300)
  --tcp-users M      TCP users on the killed node that sign in again on its peer (100; 0..5000)
  --ghosts G         of those, how many have a subscribed watcher on pair2 (5; 0..100, <= M)
  --heartbeat S      cluster.heartbeatSeconds (1; 1..10)
  --dead-after S     cluster.deadAfterSeconds (3; 2..60, > heartbeat)
  --json FILE        where the JSON goes ($TMPDIR/deskchat-bench/failover-<date>.json)
  --verbose          progress on stderr`;

const BOUNDS: Record<string, [keyof FailoverOptions, number, number]> = {
  '--users': ['users', 1, 2000],
  '--rate': ['rate', 1, 5000],
  '--before': ['before', 2, 300],
  '--after': ['after', 5, 300],
  '--tcp-users': ['tcpUsers', 0, 5000],
  '--ghosts': ['ghosts', 0, 100],
  '--heartbeat': ['heartbeatSeconds', 1, 10],
  '--dead-after': ['deadAfterSeconds', 2, 60],
};

export function parseFailoverOptions(argv: string[]): FailoverOptions {
  const options: FailoverOptions = { users: 50, rate: 50, before: 10, after: 20, tcpUsers: 100, ghosts: 5, heartbeatSeconds: 1, deadAfterSeconds: 3, isVerbose: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--verbose') {
      options.isVerbose = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${flag}: a value is missing`);
    if (flag === '--json') {
      options.json = value;
      continue;
    }
    const bound = BOUNDS[flag];
    if (!bound) throw new UsageError(`unknown option ${flag}`);
    const [key, min, max] = bound;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: must be an integer ${min}..${max}`);
    (options as unknown as Record<string, number>)[key] = n;
  }
  if (options.ghosts > options.tcpUsers) throw new UsageError('--ghosts: must be at most --tcp-users');
  if (options.deadAfterSeconds <= options.heartbeatSeconds) throw new UsageError('--dead-after: must be more than --heartbeat');
  return options;
}
