import type { BatchOptions, Consumer, ConsumeOptions, DomainEvent, EventBus, EventBusOptions, TypeFilter, Unlisten } from './types.ts';
import { defaultOnError, keyOrder, laneOf, typeMatcher, validateEvent } from './util.ts';

/** One publishUntilHandled() call: resolves when every group it was queued for has handled each of its events. */
interface Settle {
  remaining: number;
  resolve(): void;
  reject(error: Error): void;
}

interface Item {
  json: string;
  type: string;
  /** When the event occurred (ms): its outbox row's time, so the age counts the relay's delay too. */
  at: number;
  /** Events of one order (else one aggregate) are delivered one at a time, in order: `tenantId\0orderId`. */
  lane: string;
  /** `type\0aggregateId` for coalesced types (the latest position of a vehicle replaces an undelivered older one). */
  key: string | null;
  settles: Settle[];
  /**
   * Queued while its lane stays marked busy for it: the lane's next event handed on by the one before it, or an
   * event redelivered after its handler failed (or was abandoned). Without it dispatch() would park it behind itself.
   */
  ownsLane?: boolean;
  /** Back from a batch that failed: handled alone from now on. */
  single?: boolean;
}

interface Member {
  handler: (e: DomainEvent) => Promise<unknown>;
  matches: (type: string) => boolean;
  /** Events it handles together (ConsumeOptions.batch). */
  batch: (Omit<BatchOptions, 'types'> & { matches: (type: string) => boolean }) | null;
  busy: boolean;
  inflight: Promise<void> | null;
  /** Items in flight (one, or a batch's), and whether stop() gave up waiting for them (then they were requeued already). */
  current: Item[];
  abandoned: boolean;
}

/** FIFO with O(1) shift and unshift (a lagging group can hold many thousand items; Array#shift is O(n)). */
class Queue {
  private items: Item[] = [];
  private head = 0;
  get length() {
    return this.items.length - this.head;
  }
  push(item: Item) {
    this.items.push(item);
  }
  unshift(item: Item) {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }
  peek(): Item | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }
  shift(): Item | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  drain(): Item[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}

/** What the consumer groups of one bus share. */
interface BusState {
  readonly onError: NonNullable<EventBusOptions['onError']>;
  /** How long a failed delivery waits before it is redelivered. */
  readonly retryMs: number;
  /** How long stop() waits for an event in flight before it goes back to the group. */
  readonly idleTimeoutMs: number;
  /** Redelivery timers, cleared on close(). */
  readonly timers: Set<NodeJS.Timeout>;
  /** Members per consume() call: events one consumer handles at the same time (consumerConcurrency). */
  readonly concurrency: number;
  closed: boolean;
}

/** One consumer group: its queue, and round-robin delivery to its idle members with redelivery on failure. */
class ConsumerGroup {
  readonly queue = new Queue();
  /** Undelivered items of coalesced types, by key. */
  readonly latest = new Map<string, Item>();
  members: Member[] = [];
  /** Lanes with an event in flight, and the events of that lane that came up meanwhile (in order). */
  private readonly lanes = new Map<string, Item[]>();
  /** Failed events waiting for their redelivery (not in the queue until their timer fires). */
  private readonly retrying = new Set<Item>();
  private next = 0;

  constructor(readonly name: string, private readonly bus: BusState) {}

  /** Queues one event, or folds it into the undelivered item of the same key; counts the append on `settle`. */
  enqueue(json: string, type: string, at: number, key: string | null, lane: string, settle: Settle | null) {
    const older = key ? this.latest.get(key) : undefined;
    if (older) {
      older.json = json; // still waiting: deliver the latest state once instead of every step
      if (settle) (settle.remaining++, older.settles.push(settle));
      return;
    }
    const item: Item = { json, type, at, key, lane, settles: settle ? [settle] : [] };
    if (settle) settle.remaining++;
    this.queue.push(item);
    if (key) this.latest.set(key, item);
  }

  dispatch() {
    while (this.queue.length > 0) {
      if (this.ackedUnhandled()) continue;
      const idle = this.members.filter((m) => !m.busy);
      if (idle.length === 0) return;
      const member = idle[this.next++ % idle.length]!;
      const item = this.take();
      if (item.ownsLane) {
        item.ownsLane = false;
        this.deliver(member, item);
        continue;
      }
      const waiting = this.lanes.get(item.lane);
      if (waiting) {
        waiting.push(item); // its lane is busy: it goes right after the one in flight
        continue;
      }
      this.lanes.set(item.lane, []);
      const batch = member.batch && !item.single && member.batch.matches(item.type) ? this.gather(member.batch, item) : null;
      if (batch) this.deliverBatch(member, batch);
      else this.deliver(member, item);
    }
  }

  /** The queue's head, taken: no longer the undelivered item of its key. */
  private take(): Item {
    const item = this.queue.shift()!;
    if (item.key && this.latest.get(item.key) === item) this.latest.delete(item.key);
    return item;
  }

  /**
   * When the queue's head is of a type this group does not handle, it is acked at once — without waiting for a
   * member, a parse or its lane — and true returned.
   */
  private ackedUnhandled(): boolean {
    const head = this.queue.peek();
    if (!head || this.members.length === 0 || this.members.some((m) => m.matches(head.type))) return false;
    this.take();
    if (head.ownsLane) this.passLane(head.lane);
    settled(head);
    return true;
  }

  /**
   * `first` (its lane taken) and the queued events right behind it that may share its batch: of the batch's types,
   * not alone since a failed batch, each on a lane of its own (an event whose lane is busy waits on it as in
   * dispatch), no two with one key; up to `max`. Null when none came with it (it goes alone). The batch ends at the
   * first event that may not join, so the queue keeps its order.
   */
  private gather(batch: NonNullable<Member['batch']>, first: Item): { items: Item[]; events: DomainEvent[] } | null {
    const items: Item[] = [];
    const events: DomainEvent[] = [];
    const keys = new Set<string>();
    /** Adds the item to the batch unless another of its key is in it already. */
    const join = (item: Item, event: DomainEvent): boolean => {
      const key = batch.key?.(event) ?? null;
      if (key !== null && keys.has(key)) return false;
      if (key !== null) keys.add(key);
      items.push(item);
      events.push(event);
      return true;
    };
    join(first, JSON.parse(first.json) as DomainEvent);
    while (items.length < batch.max) {
      if (this.ackedUnhandled()) continue;
      const next = this.queue.peek();
      if (!next || next.single || !batch.matches(next.type)) break;
      const waiting = next.ownsLane ? undefined : this.lanes.get(next.lane);
      if (waiting) {
        waiting.push(this.take()); // its lane is busy: it goes right after the one in flight
        continue;
      }
      if (!join(next, JSON.parse(next.json) as DomainEvent)) break;
      this.take();
      if (next.ownsLane) next.ownsLane = false;
      else this.lanes.set(next.lane, []);
    }
    if (items.length < 2) return null;
    const order = keyOrder(events, batch.key);
    return { items: order.map((i) => items[i]!), events: order.map((i) => events[i]!) };
  }

  /** A batch to batch.handle; when it fails, its events go back to the front of the queue, each alone and owning its lane. */
  private deliverBatch(member: Member, { items, events }: { items: Item[]; events: DomainEvent[] }) {
    const bus = this.bus;
    member.busy = true;
    member.current = items;
    let failed = false;
    member.inflight = (async () => {
      try {
        await member.batch!.handle(events);
        for (const item of items) settled(item);
      } catch {
        // (not reported: each event is handled alone next, and reported there if it fails then)
        if (bus.closed || member.abandoned) return;
        failed = true;
        for (let i = items.length - 1; i >= 0; i--) {
          const item = items[i]!;
          item.ownsLane = true;
          item.single = true;
          this.queue.unshift(item);
        }
      }
    })().finally(() => {
      member.busy = false;
      member.inflight = null;
      member.current = [];
      if (!failed && !member.abandoned) for (const item of items) this.passLane(item.lane);
      if (!bus.closed) this.dispatch();
    });
  }

  private deliver(member: Member, item: Item) {
    const bus = this.bus;
    member.busy = true;
    member.current = [item];
    const event = JSON.parse(item.json) as DomainEvent;
    /** The lane stays busy after this delivery: the event failed and comes again, before any later one of its order. */
    let keepLane = false;
    member.inflight = (async () => {
      if (!member.matches(event.type)) return settled(item); // not for this consumer: acked without handling
      try {
        await member.handler(event);
        settled(item);
      } catch (error) {
        bus.onError(error, { msg: 'event handler failed; will redeliver', group: this.name, eventId: event.id, type: event.type });
        if (bus.closed || member.abandoned) return;
        keepLane = true;
        item.ownsLane = true;
        this.retrying.add(item);
        const timer = setTimeout(() => {
          bus.timers.delete(timer);
          this.retrying.delete(item);
          if (bus.closed) return;
          this.queue.unshift(item);
          this.dispatch();
        }, bus.retryMs);
        bus.timers.add(timer);
      }
    })().finally(() => {
      member.busy = false;
      member.inflight = null;
      member.current = [];
      // abandoned: its redelivered copy holds the lane now
      if (!keepLane && !member.abandoned) this.passLane(item.lane);
      if (!bus.closed) this.dispatch();
    });
  }

  /**
   * When the oldest event this group has not handled yet occurred (ms), or undefined: the queue's head (it is in
   * publication order but for redeliveries and handed-on lanes, which go to its front), each busy lane's next
   * event, each event in flight, each failed one waiting for its redelivery. O(lanes + members + failed).
   */
  oldest(): number | undefined {
    let at = this.queue.peek()?.at ?? Infinity;
    for (const waiting of this.lanes.values()) if (waiting[0] && waiting[0].at < at) at = waiting[0].at;
    for (const m of this.members) for (const item of m.current) if (item.at < at) at = item.at;
    for (const item of this.retrying) if (item.at < at) at = item.at;
    return at === Infinity ? undefined : at;
  }

  /** The event in flight on `lane` is done: its next waiting event goes to the front of the queue, owning the lane. */
  private passLane(lane: string) {
    const next = this.lanes.get(lane)?.shift();
    if (!next) {
      this.lanes.delete(lane);
      return;
    }
    next.ownsLane = true;
    this.queue.unshift(next);
  }

  /**
   * Adds `concurrency` members (as many replicas of the consumer; at most two for a group that batches); stopping
   * them hands the events in flight back to the group after the idle timeout.
   */
  join(handler: Member['handler'], types: ConsumeOptions['types'], batchOptions?: BatchOptions): Consumer {
    const matches = typeMatcher(types);
    const batch = batchOptions && batchOptions.max >= 2 ? { max: Math.floor(batchOptions.max), key: batchOptions.key, handle: batchOptions.handle, matches: typeMatcher(batchOptions.types) } : null;
    // A group that batches has at most two members: its events pile up while a batch is in flight and go together
    // in the next one (with one member a group fell behind under placeOrder load, with four few batches formed).
    const mine: Member[] = Array.from({ length: batch ? Math.min(this.bus.concurrency, 2) : this.bus.concurrency }, () => ({ handler, matches, batch, busy: false, inflight: null, current: [], abandoned: false }));
    this.members.push(...mine);
    queueMicrotask(() => this.dispatch());
    let stopped: Promise<void> | null = null;
    return {
      stop: () => {
        stopped ??= (async () => {
          this.members = this.members.filter((m) => !mine.includes(m));
          await Promise.all(mine.map((m) => this.release(m)));
        })();
        return stopped;
      },
    };
  }

  private async release(member: Member) {
    if (!member.inflight) return;
    // Like an unacked Redis message: after the idle timeout the event goes back to the group.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      member.inflight.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), this.bus.idleTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (gaveUp && member.current.length > 0 && !this.bus.closed) {
      member.abandoned = true;
      // another member takes them over, lanes and all (as XCLAIM would)
      for (let i = member.current.length - 1; i >= 0; i--) {
        member.current[i]!.ownsLane = true;
        this.queue.unshift(member.current[i]!);
      }
      this.dispatch();
    }
  }
}

function settled(item: Item) {
  for (const s of item.settles) if (--s.remaining === 0) s.resolve();
  item.settles = [];
}

/**
 * One-process bus with the same contract as the Redis one: events are serialised to JSON on publish (so a
 * payload that would not survive Redis fails here too) and every handler gets its own copy.
 *
 * Nothing here survives the process, so the outbox row is the durable copy of an event until every consumer
 * group has handled it: the relay publishes through publishUntilHandled() and marks rows only when that
 * resolves; after a crash the unmarked rows are published again (handleOnce skips what was handled). Group
 * queues therefore never drop events; the relay bounds how many rows it has in flight (back-pressure), the rest
 * wait in the database.
 */
export function createMemoryBus(opts: EventBusOptions = {}): EventBus {
  const maxLen = opts.maxLen ?? 10_000;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  const onError = opts.onError ?? defaultOnError;
  const concurrency = Math.max(1, Math.floor(opts.consumerConcurrency ?? 1));
  const state: BusState = { onError, retryMs: Math.min(idleTimeoutMs, 1_000), idleTimeoutMs, timers: new Set(), concurrency, closed: false };
  const coalesce = new Set(opts.coalesceTypes ?? ['vehicle.position']);
  /** Recent events, replayed to a group created after they were published (like a stream read from 0). */
  const retained: string[] = [];
  const groups = new Map<string, ConsumerGroup>();
  const listeners = new Set<{ handler: (e: DomainEvent) => void; matches: (type: string) => boolean }>();
  /** Settles not resolved yet: rejected on close(), so the relay leaves those rows unpublished. */
  const unsettled = new Set<Settle>();
  /** publishUntilHandled() calls made while paused: queued for the groups that exist at resume(). */
  let held: { jsons: string[]; events: DomainEvent[]; settle: Settle }[] | null = opts.startPaused ? [] : null;

  /** Appends to every group's queue (coalescing where allowed) and counts the appends on `settle`. */
  function append(jsons: string[], events: DomainEvent[], settle: Settle | null) {
    for (let i = 0; i < jsons.length; i++) {
      const json = jsons[i]!;
      const e = events[i]!;
      retained.push(json);
      // trimmed an eighth at a time: splicing one off the front of a full list on every event cost 2 % of a loaded
      // platform's CPU (issue 17); a group created later may get up to that many more of the recent events
      if (retained.length > maxLen + (maxLen >> 3)) retained.splice(0, retained.length - maxLen);
      const key = coalesce.has(e.type) ? `${e.type}\0${e.aggregateId}` : null;
      const lane = laneOf(e);
      const at = Date.parse(e.occurredAt) || Date.now();
      for (const group of groups.values()) group.enqueue(json, e.type, at, key, lane, settle);
    }
    for (const group of groups.values()) queueMicrotask(() => group.dispatch());
  }

  function broadcast(jsons: string[], events: DomainEvent[]) {
    if (listeners.size === 0) return;
    for (let i = 0; i < jsons.length; i++) {
      const json = jsons[i]!;
      const type = events[i]!.type;
      const hearing = [...listeners].filter((l) => l.matches(type));
      if (hearing.length === 0) continue;
      // One copy shared by all listeners (treat it as read-only), delivered after publish returns.
      queueMicrotask(() => {
        const event = JSON.parse(json) as DomainEvent;
        for (const l of hearing) {
          if (!listeners.has(l)) continue;
          try {
            l.handler(event);
          } catch (error) {
            onError(error, { msg: 'listener failed', type });
          }
        }
      });
    }
  }

  function serialise(events: DomainEvent[]): string[] {
    if (state.closed) throw new Error('EventBus is closed');
    return events.map((e) => {
      validateEvent(e);
      return JSON.stringify(e);
    });
  }

  const bus: EventBus = {
    async publish(events) {
      const jsons = serialise(events);
      append(jsons, events, null);
      broadcast(jsons, events);
    },

    async publishUntilHandled(events) {
      const jsons = serialise(events);
      await new Promise<void>((resolve, reject) => {
        const settle: Settle = {
          remaining: 1, // released below, once every append is counted
          resolve: () => (unsettled.delete(settle), resolve()),
          reject: (error) => (unsettled.delete(settle), reject(error)),
        };
        unsettled.add(settle);
        if (held) held.push({ jsons, events, settle });
        else append(jsons, events, settle);
        broadcast(jsons, events);
        if (!held && --settle.remaining === 0) settle.resolve();
      });
    },

    oldestUnhandledMs() {
      let at = Infinity;
      for (const g of groups.values()) {
        if (g.members.length === 0) continue; // a group nobody consumes any more holds no one up
        const o = g.oldest();
        if (o !== undefined && o < at) at = o;
      }
      return at === Infinity ? 0 : Math.max(0, Date.now() - at);
    },

    resume() {
      if (!held || state.closed) return;
      const waiting = held;
      held = null;
      for (const h of waiting) {
        append(h.jsons, h.events, h.settle);
        if (--h.settle.remaining === 0) h.settle.resolve();
      }
    },

    async consume(groupName, handler, consumeOpts: ConsumeOptions = {}): Promise<Consumer> {
      if (state.closed) throw new Error('EventBus is closed');
      let group = groups.get(groupName);
      if (!group) {
        group = new ConsumerGroup(groupName, state);
        if (consumeOpts.from !== 'new') for (const json of retained) {
          const e = JSON.parse(json) as DomainEvent;
          group.queue.push({ json, type: e.type, at: Date.parse(e.occurredAt) || Date.now(), key: null, lane: laneOf(e), settles: [] });
        }
        groups.set(groupName, group);
      }
      return group.join(handler, consumeOpts.types, consumeOpts.batch);
    },

    listen(handler, listenOpts: TypeFilter = {}): Unlisten {
      const entry = { handler, matches: typeMatcher(listenOpts.types) };
      if (!state.closed) listeners.add(entry);
      return Object.assign(() => void listeners.delete(entry), { ready: Promise.resolve() });
    },

    async close() {
      if (state.closed) return;
      state.closed = true;
      listeners.clear();
      for (const t of state.timers) clearTimeout(t);
      state.timers.clear();
      const inflight = [...groups.values()].flatMap((g) => g.members.map((m) => m.inflight)).filter(Boolean);
      for (const g of groups.values()) g.members = [];
      await Promise.allSettled(inflight);
      groups.clear();
      held = null;
      retained.length = 0;
      // Not handled by every group: the outbox rows stay unpublished and are published again after the restart.
      for (const s of [...unsettled]) s.reject(new Error('EventBus closed before every consumer group handled the events'));
    },
  };
  return bus;
}
