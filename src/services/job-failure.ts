import { PermanentJobFailure } from '../errors';

/** What a failed job tells its caller: the cause when it is theirs to fix, else a pointer to the logs. */
export function jobError(err: unknown): { error_type: string; error_message: string } {
  return err instanceof PermanentJobFailure
    ? { error_type: err.errorType, error_message: err.message }
    : { error_type: 'internal_error', error_message: 'The job failed; the logs have the cause.' };
}
