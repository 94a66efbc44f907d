// Reading procfs (proc(5)): /proc/PID/stat CPU ticks, /proc/PID/status VmRSS, /proc/stat.
import { describe, it, expect } from '@jest/globals';
import os from 'node:os';
import { machineBusyPercent, parseMachineStat, parseStatTicks, parseStatusRss, sampleProcess, sampleProcesses } from './proc-stats.js';

describe('procfs readers', () => {
  it('adds utime and stime (fields 14 and 15) even when the command name holds spaces and parentheses', () => {
    const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 11 0 100 123456789 30000 18446744073709551615';
    expect(parseStatTicks(stat)).toBe(1234 + 567);
  });

  it('reads VmRSS in kB as bytes', () => {
    expect(parseStatusRss('Name:\tnode\nVmPeak:\t 999 kB\nVmRSS:\t   81234 kB\nRssAnon:\t 1 kB\n')).toBe(81234 * 1024);
    expect(parseStatusRss('Name:\tkthreadd\n')).toBeNaN();
  });

  it('counts idle and iowait as idle in /proc/stat and reports busy time in percent of one core', () => {
    const before = parseMachineStat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n');
    expect(before).toEqual({ total: 1000, idle: 800 });
    const after = parseMachineStat('cpu  200 0 200 1400 200 0 0 0 0 0\n');
    expect(machineBusyPercent(before, after)).toBeCloseTo(20 * os.cpus().length);
    expect(machineBusyPercent(before, before)).toBeNaN();
  });

  it("adds a cluster's processes up, leaving out the ones that are gone", () => {
    const own = sampleProcess(process.pid)!;
    const parent = sampleProcess(process.ppid)!;
    const both = sampleProcesses([process.pid, process.ppid, 2 ** 22 + 1])!;
    expect(both.rss).toBeGreaterThanOrEqual(own.rss + parent.rss - 64 * 1024 * 1024);
    expect(both.rss).toBeGreaterThan(Math.max(own.rss, parent.rss));
    expect(sampleProcesses([2 ** 22 + 1])).toBeUndefined();
    expect(sampleProcesses([])).toBeUndefined();
  });
});
