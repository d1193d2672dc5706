// Container logs: a bounded ring of lines per container instance (current and previous), written lazily.
// Lines are only generated when someone reads or follows a container, so a 1000-pod cluster costs nothing until
// its logs are looked at; the timestamps still follow the configured rate as if the container had been writing all along.
import type { LineGenerator } from './log-lines.ts';
import { createGenerator } from './log-profiles.ts';
import { createRandom, hashString, type Random } from './random.ts';

export type LogLine = { time: number; text: string };

export type LogEnding = 'error' | 'oom' | 'complete';

type Instance = {
  startedAt: number;
  finishedAt: number | null;
  ending: LogEnding | null;
  endingWritten: boolean;
  startupWritten: boolean;
  generatedUntil: number;
  lines: LogLine[];
};

type Follower = { push(lines: LogLine[]): void; end(): void };

type ContainerLog = {
  generator: LineGenerator;
  random: Random;
  /** Lines per second for this container; 0 = only startup/ending lines and emitted ones. */
  rate: number;
  current: Instance | null;
  previous: Instance | null;
  followers: Set<Follower>;
};

export type LogReadOptions = { tailLines?: number; sinceMs?: number };

export type LogHub = {
  /** Register a container's log stream (idempotent). */
  register(key: string, profile: string): void;
  /** A new instance starts writing; the current one (if any) becomes `previous`. */
  start(key: string, startedAt: number): void;
  /** The current instance stops: its last lines are written and followers are told the stream ended. */
  finish(key: string, finishedAt: number, ending: LogEnding): void;
  /** The pod is gone: end followers and forget the logs. */
  remove(key: string): void;
  has(key: string, previous: boolean): boolean;
  read(key: string, previous: boolean, options: LogReadOptions): LogLine[];
  /** Follow the current instance; returns an unsubscribe function, or null when nothing runs. */
  follow(key: string, follower: Follower): (() => void) | null;
  /** Append lines now (tests, benchmarks); false when the container has no running instance. */
  emit(key: string, texts: string[]): boolean;
  stop(): void;
};

export type LogHubOptions = { linesPerSecond: number; ringLines: number; seed: number; pumpMs?: number };

function newInstance(startedAt: number): Instance {
  return { startedAt, finishedAt: null, ending: null, endingWritten: false, startupWritten: false, generatedUntil: startedAt, lines: [] };
}

export function createLogHub(options: LogHubOptions): LogHub {
  const logs = new Map<string, ContainerLog>();
  const followed = new Set<ContainerLog>();
  const ring = Math.max(10, options.ringLines);
  let pump: ReturnType<typeof setInterval> | null = null;

  const append = (instance: Instance, time: number, texts: string[], out?: LogLine[]): void => {
    for (const text of texts) {
      const line = { time, text };
      instance.lines.push(line);
      out?.push(line);
    }
    // Trim in batches so the ring stays amortised O(1) per line.
    if (instance.lines.length > ring * 1.25) instance.lines.splice(0, instance.lines.length - ring);
  };

  // Bring an instance's lines up to `until` (ms). New lines are also collected into `out` for followers.
  const materialize = (log: ContainerLog, instance: Instance, until: number, out?: LogLine[]): void => {
    if (!instance.startupWritten) {
      instance.startupWritten = true;
      append(instance, instance.startedAt, log.generator.startup(instance.startedAt), out);
    }
    const target = instance.finishedAt === null ? until : Math.min(until, instance.finishedAt);
    if (log.rate > 0 && target > instance.generatedUntil) {
      // Writing more than a ring's worth would only be thrown away: skip ahead to the last ring-full of time.
      const span = (ring / log.rate) * 1000;
      let t = Math.max(instance.generatedUntil, target - span);
      for (;;) {
        // Exponential gaps make a Poisson process: bursts and lulls, like real output.
        t += (-Math.log(1 - log.random.next()) / log.rate) * 1000;
        if (t > target) break;
        append(instance, t, log.generator.next(t), out);
      }
    }
    if (target > instance.generatedUntil) instance.generatedUntil = target;
    if (instance.finishedAt !== null && instance.ending && !instance.endingWritten && until >= instance.finishedAt) {
      instance.endingWritten = true;
      const at = instance.finishedAt;
      const texts = instance.ending === 'complete' ? log.generator.complete(at) : log.generator.crash(at, instance.ending);
      append(instance, at, texts, out);
    }
  };

  const deliver = (log: ContainerLog, lines: LogLine[]): void => {
    if (lines.length === 0) return;
    for (const follower of log.followers) follower.push(lines);
  };

  // Followed containers are written in near real time; everything else waits until it is read.
  const runPump = (): void => {
    const now = Date.now();
    for (const log of followed) {
      if (!log.current) continue;
      const fresh: LogLine[] = [];
      materialize(log, log.current, now, fresh);
      deliver(log, fresh);
    }
  };

  const updatePump = (): void => {
    if (followed.size > 0 && pump === null) pump = setInterval(runPump, options.pumpMs ?? 25);
    if (followed.size === 0 && pump !== null) {
      clearInterval(pump);
      pump = null;
    }
  };

  const endFollowers = (log: ContainerLog): void => {
    for (const follower of log.followers) follower.end();
    log.followers.clear();
    followed.delete(log);
    updatePump();
  };

  return {
    register(key, profile) {
      if (logs.has(key)) return;
      const random = createRandom(hashString(key) ^ options.seed);
      const generator = createGenerator(profile, random.fork(), key.split('/')[2] ?? 'app');
      logs.set(key, { generator, random, rate: options.linesPerSecond * generator.rate, current: null, previous: null, followers: new Set() });
    },
    start(key, startedAt) {
      const log = logs.get(key);
      if (!log) return;
      if (log.current) log.previous = log.current;
      log.current = newInstance(startedAt);
    },
    finish(key, finishedAt, ending) {
      const log = logs.get(key);
      if (!log?.current || log.current.finishedAt !== null) return;
      log.current.finishedAt = finishedAt;
      log.current.ending = ending;
      if (log.followers.size > 0) {
        const fresh: LogLine[] = [];
        materialize(log, log.current, finishedAt, fresh);
        deliver(log, fresh);
        endFollowers(log);
      }
    },
    remove(key) {
      const log = logs.get(key);
      if (!log) return;
      endFollowers(log);
      logs.delete(key);
    },
    has(key, previous) {
      const log = logs.get(key);
      return Boolean(previous ? log?.previous : log?.current);
    },
    read(key, previous, readOptions) {
      const log = logs.get(key);
      const instance = previous ? log?.previous : log?.current;
      if (!log || !instance) return [];
      materialize(log, instance, Date.now());
      let lines = instance.lines.length > ring ? instance.lines.slice(-ring) : instance.lines;
      // The kubelet applies tailLines first, then drops lines older than since.
      if (readOptions.tailLines !== undefined) lines = readOptions.tailLines <= 0 ? [] : lines.slice(-readOptions.tailLines);
      if (readOptions.sinceMs !== undefined) {
        const since = readOptions.sinceMs;
        lines = lines.filter((line) => line.time >= since);
      }
      return lines === instance.lines ? lines.slice() : lines;
    },
    follow(key, follower) {
      const log = logs.get(key);
      if (!log?.current || log.current.finishedAt !== null) return null;
      log.followers.add(follower);
      followed.add(log);
      updatePump();
      return () => {
        log.followers.delete(follower);
        if (log.followers.size === 0) followed.delete(log);
        updatePump();
      };
    },
    emit(key, texts) {
      const log = logs.get(key);
      if (!log?.current || log.current.finishedAt !== null) return false;
      const now = Date.now();
      const fresh: LogLine[] = [];
      materialize(log, log.current, now, fresh);
      // A container's log is in time order (a resumed request relies on it): a line emitted before the
      // instance's start time (a new pod starts a few seconds ahead) carries that start time.
      append(log.current, Math.max(now, log.current.startedAt), texts, fresh);
      deliver(log, fresh);
      return true;
    },
    stop() {
      for (const log of logs.values()) endFollowers(log);
      if (pump !== null) clearInterval(pump);
      pump = null;
    },
  };
}

/** RFC 3339 with nanoseconds, as the kubelet prefixes lines when `timestamps=true`. */
export function formatLogTimestamp(time: number): string {
  const whole = Math.floor(time);
  const nanos = Math.floor((time - whole) * 1_000_000);
  return `${new Date(whole).toISOString().slice(0, 23)}${String(nanos).padStart(6, '0')}Z`;
}
