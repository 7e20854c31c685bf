import type { SchemaObject } from 'ajv';
import type { Request, Response } from 'express';
import { contracts } from '../../src/contracts';
import { validate } from '../../src/api/validation';
import { AppError } from '../../src/errors';

interface Shaped {
  where: string;
  name: string;
  schema: SchemaObject;
}

/** Every property schema of the contracts' requests that carries a pattern or a format, wherever it is nested. */
function shapedProperties(schema: SchemaObject | undefined, where: string, name = ''): Shaped[] {
  if (!schema || typeof schema !== 'object') return [];
  const found: Shaped[] = schema.pattern !== undefined || schema.format !== undefined ? [{ where, name, schema }] : [];
  for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, SchemaObject>)) {
    found.push(...shapedProperties(property, `${where}.${key}`, key));
  }
  if (schema.items) found.push(...shapedProperties(schema.items as SchemaObject, `${where}[]`, name));
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])] as SchemaObject[]) {
    found.push(...shapedProperties(branch, where, name));
  }
  return found;
}

const shaped = contracts.flatMap((contract) =>
  (['params', 'query', 'body'] as const).flatMap((part) =>
    shapedProperties(contract[part] as SchemaObject | undefined, `${contract.name} ${part}`),
  ),
);

const FORMAT_FAILURES: Record<string, string> = { uri: 'not a url', 'date-time': 'yesterday' };
const PATTERN_FAILURE_CANDIDATES = ['!', 'not valid!', '@@ @@', ' '];

/** A string the property refuses for its pattern or format (and for nothing else). */
function refusedValue(schema: SchemaObject): string {
  if (schema.format !== undefined) return FORMAT_FAILURES[schema.format as string];
  const pattern = new RegExp(schema.pattern as string, 'u');
  const value = PATTERN_FAILURE_CANDIDATES.find((candidate) => !pattern.test(candidate));
  if (value === undefined) throw new Error(`no candidate fails the pattern ${schema.pattern}`);
  return value;
}

/** The AppError the API's validation middleware reports for `body` under `schema`, or undefined if it passes. */
function refusal(schema: SchemaObject, body: unknown): AppError | undefined {
  let error: unknown;
  validate({ body: schema })({ body } as Request, {} as Response, (err?: unknown) => (error = err));
  return error as AppError | undefined;
}

describe('validation messages', () => {
  it('finds the patterns and formats of the contracts to check', () => {
    expect(shaped.length).toBeGreaterThanOrEqual(8);
  });

  it.each(shaped.map((s) => [s.where, s] as const))('%s answers a readable message, never a raw pattern', (_where, { name, schema }) => {
    const value = refusedValue(schema);
    const error = refusal({ type: 'object', properties: { [name]: schema } }, { [name]: value });

    expect(error).toBeInstanceOf(AppError);
    expect(error!.statusCode).toBe(400);
    expect(error!.errorType).toBe(schema.errorType ?? 'bad_request');
    expect(error!.message).toMatch(new RegExp(`^${name} `));
    expect(error!.message).not.toContain('must match');
    if (schema.pattern !== undefined) expect(error!.message).not.toContain(schema.pattern);
  });

  it('names the field in a pattern failure without an errorMessage', () => {
    const error = refusal({ type: 'object', properties: { invite_code: { type: 'string', pattern: '^[0-9]+$' } } }, { invite_code: 'abc' });
    expect(error!.message).toBe('invite_code is not a valid invite code.');
  });

  it('uses the errorMessage of the property when it has one', () => {
    const schema = { type: 'object', properties: { code: { type: 'string', pattern: '^[0-9]+$', errorMessage: 'must be digits' } } };
    expect(refusal(schema, { code: 'abc' })!.message).toBe('code must be digits.');
  });

  it('lists the allowed values of an enum', () => {
    const schema = { type: 'object', properties: { status: { type: 'string', enum: ['sent', 'captured'] } } };
    expect(refusal(schema, { status: 'lost' })!.message).toBe('status must be one of "sent", "captured".');
  });
});
