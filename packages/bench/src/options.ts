// Command-line options of `npm run bench`, each bounded so that every run stops by itself, and
// targets limited to loopback addresses.
import { PLACEMENTS, type Placement } from './placement.js';
import type { TransportName } from './xmpp-connection.js';

export const SCENARIOS = ['login', 'idle-hold', 'messages', 'presence-fanout', 'file-transfer'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ServerAddress {
  host: string;
  c2sPort: number;
  httpPort: number;
  pid?: number;
}

export interface BenchOptions {
  scenarios: ScenarioName[];
  target?: ServerAddress;
  /** Another server to run the same scenarios against: Prosody started by scripts/bench-prosody.sh, or an address. */
  compare?: 'prosody' | ServerAddress;
  /** DeskChat as this many node processes in pairs on one redis-server (issue #8 §9), instead of one node. */
  clusterNodes?: number;
  /** Which node each user signs in on in cluster mode (placement.ts). */
  placement: Placement;
  /** Cluster mode: one redis-server, or a three-primary Redis Cluster. */
  redis: 'single' | 'cluster';
  domain: string;
  password: string;
  userPrefix: string;
  boshPath: string;
  wsPath: string;
  serverProf?: string;
  users?: number;
  sessions: number;
  pairs: number;
  rates?: number[];
  durationS: number;
  holdS: number;
  /** idle-hold: first hold half the sessions, to report what each added session costs (fixed costs cancel out). */
  isMarginal: boolean;
  /** idle-hold: sessions signed in and out before the baseline is taken. */
  warmup: number;
  transports?: TransportName[];
  contacts: number;
  /** file-transfer: files uploaded (and downloaded) at once, one per user. */
  files?: number;
  /** file-transfer: MiB per file. */
  fileMb?: number;
  pingRate: number;
  wait: number;
  p99Limit?: number;
  workers?: number;
  json?: string;
  maxSeconds: number;
  /** Where DeskChat account templates are kept between runs (default: the system temp directory). */
  accountsDir?: string;
  isVerbose: boolean;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm run bench -- <scenario>[,<scenario>…] | all [options]

Scenarios: login, idle-hold, messages, presence-fanout, file-transfer (all: each at its defaults, one after another)

Server (default: a DeskChat node from packages/server/dist on free loopback ports, fresh data):
  --target HOST:C2S:HTTP      a running server instead (users <prefix>1..N with --password must exist)
  --server-pid PID            that server's process id, for its memory and CPU figures
  --compare prosody|HOST:C2S:HTTP[:PID]
                              run the same scenarios against this server too and print the ratios
                              (prosody: started and stopped by scripts/bench-prosody.sh)
  --domain D (localhost)  --password P (bench-pass)  --user-prefix P (u)
  --bosh-path P (/http-bind)  --ws-path P (/xmpp-websocket)
  --server-prof DIR           run DeskChat under node --cpu-prof, profile written to DIR at exit
  --cluster N                 DeskChat as N nodes (1..4, in pairs: imp1a imp1b imp2a imp2b, as
                              scripts/cluster.sh names them) on one redis-server started for the run;
                              server CPU and memory figures are the sum of the nodes and Redis
  --placement spread|same     cluster mode: user i on node i mod N, so a messages pair and ring
                              contacts sit on different nodes (spread, the default), or both users
                              of a pair on one node (same: the same-node figure of a cluster)
  --redis single|cluster      cluster mode: one redis-server (default) or a three-primary Redis
                              Cluster (redis-cli --cluster create), for issue #14's comparison
Load (every run is bounded in count and time):
  --users N         login users (1000), presence-fanout users (500)       max 40000
  --sessions N      idle-hold sessions (1000)                              max 40000
  --pairs N         messages pairs (100)                                   max 10000
  --rate LIST       steps, comma-separated: logins/s (400), idle-hold sign-ins/s (300),
                    messages msg/s (2000), presence status changes/s (500)  max 200000
  --duration S      seconds per messages/presence step (10)               max 600
  --hold S          idle-hold seconds (30)                                max 600
  --marginal        idle-hold: sign in half the sessions and hold them too, then the rest, and
                    report the memory each added session costs between the two holds
  --warmup N        idle-hold: sign N sessions in and out before measuring the server's memory
                    at rest (its young generation, code and caches then at working size) (0)
  --transport LIST  bosh,ws,tcp (messages: all three; login, idle-hold: bosh; presence: tcp)
  --contacts K      presence-fanout contacts per user, even (10)
  --files N         file-transfer: parallel XEP-0363 uploads, then downloads (16)   max 200
  --file-mb M       file-transfer: MiB per file (5)                      max 200
  --ping-rate R     idle-hold pings/s over all sessions (50)
  --wait S          BOSH wait (60)
  --p99-limit MS    p99 bound for the best step (messages: bosh 200, else 100; presence 100)
  --workers N       generator processes (default: enough for the sockets, at least 2)
  --json FILE       JSON output (default: $TMPDIR/deskchat-bench/<scenarios>-<time>.json)
  --max-seconds S   stop everything after S seconds (900)                 max 3600
  --accounts-dir D  where DeskChat bench accounts are kept between runs ($TMPDIR)
  --verbose         progress on stderr
Environment: DESKCHAT_BENCH_KEEP=1 keeps the node's data and log; DESKCHAT_BENCH_LOG_LEVEL sets its log level.`;

export function parseOptions(argv: string[]): BenchOptions {
  const [first, ...rest] = argv;
  if (!first || first.startsWith('-')) throw new UsageError('name a scenario');
  const scenarios = first === 'all' ? [...SCENARIOS] : first.split(',').map(scenarioName);
  const options: BenchOptions = {
    scenarios,
    domain: 'localhost',
    password: 'bench-pass',
    userPrefix: 'u',
    boshPath: '/http-bind',
    wsPath: '/xmpp-websocket',
    sessions: 1000,
    pairs: 100,
    durationS: 10,
    holdS: 30,
    contacts: 10,
    pingRate: 50,
    wait: 60,
    placement: 'spread',
    redis: 'single',
    maxSeconds: 900,
    isVerbose: false,
    isMarginal: false,
    warmup: 0,
  };
  let serverPid: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--verbose') {
      options.isVerbose = true;
      continue;
    }
    if (flag === '--marginal') {
      options.isMarginal = true;
      continue;
    }
    const value = rest[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    switch (flag) {
      case '--target': options.target = address(flag, value); break;
      case '--server-pid': serverPid = integer(flag, value, 1, 2 ** 22); break;
      case '--compare': options.compare = value === 'prosody' ? 'prosody' : address(flag, value); break;
      case '--domain': options.domain = word(flag, value); break;
      case '--password': options.password = value; break;
      case '--user-prefix': options.userPrefix = word(flag, value); break;
      case '--bosh-path': options.boshPath = path(flag, value); break;
      case '--ws-path': options.wsPath = path(flag, value); break;
      case '--server-prof': options.serverProf = value; break;
      case '--cluster': options.clusterNodes = integer(flag, value, 1, 4); break;
      case '--placement': options.placement = placement(value); break;
      case '--redis': options.redis = redisKind(value); break;
      case '--users': options.users = integer(flag, value, 2, 40_000); break;
      case '--sessions': options.sessions = integer(flag, value, 1, 40_000); break;
      case '--pairs': options.pairs = integer(flag, value, 1, 10_000); break;
      case '--rate': options.rates = value.split(',').map((v) => integer(flag, v, 1, 200_000)); break;
      case '--duration': options.durationS = integer(flag, value, 1, 600); break;
      case '--hold': options.holdS = integer(flag, value, 1, 600); break;
      case '--warmup': options.warmup = integer(flag, value, 0, 40_000); break;
      case '--transport': options.transports = value.split(',').map(transport); break;
      case '--contacts': options.contacts = even(flag, integer(flag, value, 2, 200)); break;
      case '--files': options.files = integer(flag, value, 1, 200); break;
      case '--file-mb': options.fileMb = integer(flag, value, 1, 200); break;
      case '--ping-rate': options.pingRate = integer(flag, value, 0, 10_000); break;
      case '--wait': options.wait = integer(flag, value, 1, 300); break;
      case '--p99-limit': options.p99Limit = integer(flag, value, 1, 60_000); break;
      case '--workers': options.workers = integer(flag, value, 1, 16); break;
      case '--json': options.json = value; break;
      case '--max-seconds': options.maxSeconds = integer(flag, value, 5, 3600); break;
      case '--accounts-dir': options.accountsDir = value; break;
      default: throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (options.clusterNodes !== undefined && (options.target || options.compare)) throw new UsageError('--cluster starts its own nodes: it does not go with --target or --compare');
  if (options.clusterNodes === undefined && argv.includes('--redis')) throw new UsageError('--redis goes with --cluster');
  if (serverPid !== undefined) {
    if (!options.target) throw new UsageError('--server-pid goes with --target');
    options.target.pid = serverPid;
  }
  return options;
}

function scenarioName(name: string): ScenarioName {
  if (!(SCENARIOS as readonly string[]).includes(name)) throw new UsageError(`unknown scenario '${name}' (${SCENARIOS.join(', ')})`);
  return name as ScenarioName;
}

function redisKind(name: string): 'single' | 'cluster' {
  if (name !== 'single' && name !== 'cluster') throw new UsageError(`unknown --redis '${name}' (single, cluster)`);
  return name;
}

function placement(name: string): Placement {
  if (!(PLACEMENTS as readonly string[]).includes(name)) throw new UsageError(`unknown placement '${name}' (${PLACEMENTS.join(', ')})`);
  return name as Placement;
}

function transport(name: string): TransportName {
  if (name !== 'tcp' && name !== 'bosh' && name !== 'ws') throw new UsageError(`unknown transport '${name}' (bosh, ws, tcp)`);
  return name;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag}: must be an integer ${min}..${max}`);
  return n;
}

function even(flag: string, n: number): number {
  if (n % 2 !== 0) throw new UsageError(`${flag}: must be even (contacts sit on both sides of a ring)`);
  return n;
}

function word(flag: string, value: string): string {
  if (!/^[a-z0-9._-]+$/i.test(value)) throw new UsageError(`${flag}: letters, digits, '.', '_' and '-' only`);
  return value;
}

function path(flag: string, value: string): string {
  if (!/^\/[\w./-]*$/.test(value)) throw new UsageError(`${flag}: must be an absolute URL path`);
  return value;
}

/** HOST:C2S:HTTP[:PID]; only loopback hosts, as the bench must never load another machine. */
export function address(flag: string, value: string): ServerAddress {
  const match = /^(.+?):(\d+):(\d+)(?::(\d+))?$/.exec(value);
  if (!match) throw new UsageError(`${flag}: expected HOST:C2S_PORT:HTTP_PORT[:PID]`);
  const host = match[1].replace(/^\[(.*)\]$/, '$1');
  if (!isLoopback(host)) throw new UsageError(`${flag}: ${host} is not a loopback address; the bench only drives servers on this machine`);
  const result: ServerAddress = { host, c2sPort: integer(flag, match[2], 1, 65535), httpPort: integer(flag, match[3], 1, 65535) };
  if (match[4]) result.pid = integer(flag, match[4], 1, 2 ** 22);
  return result;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
