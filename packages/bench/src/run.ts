// Runs the chosen scenarios against one server after another (DeskChat first, then the server to
// compare with), each scenario with its own worker processes, and collects the results.
import { Coordinator } from './coordinator.js';
import { startDeskChatCluster } from './deskchat-cluster.js';
import { startDeskChat, type LaunchedServer } from './deskchat-node.js';
import { externalServer, startProsody } from './peer-server.js';
import type { BenchOptions } from './options.js';
import type { ScenarioRun } from './report.js';
import { SCENARIO_TABLE } from './scenarios/index.js';

export interface RunHooks {
  log(line: string): void;
  /** Called as each scenario finishes, to print its figures at once. */
  onRun(run: ScenarioRun): void;
  /** Lets an interrupt or the overall time bound stop what is running. */
  onActive(active: { coordinator?: Coordinator; server?: LaunchedServer }): void;
}

export async function runBench(options: BenchOptions, hooks: RunHooks): Promise<ScenarioRun[]> {
  const scenarios = options.scenarios.map((name) => SCENARIO_TABLE[name]);
  const users = Math.max(...scenarios.map((s) => s.users(options)));
  const needsHttp = scenarios.some((s) => s.needsHttp(options));
  const account = { prefix: options.userPrefix, password: options.password };
  const paths = { boshPath: options.boshPath, wsPath: options.wsPath };
  const launch = { users, account, domain: options.domain, ...paths, needsHttp, cpuProfDir: options.serverProf, accountsDir: options.accountsDir, log: hooks.log };
  const nodes = options.clusterNodes;
  const startOurs = nodes === undefined ? () => startDeskChat(launch) : () => startDeskChatCluster({ ...launch, nodes, placement: options.placement, redis: options.redis });
  const servers: { name: string; start(): Promise<LaunchedServer> }[] = [
    options.target
      ? { name: 'target', start: async () => externalServer('target', options.target!, options.domain, account, paths) }
      : { name: 'deskchat', start: startOurs },
  ];
  const compare = options.compare;
  if (compare === 'prosody') servers.push({ name: 'prosody', start: () => startProsody(users, account, paths, hooks.log) });
  else if (compare) servers.push({ name: 'other', start: async () => externalServer('other', compare, options.domain, account, paths) });

  const runs: ScenarioRun[] = [];
  for (const candidate of servers) {
    let server: LaunchedServer;
    try {
      server = await candidate.start();
    } catch (err) {
      for (const scenario of scenarios) {
        const run = { scenario: scenario.name, server: candidate.name, error: (err as Error).message, seconds: 0 };
        runs.push(run);
        hooks.onRun(run);
      }
      continue;
    }
    hooks.onActive({ server });
    try {
      for (const scenario of scenarios) {
        const started = performance.now();
        const coordinator = new Coordinator(server, hooks.log);
        hooks.onActive({ server, coordinator });
        let run: ScenarioRun;
        try {
          await coordinator.start(scenario, scenario.users(options), { socketsPerUser: scenario.socketsPerUser(options), workers: options.workers, boshWait: options.wait });
          hooks.log(`${scenario.name} on ${server.name}: ${coordinator.workers.length} worker processes`);
          const result = await scenario.run(coordinator, options);
          run = { scenario: scenario.name, server: server.name, result, seconds: (performance.now() - started) / 1000 };
        } catch (err) {
          coordinator.kill();
          run = { scenario: scenario.name, server: server.name, error: (err as Error).message, seconds: (performance.now() - started) / 1000 };
        } finally {
          await coordinator.stop();
        }
        runs.push(run);
        hooks.onRun(run);
      }
    } finally {
      await server.stop();
      hooks.onActive({});
    }
  }
  return runs;
}
