import type { WebSocket, WebSocketServer } from 'ws';

export interface HeartbeatOptions {
  /** How often each socket is pinged (and its wait for a pong is checked); default 10 s. */
  intervalMs?: number;
  /** A socket whose pong has not come back within this much of the process's running time is dead; default 30 s. */
  timeoutMs?: number;
}

/**
 * Dead peers on a WebSocket server: each socket is pinged every intervalMs and terminated once a ping has waited
 * timeoutMs for its pong. Replaces graphql-ws's keepalive (`useServer`'s third argument), which terminated a socket
 * from a timer 12 s after the ping: after an event-loop stall of 12 s that timer runs before the loop reads the pong
 * already waiting in the socket (timers come before I/O in a loop turn), so healthy gateway upstreams were dropped
 * (closed 1006; docs/reliability.md). Here the wait is counted per check, at most intervalMs per check, so time this
 * process spent stalled does not count against the peer, and the verdict comes only after the loop has read the
 * socket at least once since the stall. A peer that stalls is tolerated for timeoutMs − intervalMs at least (20 s by
 * default); a dead one is dropped timeoutMs after the ping (plus at most one interval).
 */
export function attachHeartbeat(wss: WebSocketServer, opts: HeartbeatOptions = {}): { stop(): void } {
  const intervalMs = opts.intervalMs ?? 10_000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const watched = new Set<() => void>();
  const watch = (socket: WebSocket) => {
    let waitedMs: number | null = null; // since the unanswered ping, stalls of this process excluded
    const onPong = () => (waitedMs = null);
    socket.on('pong', onPong);
    const timer = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      if (waitedMs === null) {
        waitedMs = 0;
        socket.ping();
        return;
      }
      waitedMs += intervalMs; // a late tick (stalled loop) counts as one interval, not as the time it was late
      if (waitedMs >= timeoutMs) socket.terminate();
    }, intervalMs);
    timer.unref();
    const stop = () => {
      clearInterval(timer);
      socket.off('pong', onPong);
      watched.delete(stop);
    };
    watched.add(stop);
    socket.once('close', stop);
  };
  wss.on('connection', watch);
  return {
    stop() {
      wss.off('connection', watch);
      for (const stop of [...watched]) stop();
    },
  };
}
