import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * CPU and memory of the processes under test, read from /proc (Linux): utime + stime of
 * /proc/<pid>/stat (all threads of the process) and VmRSS of /proc/<pid>/status.
 */

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface Stat {
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

export function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The postmaster of the cluster a backend belongs to (the backend's parent). */
export function postmasterOf(backendPid: number): number | undefined {
  return readStat(backendPid)?.ppid;
}

/**
 * Processes of a PostgreSQL cluster that work for the benchmark: the postmaster, its auxiliary processes
 * (WAL writer, checkpointer, ...), and the backends connected to `database`. Backends of other
 * databases are left out: on a shared cluster (other test suites) they are not ours. A backend's title
 * is "postgres: [cluster: ]user database host(port) state".
 */
function clusterPids(postmaster: number, database: string): number[] {
  const pids = [postmaster];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (readStat(pid)?.ppid !== postmaster) continue;
    const title = cmdline(pid);
    const backend = /^postgres:\s+(?:\S+:\s+)?(\S+)\s+(\S+)\s+(?:\[local\]|\S+\(\d+\))/.exec(title);
    if (!backend || backend[2] === database) pids.push(pid);
  }
  return pids;
}

export interface Usage {
  /** CPU milliseconds of the server process in the window. */
  serverCpuMs: number;
  /** CPU milliseconds of the PostgreSQL processes in the window. */
  pgCpuMs: number;
  /** Highest VmRSS of the server seen (sampled every 100 ms), in MiB. */
  peakRssMb: number;
}

/**
 * Samples every 100 ms between start() and stop(). CPU deltas are per pid: a process born in the window
 * counts from zero, one that ended counts up to its last sample.
 */
export class UsageSampler {
  private timer?: NodeJS.Timeout;
  private first = new Map<number, number>();
  private last = new Map<number, number>();
  private serverFirst = 0;
  private serverLast = 0;
  private peakKb = 0;
  private measuring = false;
  private samples = 0;
  private pids: number[] = [];

  constructor(
    private readonly serverPid: number,
    private readonly postmaster: number | undefined,
    private readonly database: string,
  ) {}

  /** Tracks the peak RSS only (warm-up), without counting CPU. */
  watchMemory(): void {
    this.startTimer();
  }

  start(): void {
    this.measuring = true;
    this.first.clear();
    this.last.clear();
    this.serverFirst = readStat(this.serverPid)?.ticks ?? 0;
    this.serverLast = this.serverFirst;
    if (this.postmaster) {
      this.samples = 1;
      this.pids = clusterPids(this.postmaster, this.database);
      for (const pid of this.pids) {
        const ticks = readStat(pid)?.ticks ?? 0;
        this.first.set(pid, ticks);
        this.last.set(pid, ticks);
      }
    }
    this.startTimer();
  }

  stop(): Usage {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
    const perTick = 1000 / ticksPerSecond();
    let pgTicks = 0;
    for (const [pid, ticks] of this.last) pgTicks += ticks - (this.first.get(pid) ?? 0);
    const usage = {
      serverCpuMs: (this.serverLast - this.serverFirst) * perTick,
      pgCpuMs: this.postmaster ? pgTicks * perTick : Number.NaN,
      peakRssMb: this.peakKb / 1024,
    };
    this.measuring = false;
    this.peakKb = 0;
    return usage;
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  private sample(): void {
    this.peakKb = Math.max(this.peakKb, rssKb(this.serverPid));
    if (!this.measuring) return;
    const server = readStat(this.serverPid);
    if (server) this.serverLast = server.ticks;
    if (this.postmaster) {
      // Listing /proc is the costly part: refresh the pid list once a second, read known pids every sample.
      if (this.samples++ % 10 === 0) this.pids = clusterPids(this.postmaster, this.database);
      for (const pid of this.pids) {
        const stat = readStat(pid);
        if (stat) this.last.set(pid, stat.ticks);
      }
    }
  }
}

/**
 * Waits until a process has used under 10 % of a core for 300 ms (at most `maxMs`): a load generator
 * that stops leaves the requests it abandoned running, and they must not leak into the next measurement.
 */
export async function waitForQuiet(pid: number, maxMs = 30_000): Promise<number> {
  const started = Date.now();
  let last = readStat(pid)?.ticks;
  while (last !== undefined && Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = readStat(pid)?.ticks;
    if (now === undefined) break;
    if (((now - last) * 1000) / ticksPerSecond() < 30) break;
    last = now;
  }
  return Date.now() - started;
}
