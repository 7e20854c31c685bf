/**
 * The one error type services throw. The HTTP layer turns it into Stytch's
 * envelope: { status_code, request_id, error_type, error_message, error_url }.
 */
export class AppError extends Error {
  constructor(
    readonly errorType: string,
    readonly statusCode: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (errorType: string, message: string, details?: Record<string, unknown>) =>
  new AppError(errorType, 400, message, details);

export const notFound = (errorType: string, message: string) => new AppError(errorType, 404, message);

export const organizationNotFound = () => notFound('organization_not_found', 'Organization could not be found.');

export const memberNotFound = () => notFound('member_not_found', 'Member could not be found.');

/**
 * A job failure that retrying cannot fix (its input is gone or changed).
 * Workers record it on the job and stop retrying.
 */
export class PermanentJobFailure extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentJobFailure';
  }
}
