// The Contract shape is stable: routes, the response check/serializer and the OpenAPI generator all build on it.
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A JSON Schema object as the contracts write them (with Roster's keywords allowed). */
export type Schema = Exclude<JSONSchema, boolean>;

/**
 * One endpoint, described without Express or Postgres: where it lives, what it
 * takes and what it answers. Schemas are plain JSON Schema objects (`as const`,
 * so TypeScript derives the handler's types from them); property schemas may
 * carry Roster's `errorType` / `text` keywords, which the API's ajv understands.
 */
export interface Contract<P extends Schema = Schema, Q extends Schema = Schema, B extends Schema = Schema, R extends Schema = Schema> {
  /** Unique, stable id (OpenAPI operationId): e.g. `organizations.members.get`. */
  name: string;
  method: HttpMethod;
  /** Express-style full path, e.g. /v1/b2b/organizations/:organization_id. */
  path: string;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The whole success body, request_id and status_code included (for 204 and 302, which carry none: `noBody`). */
  response: R;
  /** 204: no body (SCIM's deletes and group patches). 302: a redirect, its target in the Location header (SSO's browser steps). */
  status: 200 | 201 | 202 | 204 | 302;
  /** The stytch SDK method that calls this endpoint (Stytch endpoints only), e.g. `organizations.members.get`. */
  sdk?: string;
  /**
   * What a member session presented with the request (the SDK's
   * X-Stytch-Member-Session / X-Stytch-Member-SessionJWT headers) must be
   * allowed by RBAC to call this endpoint: Stytch's resource and action
   * (for a member endpoint acting on the session's own member, Stytch's
   * `stytch.self` resource is checked with the same action). `byField` adds
   * the action each present body field needs (updates check per field).
   */
  authorization?: MemberAuthorization;
  /**
   * `scim`: an endpoint of a SCIM connection's service provider (RFC 7644):
   * opened by the connection's bearer token, answering application/scim+json
   * bodies exactly as `response` describes them (no request_id or
   * status_code added) and refusing in SCIM's error envelope.
   */
  protocol?: 'scim';
}

export interface MemberAuthorization {
  resource: 'stytch.organization' | 'stytch.member' | 'stytch.sso' | 'stytch.scim';
  action?: string;
  byField?: Readonly<Record<string, string>>;
}

/** Any contract, whatever its schemas (a cheap constraint: no deep schema comparison). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- `any` keeps the constraint cheap: `Schema` would make TypeScript compare every literal schema deeply
export type AnyContract = Contract<any, any, any, any>;

/** `any` (a contract not yet known) is not parsed: FromSchema<any> does not terminate. */
type IsAny<T> = 0 extends 1 & T ? true : false;

/** What a schema describes, or `undefined` when the contract leaves that part out. */
type Of<S> = IsAny<S> extends true ? unknown : [S] extends [never] ? undefined : S extends Schema ? FromSchema<S> : undefined;

export type ParamsOf<C extends AnyContract> = C extends Contract<infer P, Schema, Schema, Schema> ? Of<P> : never;
export type QueryOf<C extends AnyContract> = C extends Contract<Schema, infer Q, Schema, Schema> ? Of<Q> : never;
export type BodyOf<C extends AnyContract> = C extends Contract<Schema, Schema, infer B, Schema> ? Of<B> : never;
/** The body a handler returns: request_id and status_code are added by the API layer. */
export type ResponseOf<C extends AnyContract> =
  C extends Contract<Schema, Schema, Schema, infer R> ? Omit<Of<R>, 'request_id' | 'status_code'> : never;

/** Declares a contract, keeping its literal schema types for the derived types above. */
export function defineContract<
  const P extends Schema = never,
  const Q extends Schema = never,
  const B extends Schema = never,
  const R extends Schema = Schema,
>(contract: Contract<P, Q, B, R>): Contract<P, Q, B, R> {
  return contract;
}
