import { createServer, RequestListener, Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors';
import { logger } from '../logger';
import { errorJson } from './middleware/error-handler';
import { newRequestId } from './middleware/request-context';

/** What Node's HTTP parser refuses before Express sees a request, as the API's errors. */
function clientErrorOf(code: string | undefined): AppError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new AppError('request_header_fields_too_large', 431, 'The request headers are larger than the server accepts (16 KB).');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new AppError('request_too_large', 413, 'The request has chunk extensions larger than the server accepts.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError('request_timeout', 408, 'The request was not received in time.');
    default:
      // Malformed requests, including duplicate Content-Length or Transfer-Encoding with Content-Length.
      return new AppError('bad_request', 400, 'The request is not valid HTTP/1.1.');
  }
}

/**
 * Answers a request Node could not parse in Stytch's envelope, as every other
 * error is, instead of Node's bare status line. The connection is closed: after
 * a parse error nothing says where the next request on it would start.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, docsUrl: string): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const error = clientErrorOf(err.code);
  const requestId = newRequestId();
  logger.info({ request_id: requestId, code: err.code, status_code: error.statusCode }, 'unparseable request');
  const body = errorJson(error, requestId, docsUrl);
  socket.end(
    `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * The HTTP server of the API (the `web` role and the tests): the app, plus the
 * errors Node raises before it. `docsUrl` is read when an error is answered:
 * a server listening on an ephemeral port learns its own URL after it starts.
 */
export function createApiServer(app: RequestListener | undefined, docsUrl: () => string): Server {
  const server = app ? createServer(app) : createServer();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, docsUrl()));
  return server;
}
