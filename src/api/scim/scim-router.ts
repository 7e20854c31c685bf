import express, { Router, type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import { AppError } from '../../errors';
import { constraintError } from '../../repositories/constraint-errors';
import type { ScimAuthenticator } from '../../services/scim/scim-auth';
import { SCIM_ERROR_SCHEMA, ScimError } from '../../services/scim/scim-error';
import { apiErrorOf } from '../middleware/error-handler';
import { checkJsonBody, checkJsonDepth } from '../middleware/input-hygiene';

export const SCIM_CONTENT_TYPE = 'application/scim+json';
/** RFC 7644 §3.1: the SCIM server's bodies are application/scim+json (clients may send application/json too). */
const SCIM_BODY_TYPES = [SCIM_CONTENT_TYPE, 'application/json'];
/** The largest body a directory may send (also ServiceProviderConfig's bulk.maxPayloadSize). */
export const SCIM_BODY_LIMIT = 1024 * 1024;

/** The resource endpoints of RFC 7644 §3.2 under a base URL; anything else there is left to the Stytch API. */
const SCIM_ENDPOINT = /^\/(Users|Groups|ServiceProviderConfig|ResourceTypes|Schemas)(\/|$)/i;

/** A SCIM success answer. */
export function scimReply(res: Response, status: number, body: object): void {
  res.status(status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** A refusal in SCIM's envelope (RFC 7644 §3.12): `status` is a string there. */
function scimErrorOf(err: unknown, req: Parameters<ErrorRequestHandler>[1]): ScimError {
  if (err instanceof ScimError) return err;
  const unique = constraintError(err);
  if (unique && unique.statusCode === 400 && /duplicate/.test(unique.errorType)) return new ScimError(409, 'uniqueness', unique.message);
  const apiError = apiErrorOf(err, req.log);
  const scimType = apiError.statusCode === 400 ? (apiError.errorType === 'invalid_json' ? 'invalidSyntax' : 'invalidValue') : undefined;
  return new ScimError(apiError.statusCode, scimType, apiError.message);
}

const scimErrors: ErrorRequestHandler = (err, req, res, _next) => {
  const error = scimErrorOf(err, req);
  scimReply(res, error.status, {
    schemas: [SCIM_ERROR_SCHEMA],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.message,
  });
};

const onlyScimEndpoints: RequestHandler = (req, _res, next) => next(SCIM_ENDPOINT.test(req.path) ? undefined : 'router');

function authenticateScim(authenticator: ScimAuthenticator): RequestHandler {
  return async (req, _res, next) => {
    req.scim = await authenticator.authenticate(String(req.params.connection_id), req.headers.authorization);
    next();
  };
}

const parseScimBody = express.json({
  type: SCIM_BODY_TYPES,
  limit: SCIM_BODY_LIMIT,
  strict: true,
  verify: (_req, _res, body) => checkJsonDepth(body),
});

const requireScimBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is(SCIM_BODY_TYPES)) {
    throw new AppError('unsupported_content_type', 415, `Send the request body as ${SCIM_CONTENT_TYPE}.`);
  }
  next();
};

/**
 * The SCIM 2.0 service provider of every connection, at its base URL
 * (`/v1/b2b/scim/:connection_id`, which Stytch's own connection endpoints
 * `/v1/b2b/scim/:organization_id/connection…` share a prefix with: requests
 * for those pass through untouched). `resources` are the routers of the
 * SCIM endpoints (Users, Groups, discovery), mounted at the base URL.
 */
export function scimRouter(authenticator: ScimAuthenticator, resources: Router[]): Router {
  const scim = Router({ mergeParams: true });
  scim.use(onlyScimEndpoints, authenticateScim(authenticator), requireScimBody, parseScimBody, checkJsonBody, ...resources, (req) => {
    throw new ScimError(404, undefined, `No SCIM endpoint for ${req.method} ${req.path}.`);
  });
  scim.use(scimErrors);
  const mount = Router();
  mount.use('/v1/b2b/scim/:connection_id', scim);
  return mount;
}
