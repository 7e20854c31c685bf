/** The SCIM error message schema (RFC 7644 §3.12). */
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12's detail error keywords. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/**
 * A refusal under a SCIM base URL, answered in SCIM's own envelope
 * (`schemas`, string `status`, `scimType`, `detail`) rather than Stytch's.
 * Services of the SCIM server throw it; src/api/scim renders it.
 */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = 'ScimError';
  }
}

export const scimBadRequest = (scimType: ScimType, detail: string) => new ScimError(400, scimType, detail);
export const scimNotFound = (detail: string) => new ScimError(404, undefined, detail);
export const scimConflict = (detail: string) => new ScimError(409, 'uniqueness', detail);
