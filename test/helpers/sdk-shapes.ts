import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * The wire the `stytch` SDK expects, read from the SDK itself: which request
 * each B2B method sends (from its compiled `dist/b2b/*.js`) and what its
 * response type declares (from `types/lib/b2b/*.d.ts`, through the TypeScript
 * checker, so imported and nested types resolve). A new SDK method, or a new
 * Roster route the SDK calls, is covered without listing it anywhere.
 */

/**
 * What the SDK declares for one value. `any` covers what it leaves open
 * (records, unknown, unions of objects). Object types are referred to by key
 * into one table, so the whole wire is plain JSON (cached across test files)
 * and self-referring types end.
 */
export type Shape =
  | { kind: 'object'; ref: string }
  | { kind: 'array'; item: Shape }
  | { kind: 'primitive'; types: ('string' | 'number' | 'boolean')[] }
  | { kind: 'any' };

export interface Property {
  optional: boolean;
  nullable: boolean;
  shape: Shape;
}

export interface ObjectType {
  name: string;
  properties: Record<string, Property>;
}

interface SdkMethodJson {
  /** e.g. `organizations.members.update`, as the client reaches it. */
  name: string;
  method: string;
  /** The URL template with each interpolation as `:param`. */
  path: string;
  response: Shape;
}

export interface SdkMethod extends SdkMethodJson {
  matcher: RegExp;
  /** Literal segments: the more, the more specific (`members/search` beats `:member_id`). */
  literals: number;
}

interface SdkWire {
  methods: SdkMethodJson[];
  objects: Record<string, ObjectType>;
}

// The package's exports hide package.json: its main file (dist/index.js) locates it.
const SDK_ROOT = dirname(dirname(require.resolve('stytch')));
const B2B_JS = join(SDK_ROOT, 'dist', 'b2b');
const B2B_TYPES = join(SDK_ROOT, 'types', 'lib', 'b2b');

interface Request {
  className: string;
  methodName: string;
  method: string;
  path: string;
}

/** Every `request(…, { method, url })` a class method of a compiled SDK file sends. */
function requestsIn(file: string): Request[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: Request[] = [];
  const visit = (node: ts.Node, className?: string, methodName?: string) => {
    if (ts.isClassDeclaration(node) && node.name) className = node.name.text;
    if (ts.isMethodDeclaration(node) && ts.isIdentifier(node.name)) methodName = node.name.text;
    if (ts.isObjectLiteralExpression(node) && className && methodName) {
      const property = (name: string) =>
        node.properties.find(
          (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === name,
        )?.initializer;
      const method = property('method');
      const url = property('url');
      if (method && ts.isStringLiteral(method) && url) found.push({ className, methodName, method: method.text, path: urlTemplate(url) });
    }
    ts.forEachChild(node, (child) => visit(child, className, methodName));
  };
  visit(source);
  return found;
}

/** `/a/${encodeURIComponent(data.member_id)}/b` → `/a/:member_id/b`. */
function urlTemplate(url: ts.Expression): string {
  if (ts.isNoSubstitutionTemplateLiteral(url) || ts.isStringLiteral(url)) return url.text;
  if (!ts.isTemplateExpression(url)) throw new Error(`SDK URL is neither a string nor a template: ${url.getText()}`);
  const param = (expression: ts.Expression): string => {
    if (ts.isCallExpression(expression)) return param(expression.arguments[0]);
    if (ts.isPropertyAccessExpression(expression)) return expression.name.text;
    throw new Error(`unexpected SDK URL interpolation: ${expression.getText()}`);
  };
  return url.head.text + url.templateSpans.map((span) => `:${param(span.expression)}${span.literal.text}`).join('');
}

class ShapeReader {
  readonly objects: Record<string, ObjectType> = {};
  private readonly refs = new Map<ts.Type, string>();

  constructor(private readonly checker: ts.TypeChecker) {}

  read(type: ts.Type): Shape {
    const parts = type.isUnion() ? type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null))) : [type];
    if (parts.length === 0) return { kind: 'any' };
    const primitive = (t: ts.Type) =>
      t.flags & ts.TypeFlags.StringLike
        ? 'string'
        : t.flags & ts.TypeFlags.NumberLike
          ? 'number'
          : t.flags & ts.TypeFlags.BooleanLike
            ? 'boolean'
            : undefined;
    const kinds = parts.map(primitive);
    if (kinds.every((k) => k !== undefined))
      return { kind: 'primitive', types: [...new Set(kinds as ('string' | 'number' | 'boolean')[])] };
    if (parts.length > 1) return { kind: 'any' };
    const [only] = parts;
    if (this.checker.isArrayType(only))
      return { kind: 'array', item: this.read(this.checker.getTypeArguments(only as ts.TypeReference)[0]) };
    if (only.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown) || only.getStringIndexType() || !(only.flags & ts.TypeFlags.Object))
      return { kind: 'any' };
    return { kind: 'object', ref: this.objectRef(only) };
  }

  private objectRef(type: ts.Type): string {
    const known = this.refs.get(type);
    if (known) return known;
    const name = this.checker.typeToString(type);
    let ref = name;
    for (let n = 2; ref in this.objects; n++) ref = `${name}#${n}`;
    const object: ObjectType = { name, properties: {} };
    // Registered before its properties are read: types that refer to themselves end here.
    this.refs.set(type, ref);
    this.objects[ref] = object;
    for (const symbol of this.checker.getPropertiesOfType(type)) {
      const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (!declaration) continue;
      const propertyType = this.checker.getTypeOfSymbolAtLocation(symbol, declaration);
      const nullable = propertyType.isUnion() && propertyType.types.some((t) => t.flags & ts.TypeFlags.Null);
      object.properties[symbol.name] = {
        optional: (symbol.flags & ts.SymbolFlags.Optional) !== 0,
        nullable,
        shape: this.read(propertyType),
      };
    }
    return ref;
  }
}

/** Every B2B SDK method that sends a request, with its response shape. */
function readWire(): SdkWire {
  const files = readdirSync(B2B_JS).filter((f) => f.endsWith('.js') && f !== 'index.js' && f !== 'client.js');
  const program = ts.createProgram([...files.map((f) => join(B2B_TYPES, f.replace(/\.js$/, '.d.ts'))), join(B2B_TYPES, 'client.d.ts')], {
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
  });
  const checker = program.getTypeChecker();
  const reader = new ShapeReader(checker);
  const accessors = clientAccessors(program, checker);
  const methods: SdkMethodJson[] = [];
  for (const file of files) {
    const types = program.getSourceFile(join(B2B_TYPES, file.replace(/\.js$/, '.d.ts')));
    if (!types) throw new Error(`no SDK types for ${file}`);
    for (const request of requestsIn(join(B2B_JS, file))) {
      const declaration = types.statements
        .filter(ts.isClassDeclaration)
        .find((c) => c.name?.text === request.className)
        ?.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText() === request.methodName);
      if (!declaration) throw new Error(`no SDK type for ${request.className}.${request.methodName} (${file})`);
      const returned = checker.getReturnTypeOfSignature(checker.getSignatureFromDeclaration(declaration)!);
      methods.push({
        name: `${accessors.get(classKey(types.fileName, request.className)) ?? `${file}:${request.className}`}.${request.methodName}`,
        method: request.method,
        path: request.path,
        response: reader.read(checker.getAwaitedType(returned) ?? returned),
      });
    }
  }
  return { methods, objects: reader.objects };
}

let wire: { methods: SdkMethod[]; objects: Record<string, ObjectType> } | undefined;

/**
 * The wire, read once per SDK version and version of this file (reading it
 * takes seconds, and every integration test file checks against it).
 */
function sdkWire(): NonNullable<typeof wire> {
  if (wire) return wire;
  const version = JSON.parse(readFileSync(join(SDK_ROOT, 'package.json'), 'utf8')).version;
  const readerVersion = createHash('sha256').update(readFileSync(__filename)).digest('hex').slice(0, 12);
  const cache = join(tmpdir(), `roster-sdk-wire-${version}-${readerVersion}.json`);
  let read: SdkWire;
  try {
    read = JSON.parse(readFileSync(cache, 'utf8'));
  } catch {
    read = readWire();
    // Written whole, then renamed: test files starting together never read half a cache.
    const partial = `${cache}.${process.pid}`;
    writeFileSync(partial, JSON.stringify(read));
    renameSync(partial, cache);
  }
  const methods = read.methods.map((m) => {
    const segments = m.path.split('/').filter(Boolean);
    const pattern = segments.map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    return { ...m, matcher: new RegExp(`^/${pattern}/?$`), literals: segments.filter((s) => !s.startsWith(':')).length };
  });
  wire = { methods, objects: read.objects };
  return wire;
}

export const sdkMethods = (): SdkMethod[] => sdkWire().methods;
export const sdkObject = (ref: string): ObjectType => sdkWire().objects[ref];

/** A class of the SDK by where it is declared: names repeat across files (`Discovery`, `Email`). */
const classKey = (fileName: string, className: string) => `${fileName}#${className}`;

/**
 * How each SDK class is reached from `B2BClient` (`Members` → `organizations.members`),
 * walking the client's properties, so failures name the call a test made.
 */
function clientAccessors(program: ts.Program, checker: ts.TypeChecker): Map<string, string> {
  const accessors = new Map<string, string>();
  const client = program.getSourceFile(join(B2B_TYPES, 'client.d.ts'));
  const clientClass = client?.statements.filter(ts.isClassDeclaration).find((c) => c.name?.text === 'B2BClient');
  if (!clientClass?.name) throw new Error('B2BClient not found in the SDK types');
  const walk = (type: ts.Type, prefix: string) => {
    for (const symbol of checker.getPropertiesOfType(type)) {
      const declaration = symbol.valueDeclaration;
      if (!declaration || !ts.isPropertyDeclaration(declaration)) continue;
      const propertyType = checker.getTypeOfSymbolAtLocation(symbol, declaration);
      const classDeclaration = propertyType.symbol?.declarations?.find(ts.isClassDeclaration);
      if (!classDeclaration?.name) continue;
      const key = classKey(classDeclaration.getSourceFile().fileName, classDeclaration.name.text);
      if (accessors.has(key)) continue;
      const path = prefix ? `${prefix}.${symbol.name}` : symbol.name;
      accessors.set(key, path);
      walk(propertyType, path);
    }
  };
  walk(checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(clientClass.name)!), '');
  return accessors;
}

/** The SDK method that sends `method path` (its most specific match), if any. */
export function sdkMethodFor(method: string, path: string): SdkMethod | undefined {
  let best: SdkMethod | undefined;
  for (const candidate of sdkMethods()) {
    if (candidate.method === method && candidate.matcher.test(path) && (!best || candidate.literals > best.literals)) best = candidate;
  }
  return best;
}

/**
 * Where `value` departs from `shape`: a required key missing, a key the SDK
 * does not declare, `null` where the SDK's type has none, or a value of
 * another primitive type.
 */
export function shapeDiff(value: unknown, shape: Shape, at = '$', objects: (ref: string) => ObjectType = sdkObject): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  switch (shape.kind) {
    case 'any':
      return [];
    case 'primitive':
      return shape.types.includes(typeof value as 'string') ? [] : [`${at}: ${kind(value)}, the SDK declares ${shape.types.join(' | ')}`];
    case 'array':
      if (!Array.isArray(value)) return [`${at}: ${kind(value)}, the SDK declares an array`];
      return value.flatMap((item, i) => shapeDiff(item, shape.item, `${at}[${i}]`, objects));
    case 'object': {
      const type = objects(shape.ref);
      if (kind(value) !== 'object') return [`${at}: ${kind(value)}, the SDK declares ${type.name}`];
      const record = value as Record<string, unknown>;
      const problems: string[] = [];
      for (const [key, property] of Object.entries(type.properties)) {
        if (!(key in record)) {
          if (!property.optional) problems.push(`${at}.${key}: missing, required by ${type.name}`);
        } else if (record[key] === null) {
          if (!property.nullable)
            problems.push(`${at}.${key}: null, ${type.name} declares it ${property.optional ? 'optional (absent, not null)' : 'non-null'}`);
        } else {
          problems.push(...shapeDiff(record[key], property.shape, `${at}.${key}`, objects));
        }
      }
      for (const key of Object.keys(record)) if (!(key in type.properties)) problems.push(`${at}.${key}: not declared by ${type.name}`);
      return problems;
    }
  }
}
