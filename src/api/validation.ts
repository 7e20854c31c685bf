import Ajv, { ErrorObject, SchemaObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { RequestHandler } from 'express';
import { AppError } from '../errors';

/**
 * One ajv instance for the API. Schemas are compiled once, when routes are
 * declared at boot. A property schema may carry `errorType`, the Stytch
 * error_type reported when that property is missing or invalid; anything
 * else is `bad_request`. Every failure names the failing field.
 */
const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true });
addFormats(ajv, ['uri', 'date-time']);
ajv.addKeyword({ keyword: 'errorType', schemaType: 'string' });

export interface RouteSchemas {
  params?: SchemaObject;
  query?: SchemaObject;
  body?: SchemaObject;
}

type Part = keyof RouteSchemas;

function toAppError(part: Part, error: ErrorObject): AppError {
  let field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  let schema = error.parentSchema as SchemaObject | undefined;
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    field = field ? `${field}.${missing}` : missing;
    schema = (schema?.properties as Record<string, SchemaObject> | undefined)?.[missing];
  }
  const where = field || (part === 'body' ? 'request body' : part);
  const message =
    error.keyword === 'required'
      ? `${where} is required.`
      : error.keyword === 'additionalProperties'
        ? `${where} has an unknown property "${(error.params as { additionalProperty: string }).additionalProperty}".`
        : `${where} ${error.message ?? 'is invalid'}.`;
  return new AppError(schema?.errorType ?? 'bad_request', 400, message, { field: where });
}

export function validate(schemas: RouteSchemas): RequestHandler {
  const compiled: [Part, ValidateFunction][] = (Object.keys(schemas) as Part[]).map((part) => [
    part,
    ajv.compile(schemas[part] as SchemaObject),
  ]);
  return (req, _res, next) => {
    for (const [part, check] of compiled) {
      const value = part === 'body' ? (req.body ?? {}) : req[part];
      if (!check(value)) {
        next(toAppError(part, check.errors![0]));
        return;
      }
    }
    next();
  };
}
