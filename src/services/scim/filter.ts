import { parse, Tester, type Compare, type Filter } from 'scim2-parse-filter';
import { scimBadRequest } from './scim-error';
import { GROUP_SCHEMA_ID, USER_SCHEMA_ID } from './schemas';

/**
 * How one filterable attribute reads in SQL. `sql` yields text for string
 * attributes (cast uuids: `u.id::text`), a boolean or a timestamptz for the
 * others. A multi-valued attribute's elements are scanned by EXISTS:
 * `elements` is a FROM item (a set-returning function or a parenthesized
 * subquery) and `value(alias)` reads this sub-attribute from one element.
 */
export interface FilterAttribute {
  sql: string;
  type: 'string' | 'boolean' | 'dateTime';
  caseExact?: boolean;
  multiValued?: { elements: string; value: (alias: string) => string };
}

/** Keys: lower-case attribute paths ('username', 'name.familyname', 'emails.value', 'urn:…:enterprise:2.0:user:employeenumber'). */
export type FilterAttributes = Record<string, FilterAttribute>;

export type FilterAst = Filter;
/** What a compiled filter binds: strings and booleans only (knex's whereRaw takes them as they are). */
export type FilterBinding = string | boolean;

/** Longer filters are refused before parsing (no directory sends one). */
export const MAX_FILTER_LENGTH = 2000;
/** How deeply and/or/not/[] may nest: bounds the SQL built and the recursion building it. */
export const MAX_FILTER_DEPTH = 16;

const invalid = (detail: string) => scimBadRequest('invalidFilter', detail);

function depthOf(filter: Filter): number {
  switch (filter.op) {
    case 'and':
    case 'or':
      return 1 + Math.max(...filter.filters.map(depthOf));
    case 'not':
      return 1 + depthOf(filter.filter);
    case '[]':
      return 1 + depthOf(filter.valFilter);
    default:
      return 1;
  }
}

/** Parses a SCIM filter (RFC 7644 §3.4.2.2) with scim2-parse-filter; any flaw is a 400 invalidFilter. */
export function parseFilter(filter: string): FilterAst {
  if (filter.length > MAX_FILTER_LENGTH) throw invalid(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  if (filter.trim() === '') throw invalid('The filter is empty.');
  let ast: Filter;
  try {
    ast = parse(filter);
  } catch (error) {
    throw invalid(`The filter cannot be parsed: ${(error as Error).message}.`);
  }
  if (depthOf(ast) > MAX_FILTER_DEPTH) throw invalid(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels.`);
  return ast;
}

/** Core schema URNs may prefix an attribute name (`urn:…:core:2.0:User:userName`); they mean the same attribute. */
const CORE_PREFIXES = [USER_SCHEMA_ID, GROUP_SCHEMA_ID].map((urn) => `${urn.toLowerCase()}:`);

function attributeKey(path: string): string {
  const key = path.toLowerCase();
  const prefix = CORE_PREFIXES.find((candidate) => key.startsWith(candidate));
  return prefix ? key.slice(prefix.length) : key;
}

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (character) => `\\${character}`);

/** Builds one parameterized condition: input only ever goes to `bindings`. */
class Compiler {
  readonly bindings: FilterBinding[] = [];
  private aliases = 0;

  constructor(private readonly attributes: FilterAttributes) {}

  compile(filter: Filter, scope?: { prefix: string; alias: string }): string {
    switch (filter.op) {
      case 'and':
      case 'or':
        return `(${filter.filters.map((inner) => this.compile(inner, scope)).join(` ${filter.op.toUpperCase()} `)})`;
      case 'not':
        return `(NOT ${this.compile(filter.filter, scope)})`;
      case '[]':
        return this.valuePath(filter.attrPath, filter.valFilter, scope);
      default:
        return this.attributeExpression(filter, scope);
    }
  }

  private lookup(path: string, scope: { prefix: string; alias: string } | undefined): { key: string; attribute: FilterAttribute } {
    const key = scope ? `${scope.prefix}.${attributeKey(path)}` : attributeKey(path);
    // A multi-valued attribute named without a sub-attribute means its `value` (RFC 7644 §3.4.2.2).
    const attribute = this.attributes[key] ?? this.attributes[`${key}.value`];
    if (!attribute) throw invalid(`The filter names an attribute that cannot be filtered on: ${scope ? `${scope.prefix}.` : ''}${path}.`);
    return { key, attribute };
  }

  private valuePath(path: string, inner: Filter, scope: { prefix: string; alias: string } | undefined): string {
    if (scope) throw invalid(`The filter nests a value path inside ${scope.prefix}[…].`);
    const prefix = attributeKey(path);
    const elements = Object.entries(this.attributes).find(([key, attribute]) => key.startsWith(`${prefix}.`) && attribute.multiValued);
    if (!elements?.[1].multiValued) throw invalid(`The filter uses ${path}[…], but ${path} is not a multi-valued attribute.`);
    const alias = this.alias();
    const condition = this.compile(inner, { prefix, alias });
    return `EXISTS (SELECT 1 FROM ${elements[1].multiValued.elements} AS ${alias} WHERE ${condition})`;
  }

  private attributeExpression(
    filter: Compare | { op: 'pr'; attrPath: string },
    scope: { prefix: string; alias: string } | undefined,
  ): string {
    const { attribute } = this.lookup(filter.attrPath, scope);
    const multiValued = attribute.multiValued;
    if (scope) {
      if (!multiValued) throw invalid(`${filter.attrPath} is not a sub-attribute of ${scope.prefix}.`);
      return this.condition(filter, attribute, multiValued.value(scope.alias));
    }
    if (!multiValued) return this.condition(filter, attribute, attribute.sql);
    const alias = this.alias();
    return `EXISTS (SELECT 1 FROM ${multiValued.elements} AS ${alias} WHERE ${this.condition(filter, attribute, multiValued.value(alias))})`;
  }

  private alias(): string {
    this.aliases += 1;
    return `scim_filter_${this.aliases}`;
  }

  private bind(value: FilterBinding): string {
    this.bindings.push(value);
    return '?';
  }

  private condition(filter: Compare | { op: 'pr'; attrPath: string }, attribute: FilterAttribute, sql: string): string {
    if (filter.op === 'pr') return attribute.type === 'string' ? `(${sql} IS NOT NULL AND ${sql} <> '')` : `(${sql} IS NOT NULL)`;
    const { op, attrPath } = filter;
    let value = filter.compValue;
    if (value === null) {
      if (op === 'eq') return `(${sql} IS NULL)`;
      if (op === 'ne') return `(${sql} IS NOT NULL)`;
      throw invalid(`${attrPath} ${op} null compares with null; only eq and ne can.`);
    }
    if (attribute.type === 'boolean') {
      // Entra's legacy dialect quotes booleans ("True").
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) value = value.toLowerCase() === 'true';
      if (typeof value !== 'boolean') throw invalid(`${attrPath} is a boolean; compare it with true or false.`);
      if (op !== 'eq' && op !== 'ne') throw invalid(`${attrPath} is a boolean; only eq, ne and pr apply to it.`);
      return op === 'eq' ? `(${sql} = ${this.bind(value)})` : `(${sql} IS DISTINCT FROM ${this.bind(value)})`;
    }
    if (typeof value !== 'string')
      throw invalid(`${attrPath} is a ${attribute.type === 'string' ? 'string' : 'dateTime'}; quote the value it is compared with.`);
    if (attribute.type === 'dateTime') {
      if (Number.isNaN(Date.parse(value))) throw invalid(`${attrPath} is a dateTime, and ${JSON.stringify(value)} is not one.`);
      if (op === 'co' || op === 'sw' || op === 'ew') throw invalid(`${attrPath} is a dateTime; ${op} does not apply to it.`);
      const bound = `CAST(${this.bind(new Date(value).toISOString())} AS timestamptz)`;
      return op === 'ne' ? `(${sql} IS DISTINCT FROM ${bound})` : `(${sql} ${OPERATORS[op]} ${bound})`;
    }
    const exact = attribute.caseExact === true;
    const column = exact ? sql : `lower(${sql})`;
    const placeholder = (bound: string) => (exact ? this.bind(bound) : `lower(${this.bind(bound)})`);
    switch (op) {
      case 'co':
        return `(${column} LIKE ${placeholder(`%${escapeLike(value)}%`)} ESCAPE '\\')`;
      case 'sw':
        return `(${column} LIKE ${placeholder(`${escapeLike(value)}%`)} ESCAPE '\\')`;
      case 'ew':
        return `(${column} LIKE ${placeholder(`%${escapeLike(value)}`)} ESCAPE '\\')`;
      case 'ne':
        return `(${column} IS DISTINCT FROM ${placeholder(value)})`;
      default:
        return `(${column} ${OPERATORS[op]} ${placeholder(value)})`;
    }
  }
}

const OPERATORS = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/**
 * A SCIM filter as a parameterized SQL condition for knex's
 * `whereRaw(sql, bindings)`: attribute names become the SQL `attributes`
 * gives, values become bindings, never SQL text. String comparisons ignore
 * case unless the attribute is caseExact.
 */
export function compileFilter(filter: string, attributes: FilterAttributes): { sql: string; bindings: FilterBinding[] } {
  const compiler = new Compiler(attributes);
  const sql = compiler.compile(parseFilter(filter));
  return { sql, bindings: compiler.bindings };
}

/** scim2-parse-filter's matcher, comparing strings case-insensitively as most SCIM attributes want (`type eq "Work"`). */
class CaseInsensitiveTester extends Tester {
  private static fold<T>(value: T): T {
    return (typeof value === 'string' ? value.toLowerCase() : value) as T;
  }

  override eq(r: unknown, v: CompValue): boolean {
    return super.eq(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v));
  }
  override ne(r: unknown, v: CompValue): boolean {
    return super.ne(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v));
  }
  override co(r: unknown, v: CompValue): boolean {
    return super.co(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v));
  }
  override sw(r: unknown, v: CompValue): boolean {
    return super.sw(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v));
  }
  override ew(r: unknown, v: CompValue): boolean {
    return super.ew(CaseInsensitiveTester.fold(r), CaseInsensitiveTester.fold(v));
  }
}

const tester = new CaseInsensitiveTester();
type CompValue = Compare['compValue'];

/** Whether one element of a multi-valued attribute matches a PATCH value path's filter (`emails[type eq "work"]`). */
export function matchesFilter(item: Record<string, unknown>, ast: FilterAst): boolean {
  return tester.test(item, ast);
}
