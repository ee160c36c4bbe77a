// Back-pressure from the event handlers to the writers that feed them (issue 17). In one process the consumers
// and the requests share one event loop, each await of each getting its turn: under a saturating write load
// (50 clients placing orders) the handlers got a fixed share of it, fell behind without bound (placeOrder at
// 80/s: events handled 15 s late) and everything the events make (invoices, shipments, tasks) was that stale.
// With the gate, while the oldest unhandled event is older than `maxLagMs`, only `whileBehind` writes run at a
// time (the others queue, first come first served), so the handlers get the loop until they have caught up; then
// writes run freely again. Writes never stop: a write waits at most maxWaitMs, and an event stuck for longer than
// stuckAfterMs (a handler that keeps failing) no longer paces them.
import type { EventBus } from './types.ts';

export interface WriteGateOptions {
  /** Writes are limited while the oldest unhandled event is older than this (ms); 0 turns the gate off. */
  maxLagMs: number;
  /** Writes at a time while events are behind; default 1. */
  whileBehind?: number;
  /** A write waits at most this long (ms), then runs anyway; default 10 000. */
  maxWaitMs?: number;
  /** How often waiting writes look at the lag again when none finishes (ms); default 10. */
  pollMs?: number;
  /**
   * An unhandled event older than this (ms) is stuck, not slow: a handler that keeps failing (its event is
   * redelivered, its order's later events wait behind it) would otherwise pace every write of the platform for as
   * long as it fails. Then writes run freely; the stuck event is the reconcilers' and the alerts' business (outbox
   * and consumer-lag metrics). Default 60 000.
   */
  stuckAfterMs?: number;
}

export interface WriteGate {
  /** Waits for the write's turn; call the returned function when the write is done. */
  enter(): Promise<() => void>;
  /** Writes that had to wait, their total wait (ms), and how many ran after maxWaitMs. */
  stats(): { waited: number; waitedMs: number; timedOut: number };
}

/** The gate of a bus that can tell its oldest unhandled event (the in-memory one); undefined for any other bus. */
export function createWriteGate(bus: EventBus, o: WriteGateOptions): WriteGate | undefined {
  const age = bus.oldestUnhandledMs?.bind(bus);
  if (!age || o.maxLagMs <= 0) return undefined;
  const whileBehind = Math.max(1, Math.floor(o.whileBehind ?? 1));
  const maxWaitMs = o.maxWaitMs ?? 10_000;
  const pollMs = Math.max(1, o.pollMs ?? 10);
  const queue: { since: number; go(): void }[] = [];
  const counts = { waited: 0, waitedMs: 0, timedOut: 0 };
  let running = 0;
  let timer: NodeJS.Timeout | undefined;

  const stuckAfterMs = o.stuckAfterMs ?? 60_000;
  const behind = () => {
    const a = age();
    return a > o.maxLagMs && a <= stuckAfterMs;
  };
  const room = () => (behind() ? whileBehind : Infinity) - running;

  function release() {
    running--;
    pump();
  }
  const once = () => {
    let done = false;
    return () => {
      if (!done) (done = true), release();
    };
  };

  function pump() {
    let free = queue.length > 0 ? room() : 0;
    const now = Date.now();
    while (queue.length > 0 && (free > 0 || now - queue[0]!.since >= maxWaitMs)) {
      const w = queue.shift()!;
      if (free <= 0) counts.timedOut++;
      counts.waitedMs += now - w.since;
      running++;
      free--;
      w.go();
    }
    if (queue.length > 0) timer ??= setTimeout(() => ((timer = undefined), pump()), pollMs);
  }

  return {
    enter() {
      if (queue.length === 0 && room() > 0) {
        running++;
        return Promise.resolve(once());
      }
      counts.waited++;
      return new Promise((resolve) => {
        queue.push({ since: Date.now(), go: () => resolve(once()) });
        pump();
      });
    },
    stats: () => ({ ...counts }),
  };
}
