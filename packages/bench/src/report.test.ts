// Figure lines and the ratios between two servers for the same figure.
import { describe, it, expect } from '@jest/globals';
import { figureLine, formatNumber, ratioLine, ratios, runLines, type ScenarioRun } from './report.js';

const run = (server: string, value: number, p99: number): ScenarioRun => ({
  scenario: 'messages',
  server,
  seconds: 1,
  result: {
    figures: [
      { case: 'tcp @ 1000/s', name: 'delivered', value, unit: 'msg/s', better: 'higher' },
      { case: 'tcp @ 1000/s', name: 'latency p99', value: p99, unit: 'ms', better: 'lower' },
      { case: 'tcp @ 1000/s', name: 'generator CPU', value: 50, unit: '%' },
    ],
    details: {},
  },
});

describe('report', () => {
  it('formats large numbers with separators, small ones with decimals, integers as integers', () => {
    expect(formatNumber(14321.7)).toBe('14,322');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(NaN)).toBe('n/a');
  });

  it('prints one line per figure with scenario, case, server, name, value, unit and note', () => {
    const line = figureLine('messages', 'deskchat', { case: 'tcp @ 1000/s', name: 'delivered', value: 998, unit: 'msg/s', note: '9980 of 9980' });
    expect(line).toMatch(/^messages +tcp @ 1000\/s +deskchat +delivered +998 msg\/s +9980 of 9980$/);
    expect(runLines({ scenario: 'login', server: 'deskchat', error: 'boom', seconds: 0 })[0]).toMatch(/FAILED: boom$/);
  });

  it('divides the first server by the other for figures that say which way is better', () => {
    const result = ratios([run('deskchat', 2000, 50), run('prosody', 1000, 100)]);
    expect(result.map((r) => [r.name, r.ratio])).toEqual([
      ['delivered', 2],
      ['latency p99', 0.5],
    ]);
    expect(ratioLine(result[0])).toContain('deskchat/prosody = 2.00');
    expect(ratioLine(result[0])).toContain('deskchat better');
    expect(ratioLine(result[1])).toContain('deskchat better');
  });

  it('has no ratios with a single server or a failed run', () => {
    expect(ratios([run('deskchat', 1, 1)])).toEqual([]);
    expect(ratios([run('deskchat', 1, 1), { scenario: 'messages', server: 'prosody', error: 'x', seconds: 0 }])).toEqual([]);
  });
});
