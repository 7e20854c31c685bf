import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorUrl } from '../../error-types';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { constraintError } from '../../repositories/constraint-errors';
import { respond } from '../respond';

/** Failures of express.json(): malformed, oversized or undecodable bodies. */
function bodyParserError(err: { type?: string; status?: number; limit?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('invalid_json', 400, 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('request_too_large', 413, `The request body is larger than the limit of ${err.limit} bytes.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_encoding', 415, 'The request body encoding or charset is not supported.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('bad_request', 400, 'The request body could not be read.');
    default:
      return err.status !== undefined && err.status >= 400 && err.status < 500
        ? new AppError('bad_request', err.status, 'The request could not be read.')
        : undefined;
  }
}

/** The fields of Stytch's error envelope besides request_id and status_code; `docsUrl` documents Roster's own types. */
export function errorFields(error: AppError, docsUrl: string): Record<string, unknown> {
  return {
    error_type: error.errorType,
    error_message: error.message,
    error_url: errorUrl(error.errorType, error.statusCode, docsUrl),
    ...(error.details ? { error_details: error.details } : {}),
  };
}

/** A whole error answer as JSON text, for the answers written without Express (parse errors, hot routes, the metrics listener). */
export function errorJson(error: AppError, requestId: string, docsUrl: string): string {
  return JSON.stringify({ request_id: requestId, ...errorFields(error, docsUrl), status_code: error.statusCode });
}

/**
 * The database could not serve in time: no pooled connection within
 * DATABASE_ACQUIRE_TIMEOUT_MS, or a statement or lock timeout. The caller may
 * retry; it is logged like any 5xx.
 */
function databaseBusy(err: { name?: string; code?: string; nativeError?: { code?: string } }): AppError | undefined {
  // Objection wraps pg's error (DBError): the SQLSTATE is on its nativeError.
  const code = err.nativeError?.code ?? err.code;
  const busy = err.name === 'KnexTimeoutError' || code === '57014' || code === '55P03';
  return busy ? new AppError('database_unavailable', 503, 'The database is busy; retry shortly.') : undefined;
}

/**
 * Stytch's error envelope for every failure; constraint violations become
 * the API errors their table names; 5xx bodies never carry SQL or stacks.
 */
export function errorHandler(docsUrl: string): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = apiErrorOf(err, req.log);
    respond(req, res, error.statusCode, errorFields(error, docsUrl));
  };
}

/** The API error a failure is answered with; a 5xx is logged with its cause. */
export function apiErrorOf(err: unknown, log: Logger): AppError {
  const known = err instanceof AppError ? err : (constraintError(err) ?? bodyParserError(err as object) ?? databaseBusy(err as object));
  const error =
    known ?? new AppError('internal_server_error', 500, 'Something went wrong on our side; the request_id identifies it in the logs.');
  if (error.statusCode >= 500) log.error({ err }, known ? 'database busy' : 'unhandled error');
  return error;
}

export const routeNotFound: RequestHandler = (req) => {
  throw new AppError('route_not_found', 404, `No route for ${req.method} ${req.path}.`);
};
