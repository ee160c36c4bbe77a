// The one router of the gateway's one HTTP server (and of the bare runtime's): exact paths, and prefixes written as
// `/prefix/*`; a failing route answers 500 without leaking why.
// No @omniroute/core here: the runtime (and the CLI bundle built from it) uses this router too.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export function createRouter(
  routes: Record<string, Route>,
  notFound: Route,
  onError: (path: string, error: unknown) => void = () => undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  const prefixes = Object.entries(routes).filter(([p]) => p.endsWith('/*')).map(([p, r]) => [p.slice(0, -1), r] as const);
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const route = routes[path] ?? prefixes.find(([p]) => path.startsWith(p))?.[1] ?? notFound;
    let done: void | Promise<void>;
    const failed = (e: unknown) => {
      onError(path, e);
      fail(res);
    };
    try {
      done = route(req, res);
    } catch (e) {
      return failed(e);
    }
    if (done) done.catch(failed);
  };
}

function fail(res: ServerResponse) {
  if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal server error');
  else res.destroy();
}
