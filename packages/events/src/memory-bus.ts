import type { Consumer, ConsumeOptions, DomainEvent, EventBus, EventBusOptions, TypeFilter, Unlisten } from './types.ts';
import { defaultOnError, typeMatcher, validateEvent } from './util.ts';

interface Member {
  handler: (e: DomainEvent) => Promise<unknown>;
  matches: (type: string) => boolean;
  busy: boolean;
  inflight: Promise<void> | null;
  /** Event in flight, and whether stop() gave up waiting for it (then it was requeued already). */
  current: string | null;
  abandoned: boolean;
}

interface Group {
  name: string;
  queue: string[];
  members: Member[];
  next: number;
}

/**
 * One-process bus with the same contract as the Redis one: events are serialised to JSON on publish (so a
 * payload that would not survive Redis fails here too) and every handler gets its own copy.
 */
export function createMemoryBus(opts: EventBusOptions = {}): EventBus {
  const maxLen = opts.maxLen ?? 10_000;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  const retryMs = Math.min(idleTimeoutMs, 1_000);
  const onError = opts.onError ?? defaultOnError;
  /** Recent events, replayed to a group created after they were published (like a stream read from 0). */
  const retained: string[] = [];
  const groups = new Map<string, Group>();
  const listeners = new Set<{ handler: (e: DomainEvent) => void; matches: (type: string) => boolean }>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const push = (list: string[], json: string) => {
    list.push(json);
    if (list.length > maxLen) list.splice(0, list.length - maxLen);
  };

  function dispatch(group: Group) {
    while (group.queue.length > 0) {
      const idle = group.members.filter((m) => !m.busy);
      if (idle.length === 0) return;
      const member = idle[group.next++ % idle.length]!;
      deliver(group, member, group.queue.shift()!);
    }
  }

  function deliver(group: Group, member: Member, json: string) {
    member.busy = true;
    member.current = json;
    const event = JSON.parse(json) as DomainEvent;
    member.inflight = (async () => {
      if (!member.matches(event.type)) return; // not for this consumer: acked without handling
      try {
        await member.handler(event);
      } catch (error) {
        onError(error, { msg: 'event handler failed; will redeliver', group: group.name, eventId: event.id, type: event.type });
        if (closed || member.abandoned) return;
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (closed) return;
          group.queue.unshift(json);
          dispatch(group);
        }, retryMs);
        timers.add(timer);
      }
    })().finally(() => {
      member.busy = false;
      member.inflight = null;
      member.current = null;
      if (!closed) dispatch(group);
    });
  }

  const bus: EventBus = {
    async publish(events) {
      if (closed) throw new Error('EventBus is closed');
      const jsons = events.map((e) => {
        validateEvent(e);
        return JSON.stringify(e);
      });
      for (let i = 0; i < jsons.length; i++) {
        const json = jsons[i]!;
        push(retained, json);
        for (const group of groups.values()) push(group.queue, json);
        const type = events[i]!.type;
        const hearing = [...listeners].filter((l) => l.matches(type));
        if (hearing.length > 0) {
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
      for (const group of groups.values()) queueMicrotask(() => dispatch(group));
    },

    async consume(groupName, handler, consumeOpts: ConsumeOptions = {}): Promise<Consumer> {
      if (closed) throw new Error('EventBus is closed');
      let group = groups.get(groupName);
      if (!group) {
        group = { name: groupName, queue: consumeOpts.from === 'new' ? [] : [...retained], members: [], next: 0 };
        groups.set(groupName, group);
      }
      const g = group;
      const member: Member = { handler, matches: typeMatcher(consumeOpts.types), busy: false, inflight: null, current: null, abandoned: false };
      g.members.push(member);
      queueMicrotask(() => dispatch(g));
      let stopped: Promise<void> | null = null;
      return {
        stop() {
          stopped ??= (async () => {
            g.members = g.members.filter((m) => m !== member);
            if (!member.inflight) return;
            // Like an unacked Redis message: after the idle timeout the event goes back to the group.
            let timer: NodeJS.Timeout | undefined;
            const gaveUp = await Promise.race([
              member.inflight.then(() => false),
              new Promise<boolean>((r) => (timer = setTimeout(() => r(true), idleTimeoutMs))),
            ]);
            clearTimeout(timer);
            if (gaveUp && member.current && !closed) {
              member.abandoned = true;
              g.queue.unshift(member.current);
              dispatch(g);
            }
          })();
          return stopped;
        },
      };
    },

    listen(handler, listenOpts: TypeFilter = {}): Unlisten {
      const entry = { handler, matches: typeMatcher(listenOpts.types) };
      if (!closed) listeners.add(entry);
      return Object.assign(() => void listeners.delete(entry), { ready: Promise.resolve() });
    },

    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const inflight = [...groups.values()].flatMap((g) => g.members.map((m) => m.inflight)).filter(Boolean);
      for (const g of groups.values()) g.members = [];
      await Promise.allSettled(inflight);
      groups.clear();
      retained.length = 0;
    },
  };
  return bus;
}
