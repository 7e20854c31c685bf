import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How often keep-alive connections that went idle are closed while draining. */
const IDLE_SWEEP_MS = 50;

/**
 * Stops an HTTP server gracefully: it accepts no more connections, requests in
 * flight finish, and their connections close once idle (responses from now on
 * say `Connection: close`; a keep-alive connection whose response had started
 * is closed as soon as it is idle, since Node 20 leaves it open until its
 * keep-alive timeout). Whatever is still open after `graceMs` is cut.
 * Resolves once every connection has closed.
 */
export function drainHttpServer(server: Server, graceMs: number): Promise<void> {
  server.prependListener('request', closeAfterResponse);
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  return new Promise((resolve) => {
    // An error here only says the server was not listening (a stop during boot): nothing to drain.
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
  });
}

function closeAfterResponse(_req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Connection', 'close');
}
