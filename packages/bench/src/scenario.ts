// The shape of a scenario: phases that run inside every worker process on that worker's share of
// the users, and a coordinator side that runs the phases in order and turns the merged
// measurements into figures.
import type { Account } from './clients.js';
import type { Recorder } from './phase-report.js';
import type { BenchOptions } from './options.js';
import type { Coordinator } from './coordinator.js';
import type { Endpoint, XmppConnection } from './xmpp-connection.js';
import type { Placement } from './placement.js';

export interface WorkerInit {
  scenario: string;
  endpoint: Endpoint;
  /** Cluster mode: every node's endpoint; each user signs in on the node `placement` gives it. */
  endpoints?: Endpoint[];
  placement?: Placement;
  account: Account;
  /** This worker's users are [first, first + count) of totalUsers. */
  first: number;
  count: number;
  totalUsers: number;
  workerIndex: number;
  boshWait: number;
}

export interface WorkerContext {
  init: WorkerInit;
  /** Connections of this worker's users, by local index (undefined when not connected). */
  connections: (XmppConnection | undefined)[];
  state: Record<string, unknown>;
  /** The recorder of the phase now running (events between phases land in the next report). */
  recorder: Recorder;
}

export type WorkerPhase = (context: WorkerContext, args: any, recorder: Recorder) => Promise<void>;

export interface Figure {
  /** What the figure belongs to inside the scenario, e.g. `bosh @ 14000/s`. */
  case: string;
  name: string;
  value: number;
  unit: string;
  /** Which way is better, for ratios between servers. */
  better?: 'higher' | 'lower';
  /** Extra text printed after the value. */
  note?: string;
}

export interface ScenarioResult {
  figures: Figure[];
  /** Everything else worth keeping in the JSON file. */
  details: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  /** Users the scenario signs in. */
  users(options: BenchOptions): number;
  /** Client sockets per user, to spread users over enough worker processes. */
  socketsPerUser(options: BenchOptions): number;
  /** Users per worker must be a multiple of this (pairs stay in one process). */
  groupSize?: number;
  /** Whether the scenario needs the HTTP port (BOSH or WebSocket). */
  needsHttp(options: BenchOptions): boolean;
  workerPhases: Record<string, WorkerPhase>;
  run(coordinator: Coordinator, options: BenchOptions): Promise<ScenarioResult>;
}
