import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { BatchOptions, ConsumeOptions, Consumer, DomainEvent } from './types.ts';
import { keyOrder, laneOf, topicsOf, typeMatcher } from './util.ts';

export type Entry = [id: string, fields: string[] | null];
type StreamReply = [key: string, entries: Entry[]][] | null;

/** What a consumer needs from its bus: the command connection, a way to open its own blocking one, the layout and settings. */
export interface RedisConsumerHost {
  readonly cmd: Redis;
  connect(role: string, blocking: boolean): Redis;
  release(conn: Redis): Promise<void>;
  streamKey(topic: string): string;
  readonly topicsKey: string;
  readonly idleTimeoutMs: number;
  readonly claimIntervalMs: number;
  readonly blockMs: number;
  readonly batchSize: number;
  readonly staleConsumerMs: number;
  onError(error: unknown, context: Record<string, unknown>): void;
  /** Called once the consumer has stopped. */
  stopped(consumer: RedisStreamConsumer): void;
}

/**
 * One member of a consumer group over the Redis Streams of its topics: reads new entries (XREADGROUP on its own
 * blocking connection), acks each once its handler resolved, claims entries idle longer than idleTimeoutMs (crashed
 * members, failed handlers), keeps the entries it holds claimed with a heartbeat while it works on them, and removes
 * dead members' names from the group.
 */
export class RedisStreamConsumer implements Consumer {
  private readonly matches: (type: string) => boolean;
  /** Entries handled together (ConsumeOptions.batch). */
  private readonly batch: (Omit<BatchOptions, 'types'> & { matches: (type: string) => boolean }) | null;
  private readonly fixedTopics: string[] | null;
  private readonly startId: string;
  private readonly name = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly blk: Redis;
  /** Streams this consumer reads, each with the group created. */
  private keys: string[] = [];
  private lastRefresh = 0;
  private nextClaim = 0;
  private nextSweep: number;
  private stopping = false;
  private blockedId: number | null = null;
  private wake: (() => void) | null = null;
  /** Set when stop() gave up on a handler that does not resolve: its entries are left to other members. */
  private abandoned = false;
  private readonly heartbeats = new Set<NodeJS.Timeout>();
  private running: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly host: RedisConsumerHost,
    private readonly group: string,
    private readonly handler: (e: DomainEvent) => Promise<unknown>,
    opts: ConsumeOptions = {},
  ) {
    this.matches = typeMatcher(opts.types);
    this.batch = opts.batch && opts.batch.max >= 2 ? { max: Math.floor(opts.batch.max), key: opts.batch.key, handle: opts.batch.handle, matches: typeMatcher(opts.batch.types) } : null;
    this.fixedTopics = topicsOf(opts.types);
    this.startId = opts.from === 'new' ? '$' : '0';
    this.nextSweep = Date.now() + Math.min(60_000, host.staleConsumerMs);
    this.blk = host.connect(`consumer:${group}`, true);
  }

  /** Creates the groups of the streams it reads, then runs the read loop until stop(). */
  async start(): Promise<this> {
    await this.refreshStreams(true);
    this.running = this.loop();
    return this;
  }

  stop(): Promise<void> {
    this.stopped ??= this.stopNow();
    return this.stopped;
  }

  private async ensureGroup(key: string) {
    try {
      await this.host.cmd.xgroup('CREATE', key, this.group, this.startId, 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
  }

  private async refreshStreams(force = false) {
    if (!force && this.fixedTopics && this.keys.length > 0) return;
    if (!force && !this.fixedTopics && Date.now() - this.lastRefresh < this.host.blockMs) return;
    const topics = this.fixedTopics ?? (await this.host.cmd.smembers(this.host.topicsKey));
    const wanted = topics.map((t) => this.host.streamKey(t)).sort();
    const known = new Set(force ? [] : this.keys);
    for (const key of wanted) if (!known.has(key)) await this.ensureGroup(key);
    this.keys = wanted;
    this.lastRefresh = Date.now();
  }

  private async ack(key: string, id: string) {
    await this.host.cmd.xack(key, this.group, id);
  }

  /** Runs the handler for one entry; acks when it resolves (or when the entry is not for us). */
  private async processEntry(key: string, [id, fields]: Entry) {
    if (!fields) return; // trimmed away while pending: nothing to deliver
    let event: DomainEvent;
    try {
      event = eventOf(fields);
    } catch (error) {
      this.host.onError(error, { msg: 'unreadable stream entry; dropped', stream: key, group: this.group, id });
      return this.ack(key, id);
    }
    if (!this.matches(event.type)) return this.ack(key, id);
    try {
      await this.handler(event);
    } catch (error) {
      // Left pending: claimed again (by this or another member) after idleTimeoutMs.
      this.host.onError(error, { msg: 'event handler failed; will redeliver', group: this.group, eventId: event.id, type: event.type });
      return;
    }
    await this.ack(key, id);
  }

  /**
   * Handles entries this consumer now owns (just read or claimed). While they wait or run, a heartbeat
   * re-claims them every idleTimeoutMs/3 (XCLAIM … JUSTID with a min-idle equal to the time since our last
   * touch, so it never steals an entry another member took over), so a slow handler or a long batch is not
   * redelivered elsewhere while this process is alive; idleTimeoutMs only has to cover crash detection.
   */
  private async processBatch(key: string, entries: Entry[]) {
    const open = new Set(entries.filter(([, fields]) => fields).map(([id]) => id));
    const lost = new Set<string>();
    const beat = this.heartbeat(key, open, lost);
    try {
      for (let i = 0; i < entries.length; ) {
        if (this.abandoned) return;
        const together = this.batch ? this.together(entries, i, lost) : null;
        if (together) {
          await this.processTogether(key, together);
          for (const [id] of [...together.entries, ...together.skipped]) open.delete(id);
          i = together.next;
          continue;
        }
        const entry = entries[i++]!;
        if (!lost.has(entry[0])) await this.processEntry(key, entry);
        open.delete(entry[0]);
      }
    } finally {
      clearInterval(beat);
      this.heartbeats.delete(beat);
    }
  }

  /**
   * The entries from `from` on that may go together (ConsumeOptions.batch), up to its max: held by this member, of
   * the batch's types, each on a lane (an order's events) and key of its own, with only entries of types this
   * consumer does not handle between them (`skipped`: acked with them); `next`: the first entry after them. Null for
   * fewer than two.
   */
  private together(entries: Entry[], from: number, lost: Set<string>): { entries: Entry[]; events: DomainEvent[]; skipped: Entry[]; next: number } | null {
    const batch = this.batch!;
    const taken: Entry[] = [];
    const events: DomainEvent[] = [];
    const skipped: Entry[] = [];
    const lanes = new Set<string>();
    const keys = new Set<string>();
    let i = from;
    for (; i < entries.length && taken.length < batch.max; i++) {
      const [id, fields] = entries[i]!;
      if (!fields || lost.has(id)) break;
      let event: DomainEvent;
      try {
        event = eventOf(fields);
      } catch {
        break; // processEntry reports it
      }
      if (!this.matches(event.type)) {
        skipped.push(entries[i]!);
        continue;
      }
      if (!batch.matches(event.type)) break;
      const lane = laneOf(event);
      const k = batch.key?.(event) ?? null;
      if (lanes.has(lane) || (k !== null && keys.has(k))) break;
      lanes.add(lane);
      if (k !== null) keys.add(k);
      taken.push(entries[i]!);
      events.push(event);
    }
    return taken.length > 1 ? { entries: taken, events, skipped, next: i } : null;
  }

  /**
   * batch.handle with the entries' events (in key order), acked together with the skipped ones; when it fails, each
   * entry alone (processEntry), in stream order.
   */
  private async processTogether(key: string, { entries, events, skipped }: { entries: Entry[]; events: DomainEvent[]; skipped: Entry[] }) {
    try {
      await this.batch!.handle(keyOrder(events, this.batch!.key).map((i) => events[i]!));
    } catch {
      // (not reported: each is handled alone next, and reported there if it fails then)
      for (const entry of [...entries, ...skipped].sort(([a], [b]) => streamOrder(a, b))) {
        if (this.abandoned) return;
        await this.processEntry(key, entry);
      }
      return;
    }
    await this.host.cmd.xack(key, this.group, ...[...entries, ...skipped].map(([id]) => id));
  }

  /** Keeps the `open` entries claimed while they wait or run; those another member took over go to `lost`. */
  private heartbeat(key: string, open: Set<string>, lost: Set<string>): NodeJS.Timeout {
    const { idleTimeoutMs } = this.host;
    let touchedAt = Date.now();
    const beat = setInterval(() => {
      if (open.size === 0) return;
      const ids = [...open];
      const minIdle = Math.max(0, Date.now() - touchedAt - Math.floor(idleTimeoutMs / 4));
      const stamp = Date.now();
      void (this.host.cmd.xclaim(key, this.group, this.name, minIdle, ...ids, 'JUSTID') as Promise<string[]>).then(
        (kept) => {
          touchedAt = stamp;
          const keptSet = new Set(kept);
          for (const id of ids) if (!keptSet.has(id) && open.has(id)) lost.add(id);
        },
        () => undefined,
      );
    }, Math.max(10, Math.floor(idleTimeoutMs / 3)));
    this.heartbeats.add(beat);
    return beat;
  }

  /** Takes over entries idle longer than idleTimeoutMs (crashed consumers, failed handlers) and handles them. */
  private async claimIdle() {
    for (const key of this.keys) {
      let cursor = '0-0';
      for (let round = 0; round < 10 && !this.stopping; round++) {
        const [next, entries] = (await this.host.cmd.xautoclaim(key, this.group, this.name, this.host.idleTimeoutMs, cursor, 'COUNT', this.host.batchSize)) as [
          string,
          Entry[],
          string[],
        ];
        if (entries.length > 0) await this.processBatch(key, entries);
        cursor = next;
        if (cursor === '0-0' || this.stopping) break;
      }
    }
  }

  /**
   * Consumer names of processes that died stay in the group. Once they hold nothing (their entries were
   * claimed) and have been idle for staleConsumerMs, any member removes them. Checked once a minute.
   */
  private async sweepConsumers() {
    for (const key of this.keys) {
      const infos = (await this.host.cmd.xinfo('CONSUMERS', key, this.group)) as (string | number)[][];
      for (const info of infos) {
        const fields = new Map<string, string | number>();
        for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]!);
        const other = String(fields.get('name'));
        if (other !== this.name && Number(fields.get('pending')) === 0 && Number(fields.get('idle')) > this.host.staleConsumerMs) {
          await this.host.cmd.xgroup('DELCONSUMER', key, this.group, other);
        }
      }
    }
  }

  private pause(ms: number) {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async loop() {
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!(await this.step())) {
          await this.pause(this.host.blockMs);
          continue;
        }
        failures = 0;
      } catch (error) {
        this.blockedId = null;
        if (this.stopping) break;
        if (String((error as Error)?.message).includes('NOGROUP')) {
          // Stream or group gone (Redis restarted without persistence, key deleted): recreate and go on.
          await this.refreshStreams(true).catch(() => undefined);
          continue;
        }
        failures++;
        this.host.onError(error, { msg: 'consumer error; retrying', group: this.group });
        await this.pause(Math.min(100 * 2 ** failures, 5_000));
      }
    }
  }

  /** One turn of the loop: claims and sweeps when due, then one blocking read. False: no stream to read yet. */
  private async step(): Promise<boolean> {
    await this.refreshStreams();
    if (Date.now() >= this.nextClaim) {
      await this.claimIdle();
      this.nextClaim = Date.now() + this.host.claimIntervalMs;
    }
    if (Date.now() >= this.nextSweep) {
      this.nextSweep = Date.now() + 60_000;
      await this.sweepConsumers();
    }
    if (this.stopping) return true;
    if (this.keys.length === 0) return false;
    await this.readNew();
    return true;
  }

  /** XREADGROUP of new entries, blocking until some arrive or the next claim is due. */
  private async readNew() {
    const { keys } = this;
    const block = Math.max(1, Math.min(this.host.blockMs, this.nextClaim - Date.now()));
    // CLIENT ID is answered before XREADGROUP blocks, so stop() can CLIENT UNBLOCK this connection.
    const idReply = this.blk.client('ID').then((id) => (this.blockedId = Number(id)));
    const reply = (await this.blk.call(
      'XREADGROUP', 'GROUP', this.group, this.name, 'COUNT', this.host.batchSize, 'BLOCK', block, 'STREAMS', ...keys, ...keys.map(() => '>'),
    )) as StreamReply;
    await idReply;
    this.blockedId = null;
    // Entries already delivered to us are handled even when stopping: faster than waiting for a claim.
    for (const [key, entries] of reply ?? []) await this.processBatch(key, entries);
  }

  /** Whether the read loop ended within `ms`. */
  private settle(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([this.running.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]).finally(() => clearTimeout(timer));
  }

  private async stopNow() {
    this.stopping = true;
    this.wake?.();
    if (this.blockedId !== null) await this.host.cmd.client('UNBLOCK', this.blockedId).catch(() => undefined);
    if (!(await this.settle(500))) {
      // Still blocked (Redis unreachable, unblock raced a reconnect) or in a handler: drop the blocking
      // connection (acks go through the command connection), then give a running handler up to
      // idleTimeoutMs. One that never resolves is abandoned; its entry stays pending and is claimed by
      // another member.
      this.blk.disconnect();
      if (!(await this.settle(this.host.idleTimeoutMs))) {
        this.abandoned = true;
        for (const beat of this.heartbeats) clearInterval(beat);
        this.heartbeats.clear();
      }
    }
    await this.host.release(this.blk);
    await this.forgetName();
    this.host.stopped(this);
  }

  /** Forgets this consumer name if it holds nothing (a crashed consumer's entries are claimed instead). */
  private async forgetName() {
    if (this.host.cmd.status === 'end') return;
    for (const key of this.keys) {
      const pending = (await this.host.cmd.xpending(key, this.group, '-', '+', 1, this.name).catch(() => [1])) as unknown[];
      if (pending.length === 0) await this.host.cmd.xgroup('DELCONSUMER', key, this.group, this.name).catch(() => undefined);
    }
  }
}

/** Stream entry ids (`<ms>-<seq>`) in their order. */
function streamOrder(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

/** The event an entry carries (its field `e`); throws when it is unreadable. */
function eventOf(fields: string[]): DomainEvent {
  return JSON.parse(fields[fields.indexOf('e') + 1] ?? '') as DomainEvent;
}
