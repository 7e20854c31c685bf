import { isDeepStrictEqual } from 'node:util';
import { matchesFilter, type FilterAst } from './filter';
import { definitionAt, isObject, locate, parsePath, type Json, type PatchPath } from './patch-path';
import { ScimError, scimBadRequest } from './scim-error';
import { findAttribute, findExtension, type ResourceSchema, type SchemaAttribute } from './schemas';

export type { PatchPath } from './patch-path';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** More operations than this in one PATCH are refused: a directory splits bigger changes. */
export const MAX_PATCH_OPERATIONS = 1000;

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  /** Always set by parsePatchRequest: path-less operations are split into one operation per attribute. */
  path?: PatchPath;
  value?: unknown;
}

/**
 * `value` as the attribute's schema types it: Entra's legacy dialect sends
 * booleans as "True"/"False" and the enterprise manager as a bare id; keys of
 * complex values get their canonical spelling.
 */
function normalizeValue(definition: SchemaAttribute | undefined, value: unknown, element = false): unknown {
  if (!definition) return value;
  if (definition.type === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (definition.type !== 'complex') return value;
  if (Array.isArray(value) && !element) return value.map((item) => normalizeValue(definition, item, true));
  if (typeof value === 'string' && !definition.multiValued) return { value };
  if (!isObject(value)) return value;
  const normalized: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = findAttribute(definition.subAttributes, key);
    normalized[sub?.name ?? key] = normalizeValue(sub, item);
  }
  return normalized;
}

function operationOf(raw: unknown, index: number, schemas: readonly ResourceSchema[]): PatchOperation[] {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw scimBadRequest('invalidSyntax', `${where} is not an object.`);
  const entries = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key.toLowerCase(), value]));
  const op = typeof entries.op === 'string' ? entries.op.toLowerCase() : undefined;
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    throw scimBadRequest('invalidSyntax', `${where}.op must be add, remove or replace.`);
  }
  const { path, value } = entries;
  if (path !== undefined && typeof path !== 'string') throw scimBadRequest('invalidPath', `${where}.path must be a string.`);
  const hasPath = typeof path === 'string' && path.trim() !== '';
  if (!hasPath) {
    if (op === 'remove') throw scimBadRequest('noTarget', `${where} removes without a path.`);
    if (!isObject(value)) throw scimBadRequest('invalidSyntax', `${where} has no path, so its value must be an object of attributes.`);
    return pathLess(op, value, schemas);
  }
  const parsed = parsePath(path, schemas);
  if (op === 'remove')
    return [{ op, path: parsed, ...(value === undefined ? {} : { value: normalizeValue(definitionAt(parsed, schemas), value) }) }];
  if (value === undefined) throw scimBadRequest('invalidSyntax', `${where} (${op}) has no value.`);
  // A whole extension written at once (`path: urn:…:enterprise:2.0:User`) is each of its attributes written.
  if (!parsed.valueFilter && !parsed.subAttribute && findExtension(schemas, parsed.attribute)) {
    if (!isObject(value)) throw scimBadRequest('invalidValue', `${where} writes ${parsed.attribute}, whose value must be an object.`);
    return pathLess(op, { [parsed.attribute]: value }, schemas);
  }
  const definition = definitionAt(parsed, schemas);
  return [{ op, path: parsed, value: normalizeValue(definition, value, parsed.valueFilter !== undefined && !parsed.subAttribute) }];
}

/** A path-less add or replace: each key of the value is its own path (Entra even sends `name.givenName` keys), extension URN keys expanded. */
function pathLess(op: 'add' | 'replace', value: Json, schemas: readonly ResourceSchema[]): PatchOperation[] {
  const operations: PatchOperation[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (key.toLowerCase() === 'schemas') continue;
    const extension = findExtension(schemas, key);
    const paths =
      extension && isObject(item)
        ? Object.entries(item).map(([name, inner]) => [`${extension.id}:${name}`, inner] as const)
        : [[key, item] as const];
    for (const [raw, inner] of paths) {
      const path = parsePath(raw, schemas);
      operations.push({
        op,
        path,
        value: normalizeValue(definitionAt(path, schemas), inner, path.valueFilter !== undefined && !path.subAttribute),
      });
    }
  }
  return operations;
}

/**
 * Reads a PATCH body (RFC 7644 §3.5.2) into operations, each with a parsed
 * path; tolerant of Entra's legacy dialect (capitalised ops, "True"/"False",
 * path-less writes) and Okta's shapes. A malformed body is refused whole.
 */
export function parsePatchRequest(body: unknown, schemas: readonly ResourceSchema[]): PatchOperation[] {
  if (!isObject(body)) throw scimBadRequest('invalidSyntax', 'The PATCH body must be a PatchOp object.');
  const fields = Object.fromEntries(Object.entries(body).map(([key, value]) => [key.toLowerCase(), value]));
  const declared = Array.isArray(fields.schemas) ? fields.schemas : [];
  if (!declared.some((schema) => typeof schema === 'string' && schema.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw scimBadRequest('invalidSyntax', `The PATCH body's schemas must be ["${PATCH_OP_SCHEMA}"].`);
  }
  const operations = fields.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw scimBadRequest('invalidSyntax', 'Operations must be a non-empty array.');
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw scimBadRequest('invalidSyntax', `A PATCH takes at most ${MAX_PATCH_OPERATIONS} operations; this one has ${operations.length}.`);
  }
  return operations.flatMap((operation, index) => operationOf(operation, index, schemas));
}

/** Two elements of a multi-valued attribute are the same when their `value`s are (a member added twice is one member). */
function sameItem(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b) && 'value' in a && 'value' in b) return isDeepStrictEqual(a.value, b.value);
  return isDeepStrictEqual(a, b);
}

/** RFC 7643 §2.4: one element at most is primary; the one this operation made primary wins. */
function keepOnePrimary(items: unknown[], written: unknown[]): void {
  const winner = [...written].reverse().find((item) => isObject(item) && item.primary === true);
  if (!winner) return;
  for (const item of items) if (item !== winner && isObject(item) && item.primary === true) item.primary = false;
}

/** The element a value filter of equalities describes (`type eq "work"` → { type: 'work' }), or undefined for any other filter. */
function elementOf(filter: FilterAst, definition: SchemaAttribute | undefined): Json | undefined {
  if (filter.op === 'eq' && !filter.attrPath.includes('.') && filter.compValue !== null) {
    return { [findAttribute(definition?.subAttributes, filter.attrPath)?.name ?? filter.attrPath]: filter.compValue };
  }
  if (filter.op !== 'and') return undefined;
  const parts = filter.filters.map((inner) => elementOf(inner, definition));
  return parts.every((part) => part !== undefined) ? Object.assign({}, ...parts) : undefined;
}

function checkMutability(operation: PatchOperation & { path: PatchPath }, definition: SchemaAttribute | undefined, current: unknown): void {
  if (!definition || (definition.mutability !== 'readOnly' && definition.mutability !== 'immutable')) return;
  const { op, path, value } = operation;
  const plain = !path.valueFilter && !path.subAttribute;
  // Writing the value it already has changes nothing (Okta's group rename sends the id back).
  if (op !== 'remove' && plain && isDeepStrictEqual(current, value)) return;
  if (definition.mutability === 'immutable' && op !== 'remove' && plain && current === undefined) return;
  throw scimBadRequest('mutability', `${path.raw} is ${definition.mutability}: it cannot be ${op === 'remove' ? 'removed' : 'changed'}.`);
}

function applyFiltered(
  container: Json,
  name: string,
  operation: PatchOperation & { path: PatchPath },
  definition: SchemaAttribute | undefined,
): void {
  const { op, path, value } = operation;
  const items = Array.isArray(container[name]) ? (container[name] as unknown[]) : [];
  const matches = items.filter((item): item is Json => isObject(item) && matchesFilter(item, path.valueFilter!));
  const sub = path.subAttribute;
  if (op === 'remove') {
    if (sub) for (const item of matches) delete item[sub];
    else container[name] = items.filter((item) => !matches.includes(item as Json));
    if ((container[name] as unknown[]).length === 0) delete container[name];
    return;
  }
  if (matches.length === 0) {
    // Entra writes `emails[type eq "work"].value` to users that have no work email yet: the filter describes the element to add.
    const element = elementOf(path.valueFilter!, definition);
    if (!element) throw scimBadRequest('noTarget', `No value of ${name} matches ${path.raw}.`);
    const added = sub ? { ...element, [sub]: value } : { ...element, ...(isObject(value) ? value : {}) };
    container[name] = [...items, added];
    keepOnePrimary(container[name] as unknown[], [added]);
    return;
  }
  const written = matches.map((item) => {
    if (sub) item[sub] = value;
    else if (op === 'add' && isObject(value)) Object.assign(item, value);
    else if (isObject(value)) {
      for (const key of Object.keys(item)) delete item[key];
      Object.assign(item, value);
    } else throw scimBadRequest('invalidValue', `${path.raw} needs an object value.`);
    return item;
  });
  keepOnePrimary(items, written);
}

function applyPlain(
  container: Json,
  name: string,
  operation: PatchOperation & { path: PatchPath },
  definition: SchemaAttribute | undefined,
): void {
  const { op, value, path } = operation;
  const current = container[name];
  const multiValued = definition ? definition.multiValued : Array.isArray(current);
  const sub = path.subAttribute;
  if (sub) {
    if (multiValued) {
      const items = (Array.isArray(current) ? current : []).filter(isObject);
      if (op !== 'remove' && items.length === 0) container[name] = [{ [sub]: value }];
      for (const item of items) {
        if (op === 'remove') delete item[sub];
        else item[sub] = value;
      }
      return;
    }
    if (op === 'remove') {
      if (!isObject(current)) return;
      delete current[sub];
      if (Object.keys(current).length === 0) delete container[name];
    } else container[name] = { ...(isObject(current) ? current : {}), [sub]: value };
    return;
  }
  if (op === 'remove') {
    // Entra's legacy member removal: `remove members` with the values to remove.
    if (multiValued && Array.isArray(current) && value !== undefined) {
      const gone = Array.isArray(value) ? value : [value];
      const kept = current.filter((item) => !gone.some((other) => sameItem(item, other)));
      if (kept.length > 0) container[name] = kept;
      else delete container[name];
    } else delete container[name];
    return;
  }
  if (multiValued) {
    const given = Array.isArray(value) ? value : [value];
    if (op === 'replace') container[name] = given;
    else {
      const merged = Array.isArray(current) ? current : [];
      for (const item of given) if (!merged.some((existing) => sameItem(existing, item))) merged.push(item);
      container[name] = merged;
    }
    keepOnePrimary(container[name] as unknown[], given);
    return;
  }
  // RFC 7644 §3.5.2.1/3: a complex attribute's given sub-attributes are merged in, the others kept.
  container[name] = definition?.type === 'complex' && isObject(current) && isObject(value) ? { ...current, ...value } : value;
}

function applyOperation(resource: Json, operation: PatchOperation, schemas: readonly ResourceSchema[]): void {
  if (!operation.path) throw scimBadRequest('noTarget', `The ${operation.op} operation has no path.`);
  const withPath = operation as PatchOperation & { path: PatchPath };
  const { urn, name, definition } = locate(operation.path.attribute, schemas);
  if (urn && name === undefined) {
    if (operation.op !== 'remove') throw scimBadRequest('invalidPath', `Write the attributes of ${urn} one by one.`);
    delete resource[urn];
    dropExtension(resource, urn);
    return;
  }
  const attributeName = name!;
  if (urn && !isObject(resource[urn])) {
    if (operation.op === 'remove') return;
    resource[urn] = {};
  }
  const container = urn ? (resource[urn] as Json) : resource;
  checkMutability(withPath, definition, container[attributeName]);
  if (operation.path.valueFilter) applyFiltered(container, attributeName, withPath, definition);
  else applyPlain(container, attributeName, withPath, definition);
  if (!urn) return;
  if (Object.keys(container).length === 0) {
    delete resource[urn];
    dropExtension(resource, urn);
  } else if (Array.isArray(resource.schemas) && !resource.schemas.some((schema) => String(schema).toLowerCase() === urn.toLowerCase())) {
    resource.schemas = [...(resource.schemas as unknown[]), urn];
  }
}

/** `schemas` lists the extensions a resource carries (RFC 7643 §3): one emptied leaves it. */
function dropExtension(resource: Json, urn: string): void {
  if (Array.isArray(resource.schemas))
    resource.schemas = resource.schemas.filter((schema) => String(schema).toLowerCase() !== urn.toLowerCase());
}

/**
 * Applies operations to a resource, all or none: they run on a deep copy and
 * any failure (mutability, noTarget, …) throws before anything is returned,
 * so the caller's resource never changes.
 */
export function applyPatch(
  resource: Record<string, unknown>,
  ops: PatchOperation[],
  schemas: readonly ResourceSchema[],
): Record<string, unknown> {
  const copy = structuredClone(resource);
  for (const operation of ops) {
    try {
      applyOperation(copy, operation, schemas);
    } catch (error) {
      if (error instanceof ScimError) throw error;
      throw scimBadRequest(
        'invalidValue',
        `The ${operation.op} of ${operation.path?.raw ?? 'the resource'} cannot be applied: ${(error as Error).message}.`,
      );
    }
  }
  return copy;
}

/** Separates the operations on one attribute (a group's `members`, applied set-based in SQL) from the rest, each in order. */
export function splitOps(ops: PatchOperation[], attribute: string): { matching: PatchOperation[]; rest: PatchOperation[] } {
  const wanted = attribute.toLowerCase();
  const matching = ops.filter((operation) => operation.path?.attribute.toLowerCase() === wanted);
  return { matching, rest: ops.filter((operation) => !matching.includes(operation)) };
}
