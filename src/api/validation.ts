import Ajv, { ErrorObject, SchemaObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { RequestHandler } from 'express';
import { AppError } from '../errors';
import { emailProblem } from '../email-rules';
import { controlCharacterProblem } from '../text-rules';

/**
 * One ajv instance for the API. Schemas are compiled once, when routes are
 * declared at boot. A property schema may carry `errorType`, the Stytch
 * error_type reported when that property is missing or invalid; anything
 * else is `bad_request`. Every failure names the failing field.
 */
const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true });
addFormats(ajv, ['uri', 'date-time']);
ajv.addKeyword({ keyword: 'errorType', schemaType: 'string' });
/**
 * `errorMessage` on a property with a `pattern` or `format`: what the message
 * says after the field's name when the value does not have that form (e.g.
 * "must be in E.164 format, like +14155550100"), instead of ajv's raw regex.
 */
ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });

/**
 * `text: 'email' | 'line'` on a string schema applies the rules an email
 * address or a one-line name must follow, with the rule's own reason as the
 * message (the CSV importer applies the same functions).
 */
const TEXT_RULES: Record<string, (text: string) => string | undefined> = {
  email: emailProblem,
  line: controlCharacterProblem,
};
ajv.addKeyword({
  keyword: 'text',
  type: 'string',
  schemaType: 'string',
  errors: true,
  compile(rule: string, parentSchema) {
    const problemOf = TEXT_RULES[rule];
    if (!problemOf) throw new Error(`unknown text rule "${rule}"`);
    const check = (text: string): boolean => {
      const problem = problemOf(text);
      // parentSchema carries the property's errorType (ajv adds it only to its own keywords' errors).
      check.errors = problem ? [{ keyword: 'text', message: problem, params: { rule }, parentSchema }] : undefined;
      return problem === undefined;
    };
    check.errors = undefined as Partial<ErrorObject>[] | undefined;
    return check;
  },
});

/**
 * Responses are checked by an ajv of their own (all errors, none of the
 * request keywords): the problems of a body that does not match its schema.
 */
const responseAjv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(responseAjv, ['date-time']);

export function responseCheck(schema: SchemaObject): (body: unknown) => string[] {
  const check = responseAjv.compile(schema);
  return (body) =>
    check(body)
      ? []
      : check.errors!.map((e) => {
          const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
          return `${e.instancePath || '/'} ${e.message}${extra}`;
        });
}

export interface RouteSchemas {
  params?: SchemaObject;
  query?: SchemaObject;
  body?: SchemaObject;
}

type Part = keyof RouteSchemas;

/** Readable names of the formats the API checks, for properties that carry no errorMessage. */
const FORMAT_NAMES: Record<string, string> = { uri: 'URL', 'date-time': 'RFC 3339 date-time (e.g. 2026-01-31T12:00:00Z)' };

/**
 * What follows the field's name in a message. A pattern or format failure
 * never shows its regex: the property's errorMessage, or "is not a valid
 * <what the field is called>".
 */
function problemOf(error: ErrorObject, field: string, schema: SchemaObject | undefined): string {
  switch (error.keyword) {
    case 'pattern':
    case 'format': {
      if (typeof schema?.errorMessage === 'string') return schema.errorMessage;
      const format = (error.params as { format?: string }).format;
      const noun = (format && FORMAT_NAMES[format]) ?? (field.split('.').pop() || 'value').replace(/_/g, ' ');
      return `is not a valid ${noun}`;
    }
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

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
        : `${where} ${problemOf(error, field, schema)}.`;
  return new AppError(schema?.errorType ?? 'bad_request', 400, message, { field: where });
}

/** A validating middleware keeps its schemas, so tooling (the route-walking test) can see what a route takes. */
export type ValidatingHandler = RequestHandler & { schemas: RouteSchemas };

/** A request's parts checked against its schemas: the first problem found, as the API error to answer with. */
export function requestCheck(schemas: RouteSchemas): (parts: Partial<Record<Part, unknown>>) => AppError | undefined {
  const compiled: [Part, ValidateFunction][] = (Object.keys(schemas) as Part[]).map((part) => [
    part,
    ajv.compile(schemas[part] as SchemaObject),
  ]);
  return (parts) => {
    for (const [part, check] of compiled) {
      // The hygiene layer has made sure a POST or PUT has an object body.
      if (!check(parts[part])) return toAppError(part, check.errors![0]);
    }
    return undefined;
  };
}

export function validate(schemas: RouteSchemas): ValidatingHandler {
  const check = requestCheck(schemas);
  const handler: RequestHandler = (req, _res, next) => next(check(req));
  return Object.assign(handler, { schemas });
}
