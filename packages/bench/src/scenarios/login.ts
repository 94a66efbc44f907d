// `login`: N users sign in at a set rate (BOSH by default: session creation, SASL PLAIN, restart,
// bind, initial presence — XEP-0124 §7, XEP-0206, RFC 6120 §6–§7, RFC 6121 §4.2), staying signed
// in while the others arrive. Figures: sign-ins per second achieved, sign-in latency from the
// moment each was due, failures. Each rate of --rate is one step; all sessions close between steps.
import { latency, type Coordinator } from '../coordinator.js';
import type { BenchOptions } from '../options.js';
import type { Figure, Scenario } from '../scenario.js';
import { closeAll, signInAtRate } from './common.js';
import { cpuFigures, share } from './figures.js';

const DEFAULT_USERS = 1000;
const DEFAULT_RATE = 400;

export const login: Scenario = {
  name: 'login',
  users: (o) => o.users ?? DEFAULT_USERS,
  socketsPerUser: (o) => (transport(o) === 'bosh' ? 2 : 1),
  needsHttp: (o) => transport(o) !== 'tcp',
  workerPhases: {
    login: (context, args: { rate: number }, recorder) => signInAtRate(context, args.rate, { transport: context.state.transport as 'bosh' }, recorder),
    setTransport: async (context, args: { transport: string }) => {
      context.state.transport = args.transport;
    },
    close: (context, _args, recorder) => closeAll(context, recorder),
  },
  async run(coordinator: Coordinator, options: BenchOptions) {
    const users = login.users(options);
    const chosen = transport(options);
    await coordinator.phase('setTransport', { transport: chosen }, 10_000);
    const figures: Figure[] = [];
    const steps: Record<string, unknown>[] = [];
    for (const rate of options.rates ?? [DEFAULT_RATE]) {
      const label = `${chosen} @ ${rate}/s`;
      const timeoutMs = (users / rate) * 1000 + 120_000;
      const outcome = await coordinator.phase('login', (w: { count: number }) => ({ rate: share(rate, w.count, users) }), timeoutMs);
      const { counts, spans } = outcome.report;
      const ok = counts['login-ok'] ?? 0;
      const failed = counts['login-failed'] ?? 0;
      const span = spans.login;
      const perSecond = span && span[1] > span[0] ? ok / ((span[1] - span[0]) / 1000) : NaN;
      const l = latency(outcome.report, 'login');
      figures.push(
        { case: label, name: 'sign-ins/s', value: perSecond, unit: '/s', better: 'higher', note: `${ok} of ${users} signed in, ${failed} failed` },
        { case: label, name: 'sign-in p50', value: l.p50, unit: 'ms', better: 'lower' },
        { case: label, name: 'sign-in p95', value: l.p95, unit: 'ms', better: 'lower' },
        { case: label, name: 'sign-in p99', value: l.p99, unit: 'ms', better: 'lower' },
        { case: label, name: 'failures', value: failed + (counts.dropped ?? 0), unit: '', better: 'lower' },
        ...cpuFigures(label, outcome),
      );
      steps.push({ rate, ok, failed, perSecond, latencyMs: l, counts, server: outcome.server, generatorCpuPercent: outcome.generatorCpuPercent, machineBusyPercent: outcome.machineBusyPercent });
      await coordinator.phase('close', {}, 120_000);
    }
    return { figures, details: { users, transport: chosen, steps } };
  },
};

function transport(options: BenchOptions) {
  return options.transports?.[0] ?? 'bosh';
}
