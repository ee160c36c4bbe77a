import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Consumer, ConsumeOptions, DomainEvent, EventBus, EventBusOptions, TypeFilter, Unlisten } from './types.ts';
import { defaultOnError, topicOf, topicsOf, typeMatcher, validateEvent } from './util.ts';
import { RedisStreamConsumer, type RedisConsumerHost } from './redis-consumer.ts';

// Layout (P = opts.stream, default 'omniroute'):
//   P:stream:<topic>   one Redis Stream per topic (the part of the type before the first '.'), entries
//                      { type, e: <DomainEvent JSON> }; trimmed by TRIM_SCRIPT, never past an unacked entry
//   P:epoch            random token set when the bus first connects; gone = Redis lost its data
//   P:topics           SET of topics ever published (how consumers without a type filter find the streams)
//   P:live:<topic>     Pub/Sub channel per topic for listen(); listeners without a filter PSUBSCRIBE P:live:*
// Consumer groups are created per stream (XGROUP CREATE … 0 MKSTREAM) under the group name given to consume().

/**
 * Per stream, atomically: the oldest entry some group has not acknowledged (its id: the smallest pending id, or
 * the entry after the group's last-delivered id), and, when the stream is longer than ARGV[1], trimming of the
 * entries before it (XTRIM MINID: never one a group still needs). A stream no group reads is capped at about
 * ARGV[1] entries. Returns { safe id or false, whether KEYS[2] (the epoch) exists, number of groups }.
 */
const TRIM_SCRIPT = `
local key, maxLen = KEYS[1], tonumber(ARGV[1])
local epoch = redis.call('EXISTS', KEYS[2])
if redis.call('EXISTS', key) == 0 then return {false, epoch, 0} end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local groups = redis.call('XINFO', 'GROUPS', key)
local len = redis.call('XLEN', key)
if #groups == 0 then
  if len > maxLen then redis.call('XTRIM', key, 'MAXLEN', '~', maxLen) end
  return {false, epoch, 0}
end
local safe = nil
for _, g in ipairs(groups) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
  local candidate
  if tonumber(f['pending']) > 0 then
    candidate = redis.call('XPENDING', key, f['name'])[2]
  else
    -- everything up to last-delivered is acked; the next entry after it is the first one the group still needs
    local nextEntry = redis.call('XRANGE', key, '(' .. f['last-delivered-id'], '+', 'COUNT', 1)[1]
    candidate = nextEntry and nextEntry[1] or nil
  end
  if candidate and (safe == nil or less(candidate, safe)) then safe = candidate end
end
if safe == nil then
  -- every group has acked everything: keep the last entry's id as the mark
  local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)[1]
  if len > maxLen and last then redis.call('XTRIM', key, 'MINID', last[1]) end
  return {false, epoch, #groups}
end
if len > maxLen then redis.call('XTRIM', key, 'MINID', safe) end
return {safe, epoch, #groups}
`;
/** QUIT (or drop) a connection and wait until its socket is closed, so nothing is left running. */
async function release(conn: Redis, connections: Set<Redis>) {
  connections.delete(conn);
  if (conn.status === 'end') return;
  const ended = new Promise<void>((r) => conn.once('end', () => r()));
  await within(conn.quit().catch(() => undefined), 1_000);
  if ((conn.status as string) !== 'end') conn.disconnect();
  await within(ended, 2_500);
}

async function within(p: Promise<unknown>, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

interface ListenerEntry {
  handler: (e: DomainEvent) => void;
  matches: (type: string) => boolean;
  topics: Set<string> | null;
}

/** listen(): live delivery over Pub/Sub (one channel per topic, a pattern for listeners without a filter), on one connection. */
class RedisLiveListeners {
  private sub: Redis | null = null;
  private readonly listeners = new Set<ListenerEntry>();
  private readonly channelRefs = new Map<string, { count: number; ready: Promise<unknown> }>();
  private patternRef: { count: number; ready: Promise<unknown> } | null = null;
  private readonly livePattern: string;

  constructor(
    private readonly prefix: string,
    private readonly connect: () => Redis,
    private readonly onError: (error: unknown, context: Record<string, unknown>) => void,
    private readonly closed: () => boolean,
  ) {
    this.livePattern = `${prefix}:live:*`;
  }

  private channel(topic: string) {
    return `${this.prefix}:live:${topic}`;
  }

  private subscriber(): Redis {
    if (this.sub) return this.sub;
    const conn = this.connect();
    conn.on('message', (ch: string, json: string) => {
      const topic = ch.slice(this.prefix.length + ':live:'.length);
      this.deliver(json, (l) => l.topics !== null && l.topics.has(topic));
    });
    conn.on('pmessage', (_pattern: string, _ch: string, json: string) => this.deliver(json, (l) => l.topics === null));
    this.sub = conn;
    return conn;
  }

  private deliver(json: string, wants: (l: ListenerEntry) => boolean) {
    let event: DomainEvent | undefined;
    for (const l of this.listeners) {
      if (!wants(l)) continue;
      try {
        event ??= JSON.parse(json) as DomainEvent;
        if (l.matches(event.type)) l.handler(event);
      } catch (error) {
        this.onError(error, { msg: 'listener failed', type: event?.type });
      }
    }
  }

  listen(handler: (e: DomainEvent) => void, listenOpts: TypeFilter = {}): Unlisten {
    if (this.closed()) return Object.assign(() => undefined, { ready: Promise.resolve() });
    const topics = topicsOf(listenOpts.types);
    const entry: ListenerEntry = { handler, matches: typeMatcher(listenOpts.types), topics: topics && new Set(topics) };
    const conn = this.subscriber();
    this.listeners.add(entry);
    const waits = topics === null ? [this.refPattern(conn)] : topics.map((topic) => this.refChannel(conn, topic));
    let active = true;
    const unlisten = () => {
      if (!active) return;
      active = false;
      this.listeners.delete(entry);
      if (this.closed() || this.sub !== conn) return;
      if (topics === null) this.unrefPattern(conn);
      else for (const topic of topics) this.unrefChannel(conn, topic);
    };
    return Object.assign(unlisten, { ready: Promise.all(waits).then(() => undefined) });
  }

  private refPattern(conn: Redis): Promise<unknown> {
    this.patternRef ??= { count: 0, ready: conn.psubscribe(this.livePattern) };
    this.patternRef.count++;
    return this.patternRef.ready;
  }

  private refChannel(conn: Redis, topic: string): Promise<unknown> {
    let ref = this.channelRefs.get(topic);
    if (!ref) this.channelRefs.set(topic, (ref = { count: 0, ready: conn.subscribe(this.channel(topic)) }));
    ref.count++;
    return ref.ready;
  }

  private unrefPattern(conn: Redis) {
    if (this.patternRef && --this.patternRef.count === 0) {
      this.patternRef = null;
      conn.punsubscribe(this.livePattern).catch(() => undefined);
    }
  }

  private unrefChannel(conn: Redis, topic: string) {
    const ref = this.channelRefs.get(topic);
    if (ref && --ref.count === 0) {
      this.channelRefs.delete(topic);
      conn.unsubscribe(this.channel(topic)).catch(() => undefined);
    }
  }

  /** On close: forgets every listener and subscription (the connection is released with the others). */
  clear() {
    this.listeners.clear();
    this.channelRefs.clear();
    this.patternRef = null;
    this.sub = null;
  }
}

/**
 * Upkeep of the streams this bus publishes to: trims what every group acknowledged, and tells the relays when
 * Redis lost its data (the epoch key changed or vanished) and since when what was published may be gone.
 */
class StreamUpkeep {
  private epoch: string | null = null;
  private readonly lossListeners = new Set<(since?: Date, until?: Date) => void>();
  /** A loss this process may have inherited (found at its first epoch check): told to every listener, also late ones. */
  private inherited: { since: Date; until: Date } | null = null;
  /** Per topic published here: the oldest entry some group had not acknowledged at the last check (ms). */
  private readonly unackedSince = new Map<string, number>();
  private readonly lastMaintained = new Map<string, number>();
  private maintaining = false;
  /** Topics whose stream had no consumer group at the last check. */
  private readonly ungrouped = new Set<string>();
  /** Settles after the first epoch check (whatever its outcome); publish waits for it, see `beforePublish`. */
  private firstCheckDone = false;
  private readonly firstCheck: Promise<void>;
  private settleFirstCheck!: () => void;

  constructor(
    private readonly cmd: Redis,
    private readonly o: {
      streamKey: (topic: string) => string;
      epochKey: string;
      maxLen: number;
      onError: NonNullable<EventBusOptions['onError']>;
      isClosed: () => boolean;
    },
  ) {
    this.firstCheck = new Promise((resolve) => (this.settleFirstCheck = resolve));
    cmd.on('ready', () =>
      void this.checkEpoch()
        .catch((error: unknown) => !o.isClosed() && o.onError(error, { msg: 'epoch check failed' }))
        .finally(() => {
          this.firstCheckDone = true;
          this.settleFirstCheck();
        }),
    );
  }

  /**
   * The first publish waits (at most `maxWaitMs`) for the first epoch check: what this process publishes after
   * it lands in the Redis the check saw, so a loss inherited at start-up never covers this process's own rows
   * (relays only republish rows marked before they hear of the loss). Without the wait, a relay that published
   * right after start on a fresh Redis had those rows republished as "possibly lost".
   */
  async beforePublish(maxWaitMs = 5_000): Promise<void> {
    if (this.firstCheckDone) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.firstCheck, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
    clearTimeout(timer);
  }

  notePublished(topic: string, now: number) {
    if (!this.unackedSince.has(topic)) this.unackedSince.set(topic, now);
  }

  isUngrouped(topic: string) {
    return this.ungrouped.has(topic);
  }

  onDataLoss(listener: (since?: Date, until?: Date) => void) {
    this.lossListeners.add(listener);
    const inherited = this.inherited;
    if (inherited) queueMicrotask(() => this.lossListeners.has(listener) && listener(inherited.since, inherited.until));
    return () => void this.lossListeners.delete(listener);
  }

  /** At most once a second per topic: trim what every group acknowledged, note what is not, check the epoch. */
  maintain(topic: string) {
    const now = Date.now();
    if (this.maintaining || now - (this.lastMaintained.get(topic) ?? 0) < 1_000) return;
    this.lastMaintained.set(topic, now);
    this.maintaining = true;
    void (this.cmd.eval(TRIM_SCRIPT, 2, this.o.streamKey(topic), this.o.epochKey, this.o.maxLen) as Promise<[string | null, number, number]>)
      .then(async ([safe, hasEpoch, groupCount]) => {
        if (groupCount === 0) this.ungrouped.add(topic);
        else this.ungrouped.delete(topic);
        // Without an unacknowledged entry, only what is published after this check can be lost.
        this.unackedSince.set(topic, safe ? Number(safe.split('-')[0]) : now);
        if (!hasEpoch) await this.checkEpoch();
      })
      .catch((error: unknown) => {
        if (!this.o.isClosed()) this.o.onError(error, { msg: 'stream maintenance failed', topic });
      })
      .finally(() => (this.maintaining = false));
  }

  /**
   * On every (re)connect and when maintenance finds the epoch gone: a missing or different epoch means this
   * Redis no longer holds what was published before (restart without persistence, flush), so relays republish.
   */
  private async checkEpoch() {
    const mine = `${Date.now()}.${hostname()}-${process.pid}-${randomBytes(6).toString('hex')}`;
    const created = await this.cmd.set(this.o.epochKey, mine, 'NX');
    const current = created ? mine : await this.cmd.get(this.o.epochKey);
    const first = this.epoch === null;
    const lost = !first && current !== this.epoch;
    this.epoch = current;
    // A process that starts cannot know whether the one before it (SIGKILLed right after a Redis restart) saw the
    // loss: if this Redis's epoch is younger than an hour, what was published in the 5 minutes before it began may
    // be gone, so relays publish those rows again (consumers skip what they had handled). Found by npm run chaos:
    // Redis restarted empty, commerce killed 2.7 s later, 4 order.cancelled never reached finance and logistics.
    const bornAt = first && current ? Number(current.split('.')[0]) : NaN;
    if (first && Number.isFinite(bornAt) && Date.now() - bornAt < 3_600_000) {
      this.inherited = { since: new Date(bornAt - 5 * 60_000), until: new Date(bornAt + 2_000) };
      for (const l of this.lossListeners) l(this.inherited.since, this.inherited.until);
    }
    if (!lost) return;
    // Entries published after the oldest unacknowledged one we saw may be gone (2 s for clock differences).
    const marks = [...this.unackedSince.values()];
    const since = marks.length > 0 ? new Date(Math.min(...marks) - 2_000) : undefined;
    this.unackedSince.clear();
    this.lastMaintained.clear();
    this.o.onError(new Error('Redis lost its data'), { msg: 'event streams lost; outbox relays republish', since: since?.toISOString() });
    for (const l of this.lossListeners) l(since);
  }
}

export function createRedisBus(opts: EventBusOptions & { redisUrl: string }): EventBus {
  const prefix = opts.stream ?? 'omniroute';
  const idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  const claimIntervalMs = opts.claimIntervalMs ?? Math.max(10, Math.min(Math.floor(idleTimeoutMs / 2), 5_000));
  const blockMs = Math.max(1, opts.blockMs ?? 2_000);
  const maxLen = opts.maxLen ?? 100_000;
  const batchSize = opts.batchSize ?? 50;
  const staleConsumerMs = opts.staleConsumerMs ?? 3_600_000;
  const onError = opts.onError ?? defaultOnError;
  const streamKey = (topic: string) => `${prefix}:stream:${topic}`;
  const channel = (topic: string) => `${prefix}:live:${topic}`;
  const topicsKey = `${prefix}:topics`;

  let closed = false;
  let closing: Promise<void> | null = null;
  const connections = new Set<Redis>();
  const consumers = new Set<RedisStreamConsumer>();

  function connect(role: string, blocking = false): Redis {
    const conn = new Redis(opts.redisUrl, {
      protocol: 2,
      connectionName: `${prefix}:${role}`,
      // Blocking readers wait through reconnects; publishers fail after a few retries so callers can retry.
      maxRetriesPerRequest: blocking ? null : 20,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 2_000),
    });
    let reported = false;
    conn.on('error', (error) => {
      if (reported || closed) return;
      reported = true; // once per outage, not once per reconnect attempt
      onError(error, { msg: 'redis connection error; reconnecting', role });
    });
    conn.on('ready', () => (reported = false));
    connections.add(conn);
    return conn;
  }

  const cmd = connect('cmd');
  const streams = new StreamUpkeep(cmd, { streamKey, epochKey: `${prefix}:epoch`, maxLen, onError, isClosed: () => closed });

  // ---- publish --------------------------------------------------------------------------------------------

  async function publish(events: DomainEvent[]) {
    if (closed) throw new Error('EventBus is closed');
    if (events.length === 0) return;
    for (const e of events) validateEvent(e);
    await streams.beforePublish();
    const pipe = cmd.pipeline();
    const topics = new Set<string>();
    const now = Date.now();
    for (const e of events) streams.notePublished(topicOf(e.type), now);
    for (const e of events) {
      const topic = topicOf(e.type);
      const json = JSON.stringify(e);
      topics.add(topic);
      // A stream no group reads (live-only facts such as positions) is capped as it grows; others by maintain().
      if (streams.isUngrouped(topic)) pipe.xadd(streamKey(topic), 'MAXLEN', '~', maxLen, '*', 'type', e.type, 'e', json);
      else pipe.xadd(streamKey(topic), '*', 'type', e.type, 'e', json);
      pipe.publish(channel(topic), json);
    }
    pipe.sadd(topicsKey, ...topics);
    const results = (await pipe.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    for (const topic of topics) streams.maintain(topic);
  }

  // ---- consume --------------------------------------------------------------------------------------------

  const consumerHost: RedisConsumerHost = {
    cmd, connect, release: (conn) => release(conn, connections), streamKey, topicsKey, idleTimeoutMs, claimIntervalMs, blockMs, batchSize, staleConsumerMs, onError,
    stopped: (c) => void consumers.delete(c),
  };
  async function consume(group: string, handler: (e: DomainEvent) => Promise<unknown>, consumeOpts: ConsumeOptions = {}): Promise<Consumer> {
    if (closed || closing) throw new Error('EventBus is closed');
    const consumer = await new RedisStreamConsumer(consumerHost, group, handler, consumeOpts).start();
    consumers.add(consumer);
    return consumer;
  }

  // ---- listen ---------------------------------------------------------------------------------------------

  const live = new RedisLiveListeners(prefix, () => connect('listen'), onError, () => closed);
  const listen = (handler: (e: DomainEvent) => void, listenOpts: TypeFilter = {}): Unlisten => live.listen(handler, listenOpts);

  // ---- close ----------------------------------------------------------------------------------------------

  function close() {
    closing ??= closeNow();
    return closing;
  }
  async function closeNow() {
    await Promise.allSettled([...consumers].map((c) => c.stop()));
    closed = true;
    live.clear();
    await Promise.allSettled([...connections].map((c) => release(c, connections)));
  }

  return { publish, consume, listen, close, onDataLoss: (listener) => streams.onDataLoss(listener) };
}
