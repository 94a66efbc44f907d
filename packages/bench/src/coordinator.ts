// The coordinator: forks the worker processes (separate processes, because each holds at most
// ~9,000 sockets under the 20,000 open-file limit), gives each a contiguous share of the users,
// runs phases on all of them at once, and adds up what they measured together with the server's
// and the machine's CPU and memory over the same interval.
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Histogram } from './histogram.js';
import { fixedWorkMs } from './machine-speed.js';
import { mergeReports, type MergedReport, type PhaseReport } from './phase-report.js';
import { ResourceWatch, usageBetween, type WatchSample } from './proc-stats.js';
import type { Scenario, WorkerInit } from './scenario.js';
import type { Account } from './clients.js';
import type { Endpoint } from './xmpp-connection.js';
import type { Placement } from './placement.js';

export interface TargetServer {
  name: string;
  endpoint: Endpoint;
  account: Account;
  pid?: number;
  /** Cluster mode: every node's endpoint (`endpoint` is the first) and the placement of users on them. */
  endpoints?: Endpoint[];
  placement?: Placement;
  /** Cluster mode: the node and Redis processes, whose CPU and memory are added up as the server's. */
  pids?: number[];
}

export interface ServerUsage {
  cpuPercent: number;
  rssStart: number;
  rssEnd: number;
  rssMin: number;
  rssMax: number;
  rssMedian: number;
}

export interface PhaseOutcome {
  report: MergedReport;
  wallMs: number;
  server?: ServerUsage;
  /** CPU of every worker plus the coordinator, in percent of one core. */
  generatorCpuPercent: number;
  machineBusyPercent: number;
  /** Milliseconds the machine took for a fixed piece of work just before and just after the phase (machine-speed.ts). */
  fixedWorkMs: [before: number, after: number];
  /** Server and machine samples taken during the phase (epoch ms), for CPU over a part of it. */
  samples: WatchSample[];
}

interface Worker {
  process: ChildProcess;
  init: WorkerInit;
  pending: Map<number, { resolve(report: PhaseReport): void; reject(err: Error): void }>;
}

const WORKER_JS = fileURLToPath(new URL('./worker.js', import.meta.url));
/** Client sockets one worker process may hold (the file limit is 20,000 per process). */
export const SOCKETS_PER_WORKER = 8000;

export class Coordinator {
  readonly workers: Worker[] = [];
  private nextId = 1;

  constructor(
    readonly target: TargetServer,
    private readonly log: (line: string) => void,
  ) {}

  /** The server's processes whose CPU and memory are measured (a cluster's nodes and Redis), or none. */
  get serverPids(): number[] {
    return this.target.pids ?? (this.target.pid === undefined ? [] : [this.target.pid]);
  }

  /** Forks enough workers for `users` users and gives each a contiguous share (a multiple of groupSize). */
  async start(scenario: Scenario, users: number, options: { socketsPerUser: number; workers?: number; boshWait: number }): Promise<void> {
    const groupSize = scenario.groupSize ?? 1;
    const wanted = options.workers ?? Math.max(Math.min(2, os.cpus().length), Math.ceil((users * options.socketsPerUser) / SOCKETS_PER_WORKER));
    const groups = Math.ceil(users / groupSize);
    const count = Math.max(1, Math.min(wanted, groups));
    let first = 0;
    for (let i = 0; i < count; i++) {
      const share = Math.round((groups * (i + 1)) / count) * groupSize - first;
      const init: WorkerInit = { scenario: scenario.name, endpoint: this.target.endpoint, endpoints: this.target.endpoints, placement: this.target.placement, account: this.target.account, first, count: Math.min(share, users - first), totalUsers: users, workerIndex: i, boshWait: options.boshWait };
      first += init.count;
      this.workers.push(this.spawn(init));
    }
    await Promise.all(this.workers.map((worker) => this.call(worker, 'init', init(worker), 30_000)));
  }

  /** Runs one phase on every worker; `args` may differ per worker. Rejects after timeoutMs. */
  async phase(name: string, args: unknown | ((worker: WorkerInit) => unknown), timeoutMs: number): Promise<PhaseOutcome> {
    const fixedWork = fixedWorkMs(); // before the phase's load, and outside its CPU figures
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const watch = new ResourceWatch(this.serverPids).start();
    let reports: PhaseReport[];
    try {
      reports = await Promise.all(this.workers.map((worker) => this.call(worker, name, typeof args === 'function' ? (args as (w: WorkerInit) => unknown)(worker.init) : args, timeoutMs)));
    } finally {
      watch.stop();
    }
    const wallMs = performance.now() - started;
    const report = mergeReports(reports);
    const own = process.cpuUsage(cpuStart);
    const generatorMicros = report.cpuMicros + own.user + own.system;
    const fixedWorkAfter = fixedWorkMs(); // after the phase's CPU figures are taken
    for (const [text, n] of Object.entries(report.errors)) process.stderr.write(`  ${this.target.name} ${name}: ${n} × ${text}\n`);
    const samples = watch.samples;
    const whole = usageBetween(samples, -Infinity, Infinity);
    return {
      report,
      wallMs,
      server: serverUsage(samples),
      generatorCpuPercent: (generatorMicros / 1000 / wallMs) * 100,
      machineBusyPercent: whole?.machineBusyPercent ?? NaN,
      fixedWorkMs: [fixedWork, fixedWorkAfter],
      samples,
    };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.process.exitCode !== null || worker.process.signalCode !== null) return resolve();
            const timer = setTimeout(() => worker.process.kill('SIGKILL'), 5000);
            worker.process.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.process.send({ type: 'exit' }, (err) => err && worker.process.kill('SIGKILL'));
          }),
      ),
    );
    this.workers.length = 0;
  }

  /** Ends the workers at once (on a timeout or an interrupt). */
  kill(): void {
    for (const worker of this.workers) worker.process.kill('SIGKILL');
  }

  private spawn(init: WorkerInit): Worker {
    // No inherited execArgv: a --cpu-prof meant for the server must not profile the generator.
    const child = fork(WORKER_JS, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const worker: Worker = { process: child, init, pending: new Map() };
    child.on('message', (message: { type: string; id?: number; report?: PhaseReport; error?: string; text?: string }) => {
      if (message.type === 'progress') return this.log(`  worker ${init.workerIndex}: ${message.text}`);
      const pending = message.id === undefined ? undefined : worker.pending.get(message.id);
      if (!pending) return;
      worker.pending.delete(message.id!);
      if (message.type === 'done') pending.resolve(message.report!);
      else pending.reject(new Error(`worker ${init.workerIndex}: ${message.error}`));
    });
    child.on('exit', (code, signal) => {
      for (const pending of worker.pending.values()) pending.reject(new Error(`worker ${init.workerIndex} exited (${signal ?? code})`));
      worker.pending.clear();
    });
    return worker;
  }

  private call(worker: Worker, phase: string, args: unknown, timeoutMs: number): Promise<PhaseReport> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.pending.delete(id);
        reject(new Error(`worker ${worker.init.workerIndex}: phase '${phase}' did not finish within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      worker.pending.set(id, {
        resolve: (report) => {
          clearTimeout(timer);
          resolve(report);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      worker.process.send({ type: 'phase', id, phase, args });
    });
  }
}

function init(worker: Worker): WorkerInit {
  return worker.init;
}

function serverUsage(all: WatchSample[]): ServerUsage | undefined {
  const samples = all.filter((s) => s.process);
  if (samples.length < 2) return undefined;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const rss = samples.map((s) => s.process!.rss).sort((a, b) => a - b);
  return {
    cpuPercent: ((last.process!.cpuSeconds - first.process!.cpuSeconds) / ((last.at - first.at) / 1000)) * 100,
    rssStart: first.process!.rss,
    rssEnd: last.process!.rss,
    rssMin: rss[0],
    rssMax: rss[rss.length - 1],
    rssMedian: rss[Math.floor(rss.length / 2)],
  };
}

/** p50/p95/p99 of a merged histogram, or NaNs when it is missing. */
export function latency(report: MergedReport, name: string): ReturnType<Histogram['summaryMs']> {
  return (report.histograms[name] ?? new Histogram()).summaryMs();
}
