import { DBError } from 'objection';
import { apiErrorOf } from '../../src/api/middleware/error-handler';
import { logger } from '../../src/logger';

/** A pg error as the driver raises it. */
const pgError = (code: string) => Object.assign(new Error('canceling statement'), { code });

describe('database timeouts as API errors', () => {
  const log = logger.child({});
  log.level = 'silent';

  it.each([
    ['a statement timeout', '57014'],
    ['a lock timeout', '55P03'],
  ])('answers %s 503 database_unavailable, raised by pg or wrapped by Objection', (_case, code) => {
    for (const err of [pgError(code), new DBError({ nativeError: pgError(code), client: 'postgres' })]) {
      const error = apiErrorOf(err, log);
      expect({ type: error.errorType, status: error.statusCode }).toEqual({ type: 'database_unavailable', status: 503 });
    }
  });

  it('keeps other database errors 500 internal_server_error', () => {
    const error = apiErrorOf(new DBError({ nativeError: pgError('42P01'), client: 'postgres' }), log);
    expect({ type: error.errorType, status: error.statusCode }).toEqual({ type: 'internal_server_error', status: 500 });
  });
});
