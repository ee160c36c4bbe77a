import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Consumer, ConsumeOptions, DomainEvent, EventBus, EventBusOptions, TypeFilter, Unlisten } from './types.ts';
import { defaultOnError, topicOf, topicsOf, typeMatcher, validateEvent } from './util.ts';

// Layout (P = opts.stream, default 'omniroute'):
//   P:stream:<topic>   one Redis Stream per topic (the part of the type before the first '.'), entries
//                      { type, e: <DomainEvent JSON> }; trimmed by TRIM_SCRIPT, never past an unacked entry
//   P:epoch            random token set when the bus first connects; gone = Redis lost its data
//   P:topics           SET of topics ever published (how consumers without a type filter find the streams)
//   P:live:<topic>     Pub/Sub channel per topic for listen(); listeners without a filter PSUBSCRIBE P:live:*
// Consumer groups are created per stream (XGROUP CREATE … 0 MKSTREAM) under the group name given to consume().

type Entry = [id: string, fields: string[] | null];

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
type StreamReply = [key: string, entries: Entry[]][] | null;

interface ListenerEntry {
  handler: (e: DomainEvent) => void;
  matches: (type: string) => boolean;
  topics: Set<string> | null;
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
  const livePattern = `${prefix}:live:*`;

  let closed = false;
  let closing: Promise<void> | null = null;
  const connections = new Set<Redis>();
  const consumers = new Set<{ stop(): Promise<void> }>();

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

  /** QUIT (or drop) a connection and wait until its socket is closed, so nothing is left running. */
  async function release(conn: Redis) {
    connections.delete(conn);
    if (conn.status === 'end') return;
    const ended = new Promise<void>((r) => conn.once('end', () => r()));
    const within = async (p: Promise<unknown>, ms: number) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
      clearTimeout(timer);
    };
    await within(conn.quit().catch(() => undefined), 1_000);
    if ((conn.status as string) !== 'end') conn.disconnect();
    await within(ended, 2_500);
  }

  const cmd = connect('cmd');
  const epochKey = `${prefix}:epoch`;
  let epoch: string | null = null;
  const lossListeners = new Set<(since?: Date) => void>();
  /** Per topic published here: the oldest entry some group had not acknowledged at the last check (ms). */
  const unackedSince = new Map<string, number>();
  const lastMaintained = new Map<string, number>();
  let maintaining = false;
  /** Topics whose stream had no consumer group at the last check. */
  const ungrouped = new Set<string>();

  // ---- publish --------------------------------------------------------------------------------------------

  async function publish(events: DomainEvent[]) {
    if (closed) throw new Error('EventBus is closed');
    if (events.length === 0) return;
    for (const e of events) validateEvent(e);
    const pipe = cmd.pipeline();
    const topics = new Set<string>();
    const now = Date.now();
    for (const e of events) if (!unackedSince.has(topicOf(e.type))) unackedSince.set(topicOf(e.type), now);
    for (const e of events) {
      const topic = topicOf(e.type);
      const json = JSON.stringify(e);
      topics.add(topic);
      // A stream no group reads (live-only facts such as positions) is capped as it grows; others by maintain().
      if (ungrouped.has(topic)) pipe.xadd(streamKey(topic), 'MAXLEN', '~', maxLen, '*', 'type', e.type, 'e', json);
      else pipe.xadd(streamKey(topic), '*', 'type', e.type, 'e', json);
      pipe.publish(channel(topic), json);
    }
    pipe.sadd(topicsKey, ...topics);
    const results = (await pipe.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    for (const topic of topics) maintain(topic);
  }

  // ---- trimming and data loss -----------------------------------------------------------------------------


  /** At most once a second per topic: trim what every group acknowledged, note what is not, check the epoch. */
  function maintain(topic: string) {
    const now = Date.now();
    if (maintaining || now - (lastMaintained.get(topic) ?? 0) < 1_000) return;
    lastMaintained.set(topic, now);
    maintaining = true;
    void (cmd.eval(TRIM_SCRIPT, 2, streamKey(topic), epochKey, maxLen) as Promise<[string | null, number, number]>)
      .then(async ([safe, hasEpoch, groupCount]) => {
        if (groupCount === 0) ungrouped.add(topic);
        else ungrouped.delete(topic);
        // Without an unacknowledged entry, only what is published after this check can be lost.
        unackedSince.set(topic, safe ? Number(safe.split('-')[0]) : now);
        if (!hasEpoch) await checkEpoch();
      })
      .catch((error: unknown) => {
        if (!closed) onError(error, { msg: 'stream maintenance failed', topic });
      })
      .finally(() => (maintaining = false));
  }

  /**
   * On every (re)connect and when maintenance finds the epoch gone: a missing or different epoch means this
   * Redis no longer holds what was published before (restart without persistence, flush), so relays republish.
   */
  async function checkEpoch() {
    const mine = `${hostname()}-${process.pid}-${randomBytes(6).toString('hex')}`;
    const created = await cmd.set(epochKey, mine, 'NX');
    const current = created ? mine : await cmd.get(epochKey);
    const lost = epoch !== null && current !== epoch;
    epoch = current;
    if (!lost) return;
    // Entries published after the oldest unacknowledged one we saw may be gone (2 s for clock differences).
    const marks = [...unackedSince.values()];
    const since = marks.length > 0 ? new Date(Math.min(...marks) - 2_000) : undefined;
    unackedSince.clear();
    lastMaintained.clear();
    onError(new Error('Redis lost its data'), { msg: 'event streams lost; outbox relays republish', since: since?.toISOString() });
    for (const l of lossListeners) l(since);
  }
  cmd.on('ready', () => void checkEpoch().catch((error: unknown) => !closed && onError(error, { msg: 'epoch check failed' })));

  function onDataLoss(listener: (since?: Date) => void) {
    lossListeners.add(listener);
    return () => void lossListeners.delete(listener);
  }

  // ---- consume --------------------------------------------------------------------------------------------

  async function consume(group: string, handler: (e: DomainEvent) => Promise<unknown>, consumeOpts: ConsumeOptions = {}): Promise<Consumer> {
    if (closed || closing) throw new Error('EventBus is closed');
    const matches = typeMatcher(consumeOpts.types);
    const fixedTopics = topicsOf(consumeOpts.types);
    const startId = consumeOpts.from === 'new' ? '$' : '0';
    const name = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const blk = connect(`consumer:${group}`, true);
    /** Streams this consumer reads, each with the group created. */
    let keys: string[] = [];
    let lastRefresh = 0;
    let nextClaim = 0;
    let nextSweep = Date.now() + Math.min(60_000, staleConsumerMs);
    let stopping = false;
    let blockedId: number | null = null;
    let wake: (() => void) | null = null;
    /** Set when stop() gave up on a handler that does not resolve: its entries are left to other members. */
    let abandoned = false;
    const heartbeats = new Set<NodeJS.Timeout>();

    async function ensureGroup(key: string) {
      try {
        await cmd.xgroup('CREATE', key, group, startId, 'MKSTREAM');
      } catch (error) {
        if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
      }
    }

    async function refreshStreams(force = false) {
      if (!force && fixedTopics && keys.length > 0) return;
      if (!force && !fixedTopics && Date.now() - lastRefresh < blockMs) return;
      const topics = fixedTopics ?? (await cmd.smembers(topicsKey));
      const wanted = topics.map(streamKey).sort();
      const known = new Set(force ? [] : keys);
      for (const key of wanted) if (!known.has(key)) await ensureGroup(key);
      keys = wanted;
      lastRefresh = Date.now();
    }

    async function ack(key: string, id: string) {
      await cmd.xack(key, group, id);
    }

    /** Runs the handler for one entry; acks when it resolves (or when the entry is not for us). */
    async function processEntry(key: string, [id, fields]: Entry) {
      if (!fields) return; // trimmed away while pending: nothing to deliver
      const json = fields[fields.indexOf('e') + 1];
      let event: DomainEvent;
      try {
        event = JSON.parse(json ?? '') as DomainEvent;
      } catch (error) {
        onError(error, { msg: 'unreadable stream entry; dropped', stream: key, group, id });
        return ack(key, id);
      }
      if (!matches(event.type)) return ack(key, id);
      try {
        await handler(event);
      } catch (error) {
        // Left pending: claimed again (by this or another member) after idleTimeoutMs.
        onError(error, { msg: 'event handler failed; will redeliver', group, eventId: event.id, type: event.type });
        return;
      }
      await ack(key, id);
    }

    /**
     * Handles entries this consumer now owns (just read or claimed). While they wait or run, a heartbeat
     * re-claims them every idleTimeoutMs/3 (XCLAIM … JUSTID with a min-idle equal to the time since our last
     * touch, so it never steals an entry another member took over), so a slow handler or a long batch is not
     * redelivered elsewhere while this process is alive; idleTimeoutMs only has to cover crash detection.
     */
    async function processBatch(key: string, entries: Entry[]) {
      const open = new Set(entries.filter(([, fields]) => fields).map(([id]) => id));
      const lost = new Set<string>();
      let touchedAt = Date.now();
      const beat = setInterval(() => {
        if (open.size === 0) return;
        const ids = [...open];
        const minIdle = Math.max(0, Date.now() - touchedAt - Math.floor(idleTimeoutMs / 4));
        const stamp = Date.now();
        void (cmd.xclaim(key, group, name, minIdle, ...ids, 'JUSTID') as Promise<string[]>).then(
          (kept) => {
            touchedAt = stamp;
            const keptSet = new Set(kept);
            for (const id of ids) if (!keptSet.has(id) && open.has(id)) lost.add(id);
          },
          () => undefined,
        );
      }, Math.max(10, Math.floor(idleTimeoutMs / 3)));
      heartbeats.add(beat);
      try {
        for (const entry of entries) {
          if (abandoned) return;
          if (!lost.has(entry[0])) await processEntry(key, entry);
          open.delete(entry[0]);
        }
      } finally {
        clearInterval(beat);
        heartbeats.delete(beat);
      }
    }

    /** Takes over entries idle longer than idleTimeoutMs (crashed consumers, failed handlers) and handles them. */
    async function claimIdle() {
      for (const key of keys) {
        let cursor = '0-0';
        for (let round = 0; round < 10 && !stopping; round++) {
          const [next, entries] = (await cmd.xautoclaim(key, group, name, idleTimeoutMs, cursor, 'COUNT', batchSize)) as [string, Entry[], string[]];
          if (entries.length > 0) await processBatch(key, entries);
          cursor = next;
          if (cursor === '0-0' || stopping) break;
        }
      }
    }

    /**
     * Consumer names of processes that died stay in the group. Once they hold nothing (their entries were
     * claimed) and have been idle for staleConsumerMs, any member removes them. Checked once a minute.
     */
    async function sweepConsumers() {
      for (const key of keys) {
        const infos = (await cmd.xinfo('CONSUMERS', key, group)) as (string | number)[][];
        for (const info of infos) {
          const fields = new Map<string, string | number>();
          for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]!);
          const other = String(fields.get('name'));
          if (other !== name && Number(fields.get('pending')) === 0 && Number(fields.get('idle')) > staleConsumerMs) {
            await cmd.xgroup('DELCONSUMER', key, group, other);
          }
        }
      }
    }

    function pause(ms: number) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }

    async function loop() {
      let failures = 0;
      while (!stopping) {
        try {
          await refreshStreams();
          if (Date.now() >= nextClaim) {
            await claimIdle();
            nextClaim = Date.now() + claimIntervalMs;
          }
          if (Date.now() >= nextSweep) {
            nextSweep = Date.now() + 60_000;
            await sweepConsumers();
          }
          if (stopping) break;
          if (keys.length === 0) {
            await pause(blockMs);
            continue;
          }
          const block = Math.max(1, Math.min(blockMs, nextClaim - Date.now()));
          // CLIENT ID is answered before XREADGROUP blocks, so stop() can CLIENT UNBLOCK this connection.
          const idReply = blk.client('ID').then((id) => (blockedId = Number(id)));
          const reply = (await blk.call(
            'XREADGROUP', 'GROUP', group, name, 'COUNT', batchSize, 'BLOCK', block, 'STREAMS', ...keys, ...keys.map(() => '>'),
          )) as StreamReply;
          await idReply;
          blockedId = null;
          // Entries already delivered to us are handled even when stopping: faster than waiting for a claim.
          for (const [key, entries] of reply ?? []) await processBatch(key, entries);
          failures = 0;
        } catch (error) {
          blockedId = null;
          if (stopping) break;
          const message = String((error as Error)?.message);
          if (message.includes('NOGROUP')) {
            // Stream or group gone (Redis restarted without persistence, key deleted): recreate and go on.
            await refreshStreams(true).catch(() => undefined);
            continue;
          }
          failures++;
          onError(error, { msg: 'consumer error; retrying', group });
          await pause(Math.min(100 * 2 ** failures, 5_000));
        }
      }
    }

    await refreshStreams(true);
    const running = loop();
    let stopped: Promise<void> | null = null;
    const consumer = {
      stop() {
        stopped ??= (async () => {
          stopping = true;
          wake?.();
          if (blockedId !== null) await cmd.client('UNBLOCK', blockedId).catch(() => undefined);
          const settle = (ms: number) => {
            let timer: NodeJS.Timeout | undefined;
            return Promise.race([running.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]).finally(() =>
              clearTimeout(timer),
            );
          };
          if (!(await settle(500))) {
            // Still blocked (Redis unreachable, unblock raced a reconnect) or in a handler: drop the blocking
            // connection (acks go through the command connection), then give a running handler up to
            // idleTimeoutMs. One that never resolves is abandoned; its entry stays pending and is claimed by
            // another member.
            blk.disconnect();
            if (!(await settle(idleTimeoutMs))) {
              abandoned = true;
              for (const beat of heartbeats) clearInterval(beat);
              heartbeats.clear();
            }
          }
          await release(blk);
          // Forget this consumer name if it holds nothing (a crashed consumer's entries are claimed instead).
          if (!closedConnections()) {
            for (const key of keys) {
              const pending = (await cmd.xpending(key, group, '-', '+', 1, name).catch(() => [1])) as unknown[];
              if (pending.length === 0) await cmd.xgroup('DELCONSUMER', key, group, name).catch(() => undefined);
            }
          }
          consumers.delete(consumer);
        })();
        return stopped;
      },
    };
    consumers.add(consumer);
    return consumer;
  }

  const closedConnections = () => cmd.status === 'end';

  // ---- listen ---------------------------------------------------------------------------------------------

  let sub: Redis | null = null;
  const listeners = new Set<ListenerEntry>();
  const channelRefs = new Map<string, { count: number; ready: Promise<unknown> }>();
  let patternRef: { count: number; ready: Promise<unknown> } | null = null;

  function subscriber(): Redis {
    if (sub) return sub;
    const conn = connect('listen');
    conn.on('message', (ch: string, json: string) => {
      const topic = ch.slice(prefix.length + ':live:'.length);
      deliver(json, (l) => l.topics !== null && l.topics.has(topic));
    });
    conn.on('pmessage', (_pattern: string, _ch: string, json: string) => deliver(json, (l) => l.topics === null));
    sub = conn;
    return conn;
  }

  function deliver(json: string, wants: (l: ListenerEntry) => boolean) {
    let event: DomainEvent | undefined;
    for (const l of listeners) {
      if (!wants(l)) continue;
      try {
        event ??= JSON.parse(json) as DomainEvent;
        if (l.matches(event.type)) l.handler(event);
      } catch (error) {
        onError(error, { msg: 'listener failed', type: event?.type });
      }
    }
  }

  function listen(handler: (e: DomainEvent) => void, listenOpts: TypeFilter = {}): Unlisten {
    if (closed) return Object.assign(() => undefined, { ready: Promise.resolve() });
    const topics = topicsOf(listenOpts.types);
    const entry: ListenerEntry = { handler, matches: typeMatcher(listenOpts.types), topics: topics && new Set(topics) };
    const conn = subscriber();
    listeners.add(entry);
    const waits: Promise<unknown>[] = [];
    if (topics === null) {
      patternRef ??= { count: 0, ready: conn.psubscribe(livePattern) };
      patternRef.count++;
      waits.push(patternRef.ready);
    } else {
      for (const topic of topics) {
        let ref = channelRefs.get(topic);
        if (!ref) channelRefs.set(topic, (ref = { count: 0, ready: conn.subscribe(channel(topic)) }));
        ref.count++;
        waits.push(ref.ready);
      }
    }
    let active = true;
    const unlisten = () => {
      if (!active) return;
      active = false;
      listeners.delete(entry);
      if (closed || sub !== conn) return;
      if (topics === null) {
        if (patternRef && --patternRef.count === 0) {
          patternRef = null;
          conn.punsubscribe(livePattern).catch(() => undefined);
        }
      } else {
        for (const topic of topics) {
          const ref = channelRefs.get(topic);
          if (ref && --ref.count === 0) {
            channelRefs.delete(topic);
            conn.unsubscribe(channel(topic)).catch(() => undefined);
          }
        }
      }
    };
    return Object.assign(unlisten, { ready: Promise.all(waits).then(() => undefined) });
  }

  // ---- close ----------------------------------------------------------------------------------------------

  function close() {
    closing ??= closeNow();
    return closing;
  }
  async function closeNow() {
    await Promise.allSettled([...consumers].map((c) => c.stop()));
    closed = true;
    listeners.clear();
    channelRefs.clear();
    patternRef = null;
    sub = null;
    await Promise.allSettled([...connections].map(release));
  }

  return { publish, consume, listen, close, onDataLoss };
}
