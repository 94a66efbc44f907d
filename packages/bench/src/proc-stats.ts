// Resource figures from Linux procfs (proc(5)): a process's resident memory (/proc/PID/status
// VmRSS), its CPU time (/proc/PID/stat utime + stime, in clock ticks), and the whole machine's busy
// time (/proc/stat), so that a saturated machine is not mistaken for a slow server.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface ProcessSample {
  /** Resident set size in bytes. */
  rss: number;
  /** CPU seconds used since the process started. */
  cpuSeconds: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime (clock ticks) from the text of /proc/PID/stat; the name field may hold spaces and parentheses. */
export function parseStatTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS in bytes from the text of /proc/PID/status. */
export function parseStatusRss(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : NaN;
}

export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rss: parseStatusRss(status), cpuSeconds: parseStatTicks(stat) / clockTicks() };
  } catch {
    return undefined; // the process is gone, or this is not Linux
  }
}

export interface MachineSample {
  total: number;
  idle: number;
}

/** Jiffies of all CPUs from the first line of /proc/stat (idle includes iowait). */
export function parseMachineStat(text: string): MachineSample {
  const fields = text.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: fields[3] + (fields[4] ?? 0) };
}

export function sampleMachine(): MachineSample | undefined {
  try {
    return parseMachineStat(fs.readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Busy share of the whole machine between two samples, in percent of one core (2 cores → up to 200). */
export function machineBusyPercent(before: MachineSample | undefined, after: MachineSample | undefined): number {
  if (!before || !after || after.total === before.total) return NaN;
  const busy = after.total - before.total - (after.idle - before.idle);
  return (busy / (after.total - before.total)) * 100 * os.cpus().length;
}

export interface WatchSample {
  /** Epoch ms, comparable with the workers' time spans. */
  at: number;
  process?: ProcessSample;
  machine?: MachineSample;
}

/** The sum over several processes (a cluster's nodes and Redis), or undefined when none is there. */
export function sampleProcesses(pids: readonly number[]): ProcessSample | undefined {
  const samples = pids.map(sampleProcess).filter((s): s is ProcessSample => s !== undefined);
  if (samples.length === 0) return undefined;
  return { rss: samples.reduce((sum, s) => sum + s.rss, 0), cpuSeconds: samples.reduce((sum, s) => sum + s.cpuSeconds, 0) };
}

/** Samples the server's processes (added up) and the machine every 250 ms while a phase runs. */
export class ResourceWatch {
  readonly samples: WatchSample[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: readonly number[]) {}

  start(intervalMs = 250): this {
    this.take();
    this.timer = setInterval(() => this.take(), intervalMs);
    return this;
  }

  stop(): WatchSample[] {
    clearInterval(this.timer);
    this.take();
    return this.samples;
  }

  private take(): void {
    this.samples.push({ at: performance.timeOrigin + performance.now(), process: sampleProcesses(this.pids), machine: sampleMachine() });
  }
}

export interface WindowUsage {
  /** Server CPU in percent of one core, NaN without a server pid. */
  serverCpuPercent: number;
  machineBusyPercent: number;
  seconds: number;
}

/** CPU use between the first sample at or after `from` and the last at or before `to` (epoch ms). */
export function usageBetween(samples: WatchSample[], from: number, to: number): WindowUsage | undefined {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  if (inside.length < 2) return undefined;
  const first = inside[0];
  const last = inside[inside.length - 1];
  const seconds = (last.at - first.at) / 1000;
  const serverCpuPercent = first.process && last.process ? ((last.process.cpuSeconds - first.process.cpuSeconds) / seconds) * 100 : NaN;
  return { serverCpuPercent, machineBusyPercent: machineBusyPercent(first.machine, last.machine), seconds };
}
