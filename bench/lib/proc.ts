// Child processes of the benchmark and what /proc says about them: every server under test runs in its own
// process, so its memory and CPU can be read from the kernel rather than from its own (possibly lying) counters.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HZ = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const children = new Set<ChildProcess>();
let exitHooked = false;

export interface Started {
  proc: ChildProcess;
  name: string;
  /** stderr tail, for error messages when the child dies. */
  log(): string;
}

/** Spawns a child whose stderr is kept (last 8 KiB) and shown live with VERBOSE=1; killed if we exit first. */
export function startChild(name: string, cmd: string, args: string[], opts: SpawnOptions = {}, echo = false): Started {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        for (const c of children) c.kill('SIGKILL');
        process.exit(130);
      });
    }
  }
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...opts, env: { ...process.env, ...opts.env } });
  let tail = '';
  proc.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-8192);
    if (echo || process.env.VERBOSE) process.stderr.write(process.env.VERBOSE ? `[${name}] ${d}` : d);
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return { proc, name, log: () => tail };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stopChild(s: Started | ChildProcess, graceMs = 3000): Promise<void> {
  const p = 'proc' in s ? s.proc : s;
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

/** Resolves with the first stdout line matching `re` (its match), or rejects when the child exits or time runs out. */
export function waitForLine(s: Started, re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = line.match(re);
        if (m) return done(null, m);
      }
    };
    const onExit = (code: number | null) => done(new Error(`${s.name} exited (${code}) before it was ready:\n${s.log()}`));
    const timer = setTimeout(() => done(new Error(`${s.name} not ready after ${timeoutMs} ms:\n${s.log()}`)), timeoutMs);
    function done(err: Error | null, m?: RegExpMatchArray) {
      clearTimeout(timer);
      s.proc.stdout?.off('data', onData);
      s.proc.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    }
    s.proc.stdout?.on('data', onData);
    s.proc.once('exit', onExit);
  });
}

export { freePort } from '@omniroute/testkit';

/** Polls until `check` resolves truthy; throws with the last error after `timeoutMs`. */
export async function until<T>(check: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string, alive?: Started): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    if (alive && (alive.proc.exitCode !== null || alive.proc.signalCode !== null)) throw new Error(`${alive.name} exited while waiting for ${what}:\n${alive.log()}`);
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(150);
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms${last ? ` (${String(last)})` : ''}${alive ? `\n${alive.log()}` : ''}`);
}

/** CPU time (user + system) the process has used so far, in clock ticks. */
export function cpuTicks(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** A memory figure of /proc/<pid>/status (VmRSS, VmHWM) in MiB; NaN when the process is gone. */
export function memMb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every `everyMs` until stopped: peak and last, in MiB. */
export function rssSampler(pid: number, everyMs = 200) {
  let peak = memMb(pid, 'VmRSS');
  const iv = setInterval(() => {
    const v = memMb(pid, 'VmRSS');
    if (v > peak) peak = v;
  }, everyMs);
  return {
    stop() {
      clearInterval(iv);
      const v = memMb(pid, 'VmRSS');
      if (v > peak) peak = v;
      return { peakMb: round(peak, 1), lastMb: round(v, 1) };
    },
  };
}

/** CPU used by a set of processes between start() and stop(): cores busy on average, and machine-wide busy cores. */
export function cpuWindow(pids: Record<string, number>) {
  const t0 = Date.now();
  const sys0 = sysTicks();
  const c0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuTicks(pid)]));
  return {
    stop(): { seconds: number; cores: Record<string, number>; machineBusyCores: number } {
      const seconds = (Date.now() - t0) / 1000;
      const sys1 = sysTicks();
      const cores = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, round((cpuTicks(pid) - c0[k]!) / HZ / seconds, 3)]));
      const busy = 1 - (sys1.idle - sys0.idle) / Math.max(1, sys1.total - sys0.total);
      return { seconds, cores, machineBusyCores: round(busy * sys1.cores, 2) };
    },
  };
}

function sysTicks() {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const f = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: f[3]! + f[4]!, total: f.slice(0, 8).reduce((a, b) => a + b, 0), cores: lines.filter((l) => /^cpu\d/.test(l)).length };
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

/**
 * Runs the load generator (bench/lib/load.ts): warm-up and measured load in one process; `onMeasuring` is called
 * when the measured part starts, so CPU and memory windows can start with it.
 */
export function runLoadChild<T>(opts: object, onMeasuring: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const s = startChild('load', process.execPath, ['--import', 'tsx', 'bench/lib/load.ts', JSON.stringify(opts)]);
    let out = '';
    let measuring = false;
    s.proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!measuring && out.includes('MEASURING\n')) {
        measuring = true;
        onMeasuring();
      }
    });
    s.proc.once('exit', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && measuring) {
        try {
          return resolve(JSON.parse(last) as T);
        } catch {
          /* fall through */
        }
      }
      reject(new Error(`load generator failed (${code ?? signal}):\n${s.log()}\n${out.slice(-2000)}`));
    });
  });
}

/** Spawns `node --import tsx <file> <json>` and resolves with the JSON object on its last stdout line. */
export function runJsonChild<T>(name: string, file: string, arg: unknown, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; echo?: boolean; nodeArgs?: string[] } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const s = startChild(name, process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', file, JSON.stringify(arg)], { env: opts.env }, opts.echo);
    let out = '';
    s.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const timer = opts.timeoutMs ? setTimeout(() => s.proc.kill('SIGKILL'), opts.timeoutMs) : undefined;
    s.proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0) {
        try {
          return resolve(JSON.parse(last) as T);
        } catch {
          /* fall through */
        }
      }
      reject(new Error(`${name} failed (${code ?? signal}):\n${s.log()}\n${out.slice(-2000)}`));
    });
  });
}

export interface IpcChild extends Started {
  /** Sends a message and resolves with the child's next message of type `reply`. */
  request<T = any>(msg: object, reply: string, timeoutMs?: number): Promise<T>;
  /** The next message of this type. */
  next<T = any>(type: string, timeoutMs?: number): Promise<T>;
}

/** `node [nodeArgs] --import tsx <file> [args]` with an IPC channel; messages are `{ type, … }` objects. */
export function startIpcChild(name: string, file: string, args: string[] = [], opts: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): IpcChild {
  const s = startChild(name, process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', file, ...args], { env: opts.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  s.proc.stdout?.on('data', (d: Buffer) => process.env.VERBOSE && process.stderr.write(`[${name}] ${d}`));
  const next = <T>(type: string, timeoutMs = 120_000) =>
    new Promise<T>((resolve, reject) => {
      const onMsg = (m: { type?: string }) => {
        if (m?.type === type) finish(null, m as T);
      };
      const onExit = (code: number | null) => finish(new Error(`${name} exited (${code}) waiting for '${type}':\n${s.log()}`));
      const timer = setTimeout(() => finish(new Error(`${name}: no '${type}' within ${timeoutMs} ms:\n${s.log()}`)), timeoutMs);
      function finish(err: Error | null, m?: T) {
        clearTimeout(timer);
        s.proc.off('message', onMsg);
        s.proc.off('exit', onExit);
        if (err) reject(err);
        else resolve(m!);
      }
      s.proc.on('message', onMsg);
      s.proc.once('exit', onExit);
    });
  return {
    ...s,
    next,
    request<T>(msg: object, reply: string, timeoutMs?: number) {
      const p = next<T>(reply, timeoutMs);
      s.proc.send(msg);
      return p;
    },
  };
}

/** Closes the IPC channel (children exit on 'disconnect'), then stops the process like stopChild. */
export async function stopIpcChild(c: IpcChild) {
  if (c.proc.connected) c.proc.disconnect();
  const exited = c.proc.exitCode !== null || c.proc.signalCode !== null;
  if (!exited) await Promise.race([new Promise((r) => c.proc.once('exit', r)), sleep(5000)]);
  await stopChild(c);
}
