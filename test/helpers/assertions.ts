import { AppError } from '../../src/errors';
import { stytchError } from './factories';

/**
 * Asserts Stytch's error envelope in an error body (a raw response body or a StytchError):
 * this status_code and error_type (when given), a non-empty error_message, a request id,
 * and an error_url that names the error type.
 */
export function expectErrorEnvelope(body: Record<string, any>, status: number, errorType?: string | RegExp): void {
  expect(body.status_code).toBe(status);
  if (errorType !== undefined)
    expect(body.error_type).toEqual(typeof errorType === 'string' ? errorType : expect.stringMatching(errorType));
  expect(body.error_message).toEqual(expect.any(String));
  expect(body.error_message.length).toBeGreaterThan(0);
  expect(body.request_id).toMatch(/^request-id-/);
  expect(body.error_url).toContain(`#${body.error_type}`);
}

/** The SDK call fails with this status (and error_type, when given) in Stytch's envelope; returns the error. */
export async function expectStytchError(promise: Promise<unknown>, status: number, errorType?: string | RegExp) {
  const error = await stytchError(promise);
  expectErrorEnvelope(error, status, errorType);
  return error;
}

/** The AppError `fn` throws (fails the test if it returns). */
export function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError');
}
