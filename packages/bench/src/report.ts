// The bench's output: one line per figure as each scenario finishes, the ratios between servers
// for the same figure, and a JSON document with everything.
import type { Figure, ScenarioResult } from './scenario.js';

export interface ScenarioRun {
  scenario: string;
  server: string;
  result?: ScenarioResult;
  error?: string;
  seconds: number;
}

export interface Ratio {
  scenario: string;
  case: string;
  name: string;
  servers: [string, string];
  values: [number, number];
  /** First server's value over the second's. */
  ratio: number;
  better?: 'higher' | 'lower';
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const magnitude = Math.abs(value);
  if (magnitude >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function figureLine(scenario: string, server: string, figure: Figure): string {
  const value = `${formatNumber(figure.value)}${figure.unit ? ` ${figure.unit}` : ''}`;
  return `${scenario.padEnd(16)} ${figure.case.padEnd(28)} ${server.padEnd(9)} ${figure.name.padEnd(26)} ${value.padEnd(18)}${figure.note ? ` ${figure.note}` : ''}`.trimEnd();
}

export function runLines(run: ScenarioRun): string[] {
  if (run.error) return [`${run.scenario.padEnd(16)} ${'-'.padEnd(28)} ${run.server.padEnd(9)} FAILED: ${run.error}`];
  return (run.result?.figures ?? []).map((figure) => figureLine(run.scenario, run.server, figure));
}

/** Ratios of the first server's figures to every other server's, for figures that say which way is better. */
export function ratios(runs: ScenarioRun[]): Ratio[] {
  const servers = [...new Set(runs.map((r) => r.server))];
  if (servers.length < 2) return [];
  const [first, ...others] = servers;
  const result: Ratio[] = [];
  for (const run of runs.filter((r) => r.server === first && r.result)) {
    for (const other of others) {
      const peer = runs.find((r) => r.server === other && r.scenario === run.scenario && r.result);
      if (!peer) continue;
      for (const figure of run.result!.figures) {
        if (!figure.better) continue;
        const match = peer.result!.figures.find((f) => f.case === figure.case && f.name === figure.name);
        if (!match) continue;
        result.push({ scenario: run.scenario, case: figure.case, name: figure.name, servers: [first, other], values: [figure.value, match.value], ratio: figure.value / match.value, better: figure.better });
      }
    }
  }
  return result;
}

export function ratioLine(ratio: Ratio): string {
  const [a, b] = ratio.servers;
  const verdict = !Number.isFinite(ratio.ratio) ? '' : ratio.better === 'higher' ? (ratio.ratio >= 1 ? `${a} better` : `${b} better`) : ratio.ratio <= 1 ? `${a} better` : `${b} better`;
  return `ratio ${ratio.scenario.padEnd(16)} ${ratio.case.padEnd(28)} ${ratio.name.padEnd(26)} ${a}/${b} = ${(Number.isFinite(ratio.ratio) ? ratio.ratio.toFixed(2) : 'n/a').padEnd(6)} (${formatNumber(ratio.values[0])} vs ${formatNumber(ratio.values[1])}; ${ratio.better} is better${verdict ? `: ${verdict}` : ''})`;
}
