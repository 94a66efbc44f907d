// A load-generator worker process (forked by the coordinator): holds the connections of its share
// of the users and runs the phases of one scenario on them, answering each with a PhaseReport.
import { Recorder } from './phase-report.js';
import { SCENARIO_TABLE } from './scenarios/index.js';
import { progress } from './scenarios/common.js';
import type { Scenario, WorkerContext, WorkerInit } from './scenario.js';

let context: WorkerContext | undefined;
let scenario: Scenario | undefined;

interface PhaseMessage {
  type: 'phase' | 'exit';
  id: number;
  phase: string;
  args: unknown;
}

process.on('message', (message: PhaseMessage) => {
  if (message.type === 'exit') return void shutdown();
  void runPhase(message);
});

// A client bug must not take the other clients' measurements down with it.
process.on('uncaughtException', (err) => progress(`uncaught: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => progress(`unhandled rejection: ${(err as Error)?.stack ?? String(err)}`));
process.on('disconnect', () => process.exit(0));

async function runPhase(message: PhaseMessage): Promise<void> {
  const recorder = new Recorder();
  try {
    if (message.phase === 'init') {
      const init = message.args as WorkerInit;
      scenario = SCENARIO_TABLE[init.scenario as keyof typeof SCENARIO_TABLE];
      if (!scenario) throw new Error(`unknown scenario ${init.scenario}`);
      context = { init, connections: new Array(init.count).fill(undefined), state: {}, recorder };
    } else {
      const phase = scenario?.workerPhases[message.phase];
      if (!context || !phase) throw new Error(`no phase '${message.phase}'`);
      // Events that arrived between phases (drops, late replies) count in this phase.
      recorder.absorb(context.recorder);
      context.recorder = recorder;
      await phase(context, message.args, recorder);
    }
    process.send!({ type: 'done', id: message.id, report: recorder.report() });
  } catch (err) {
    process.send!({ type: 'failed', id: message.id, error: (err as Error)?.message ?? String(err) });
  }
}

async function shutdown(): Promise<void> {
  const open = context?.connections.filter((c) => c?.isOpen) ?? [];
  await Promise.race([Promise.all(open.map((c) => c!.close().catch(() => undefined))), new Promise((r) => setTimeout(r, 3000))]);
  process.exit(0);
}
