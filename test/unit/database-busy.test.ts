import { DBError } from 'objection';
import { apiErrorOf } from '../../src/api/middleware/error-handler';
import { logger } from '../../src/logger';

/** A pg error as the driver raises it. */
const pgError = (code: string) => Object.assign(new Error('canceling statement'), { code });
/** The same error as Objection raises it: its typings declare Error's constructor, its runtime takes the wrapped error. */
const ObjectionDbError = DBError as unknown as new (args: { nativeError: Error; client: string }) => Error;
const wrapped = (code: string) => new ObjectionDbError({ nativeError: pgError(code), client: 'postgres' });

describe('database timeouts as API errors', () => {
  const log = logger.child({});
  log.level = 'silent';

  it.each([
    ['a statement timeout', '57014'],
    ['a lock timeout', '55P03'],
  ])('answers %s 503 database_unavailable, raised by pg or wrapped by Objection', (_case, code) => {
    for (const err of [pgError(code), wrapped(code)]) {
      const error = apiErrorOf(err, log);
      expect({ type: error.errorType, status: error.statusCode }).toEqual({ type: 'database_unavailable', status: 503 });
    }
  });

  it('keeps other database errors 500 internal_server_error', () => {
    const error = apiErrorOf(wrapped('42P01'), log);
    expect({ type: error.errorType, status: error.statusCode }).toEqual({ type: 'internal_server_error', status: 500 });
  });
});
