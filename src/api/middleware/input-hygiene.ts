import express, { RequestHandler } from 'express';
import { AppError } from '../../errors';
import {
  describeUnstorable,
  findUnstorableText,
  jsonNestsDeeperThan,
  MAX_JSON_DEPTH,
  UnstorableText,
  unstorableText,
} from '../../text-rules';

/**
 * The input-hygiene layer every route sits behind: whatever a route's schema
 * says, no request reaches it with text Postgres cannot store, a JSON body
 * nested deep enough to overflow the stack, or (for POST and PUT) a body
 * that is not a JSON object.
 */

const invalidCharacter = (found: UnstorableText, whole: string) =>
  new AppError('invalid_character', 400, describeUnstorable(found, whole), { field: found.field || whole });

/**
 * Headers Node keeps only the first of when sent twice. A proxy in front may
 * keep the last, so a second one is refused rather than guessed at.
 */
const SINGLE_HEADERS = new Set(['authorization', 'content-type', 'host']);

export function duplicateHeader(rawHeaders: string[]): string | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** Headers, path and query of every request, before routing (a slug in the path reaches Postgres as is). */
export const checkRequestHead: RequestHandler = (req, _res, next) => {
  const duplicate = duplicateHeader(req.rawHeaders);
  if (duplicate) throw new AppError('duplicate_header', 400, `The ${duplicate} header is sent more than once.`, { field: duplicate });
  for (const segment of req.path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new AppError('invalid_character', 400, 'The URL path is not valid percent-encoded UTF-8.', { field: 'path' });
    }
    const problem = unstorableText(decoded);
    if (problem) throw new AppError('invalid_character', 400, `The URL path contains ${problem}.`, { field: 'path' });
  }
  const found = findUnstorableText(req.query, '');
  if (found) throw invalidCharacter(found, 'query');
  next();
};

/** A body that is not JSON would otherwise be ignored and the request handled as if empty. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new AppError('unsupported_content_type', 415, 'Send the request body as application/json.');
  }
  next();
};

/** The depth cap, applied to a JSON body's raw bytes before they are parsed. */
export function checkJsonDepth(body: Buffer): void {
  if (jsonNestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new AppError('invalid_json', 400, `The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`);
  }
}

/** JSON is exchanged as UTF-8 (RFC 8259), which also lets the depth scan read the raw bytes. */
const refuseDeepJson = (_req: unknown, _res: unknown, body: Buffer, encoding: string) => {
  if (encoding !== 'utf-8') throw new AppError('unsupported_encoding', 415, 'Send JSON request bodies as UTF-8.');
  checkJsonDepth(body);
};

/** The JSON body parser, with the depth cap applied to the raw bytes before they are parsed. */
export function parseJsonBody(limit: number | string): RequestHandler {
  return express.json({ limit, strict: true, verify: refuseDeepJson });
}

// Stytch's API takes bodies on POST and PUT only; anything else routes to a 404.
const METHODS_WITH_BODY = new Set(['POST', 'PUT']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** After parsing: the body's shape and every string in it, keys included. */
export function checkParsedBody(method: string, body: unknown): void {
  if (METHODS_WITH_BODY.has(method) && !isPlainObject(body)) {
    throw new AppError('bad_request', 400, 'The request body must be a JSON object.', { field: 'request body' });
  }
  const found = findUnstorableText(body, '');
  if (found) throw invalidCharacter(found, 'request body');
}

export const checkJsonBody: RequestHandler = (req, _res, next) => {
  checkParsedBody(req.method, req.body);
  next();
};
