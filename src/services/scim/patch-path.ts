/** PATCH paths (RFC 7644 §3.5.2): parsed once, resolved against the resource's schemas. */
import { parseFilter, type FilterAst } from './filter';
import { scimBadRequest } from './scim-error';
import { findAttribute, findExtension, topLevelAttributes, type ResourceSchema, type SchemaAttribute } from './schemas';

export interface PatchPath {
  raw: string;
  /** The canonical attribute name, or an extension's URN + ':' + name (or the URN alone: the whole extension). */
  attribute: string;
  /** The value path's filter (`emails[type eq "work"]`), as parsed by scim2-parse-filter. */
  valueFilter?: FilterAst;
  /** The canonical sub-attribute (`name.givenName`, `emails[type eq "work"].value`). */
  subAttribute?: string;
}

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const invalidPath = (raw: string, why: string) => scimBadRequest('invalidPath', `The PATCH path ${JSON.stringify(raw)} ${why}.`);

/** An attribute path: a name, an optional value filter, an optional sub-attribute (RFC 7644 §3.5.2's PATH grammar, URN aside). */
const PATH = /^([A-Za-z$][\w$-]*)(?:\[(.+)\])?(?:\.([A-Za-z$][\w$-]*))?$/s;

/** Where an attribute lives: under an extension's URN key or at the top level, and its definition when a schema has one. */
export interface Target {
  urn?: string;
  name?: string;
  definition?: SchemaAttribute;
}

export function locate(attribute: string, schemas: readonly ResourceSchema[]): Target {
  const wholeExtension = findExtension(schemas, attribute);
  if (wholeExtension) return { urn: wholeExtension.id };
  const known = schemas.slice(1).find((schema) => attribute.toLowerCase().startsWith(`${schema.id.toLowerCase()}:`));
  if (known) {
    const name = attribute.slice(known.id.length + 1);
    const definition = findAttribute(known.attributes, name);
    return { urn: known.id, name: definition?.name ?? name, definition };
  }
  const colon = attribute.lastIndexOf(':');
  // An extension no schema describes (Entra's custom ones): kept under its URN as given.
  if (colon > 0) return { urn: attribute.slice(0, colon), name: attribute.slice(colon + 1) };
  const definition = findAttribute(topLevelAttributes(schemas), attribute);
  return { name: definition?.name ?? attribute, definition };
}

/** Parses one PATCH path; core-schema URN prefixes are dropped, extension URNs kept (canonically spelt). */
export function parsePath(raw: string, schemas: readonly ResourceSchema[]): PatchPath {
  const trimmed = raw.trim();
  if (trimmed === '') throw invalidPath(raw, 'is empty');
  const wholeExtension = findExtension(schemas, trimmed);
  if (wholeExtension) return { raw, attribute: wholeExtension.id };
  let urn: string | undefined;
  let rest = trimmed;
  const core = schemas[0];
  const known = schemas.find((schema) => trimmed.toLowerCase().startsWith(`${schema.id.toLowerCase()}:`));
  if (known) {
    urn = known === core ? undefined : known.id;
    rest = trimmed.slice(known.id.length + 1);
  } else if (/^urn:/i.test(trimmed)) {
    const head = trimmed.split('[')[0]!;
    const colon = head.lastIndexOf(':');
    urn = trimmed.slice(0, colon);
    rest = trimmed.slice(colon + 1);
  }
  const match = PATH.exec(rest);
  if (!match) throw invalidPath(raw, 'is not an attribute path');
  const [, name, filter, sub] = match as unknown as [string, string, string | undefined, string | undefined];
  const target = locate(urn ? `${urn}:${name}` : name, schemas);
  const definition = target.definition;
  const path: PatchPath = { raw, attribute: urn ? `${target.urn}:${target.name}` : target.name! };
  if (filter !== undefined) {
    if (definition && !definition.multiValued) throw invalidPath(raw, `filters ${definition.name}, which is not multi-valued`);
    try {
      path.valueFilter = parseFilter(filter);
    } catch (error) {
      throw invalidPath(raw, `has an invalid filter (${(error as Error).message})`);
    }
  }
  if (sub !== undefined) {
    if (definition && !definition.subAttributes) throw invalidPath(raw, `names a sub-attribute of ${definition.name}, which has none`);
    path.subAttribute = findAttribute(definition?.subAttributes, sub)?.name ?? sub;
  }
  return path;
}

/** The definition of what a path addresses: the attribute, or its sub-attribute. */
export function definitionAt(path: PatchPath, schemas: readonly ResourceSchema[]): SchemaAttribute | undefined {
  const { definition } = locate(path.attribute, schemas);
  return path.subAttribute ? findAttribute(definition?.subAttributes, path.subAttribute) : definition;
}
