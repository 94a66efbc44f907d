#!/usr/bin/env node
// `npm run bench -- <scenario> [options]`: drives an XMPP server over loopback and prints one line
// per figure, the ratios between servers, and where the JSON went. Exit codes: 0 every scenario ran,
// 1 one failed (or the time bound stopped the run), 2 bad arguments.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Coordinator } from './coordinator.js';
import { REPO_ROOT, type LaunchedServer } from './deskchat-node.js';
import { USAGE, UsageError, parseOptions, type BenchOptions } from './options.js';
import { ratioLine, ratios, runLines, type ScenarioRun } from './report.js';
import { runBench } from './run.js';
import { FAILOVER_USAGE, parseFailoverOptions, type FailoverOptions } from './failover/failover-options.js';
import { runFailover, writeFailoverJson } from './failover/failover-run.js';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n\n${FAILOVER_USAGE}\n`);
    return 0;
  }
  // The failover scenario runs its own cluster (redis-server and three nodes), not one server
  // driven by worker processes: it has its own options and runner.
  if (argv[0] === 'failover') return failover(argv.slice(1));
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const started = new Date();
  const log = (line: string) => options.isVerbose && process.stderr.write(`${line}\n`);
  const load = os.loadavg();
  const commit = gitCommit();
  process.stdout.write(`# ${options.scenarios.join(', ')} on ${os.cpus().length} cores, load ${load.map((l) => l.toFixed(2)).join(' ')}, node ${process.version}${commit ? `, DeskChat ${commit}` : ''}\n`);
  let active: { coordinator?: Coordinator; server?: LaunchedServer } = {};
  const abort = async (why: string) => {
    process.stderr.write(`bench: ${why}; stopping\n`);
    active.coordinator?.kill();
    await active.server?.stop();
    process.exit(1);
  };
  // Every run is bounded in time, whatever the scenario options say.
  const watchdog = setTimeout(() => void abort(`time bound of ${options.maxSeconds} s reached`), options.maxSeconds * 1000);
  process.once('SIGINT', () => void abort('interrupted'));
  process.once('SIGTERM', () => void abort('terminated'));

  const runs: ScenarioRun[] = await runBench(options, {
    log,
    onRun: (run) => process.stdout.write(`${runLines(run).join('\n')}\n`),
    onActive: (now) => (active = now),
  });
  clearTimeout(watchdog);
  const comparisons = ratios(runs);
  if (comparisons.length) process.stdout.write(`${comparisons.map(ratioLine).join('\n')}\n`);
  const file = options.json ?? path.join(os.tmpdir(), 'deskchat-bench', `${options.scenarios.join('+')}-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const { scenarios, ...settings } = options;
  const document = {
    startedAt: started.toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory: os.totalmem(), loadAtStart: load, node: process.version },
    commit,
    scenarios,
    options: settings,
    runs,
    ratios: comparisons,
  };
  fs.writeFileSync(file, `${JSON.stringify(document, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`);
  process.stdout.write(`# JSON: ${file}\n`);
  return runs.every((run) => !run.error) ? 0 : 1;
}

async function failover(argv: string[]): Promise<number> {
  let options: FailoverOptions;
  try {
    options = parseFailoverOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${FAILOVER_USAGE}\n`);
    return 2;
  }
  const started = new Date();
  const commit = gitCommit();
  process.stdout.write(`# failover on ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}${commit ? `, DeskChat ${commit}` : ''}\n`);
  const bound = options.before + options.after + 300;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: time bound of ${bound} s reached; stopping\n`);
    process.exit(1);
  }, bound * 1000);
  const result = await runFailover(options, (line) => options.isVerbose && process.stderr.write(`${line}\n`));
  clearTimeout(watchdog);
  for (const [name, value] of Object.entries(result.figures)) process.stdout.write(`failover  ${name.padEnd(42)} ${value ?? '-'}\n`);
  process.stdout.write(`# JSON: ${writeFailoverJson(options.json, options, result, started)}\n`);
  return result.figures['messages lost'] === 0 && result.figures['messages duplicated'] === 0 ? 0 : 1;
}

/** The checked-out commit, with `+` when the tree has changes, so that figures name the code they measured. */
function gitCommit(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+` : head;
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
