/**
 * The SCIM schemas Roster serves (RFC 7643 §4, §8.7.1), as data: /Schemas
 * answers them, filters and PATCH paths resolve attribute names through them,
 * and canonicalize() gives every attribute its canonical spelling.
 */

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

/** An attribute definition as RFC 7643 §7 writes it. */
export interface SchemaAttribute {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: SchemaAttribute[];
}

export interface ResourceSchema {
  id: string;
  name: string;
  description: string;
  attributes: SchemaAttribute[];
}

export const USER_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA_ID = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:Group';

type Options = Partial<Omit<SchemaAttribute, 'name' | 'type' | 'description'>>;

/** An attribute with RFC 7643 §2.2's defaults (single-valued, optional, case-insensitive, readWrite, returned by default, not unique). */
function attribute(name: string, type: AttributeType, description: string, options: Options = {}): SchemaAttribute {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

const text = (name: string, description: string, options?: Options) => attribute(name, 'string', description, options);
const complex = (name: string, description: string, subAttributes: SchemaAttribute[], options?: Options) =>
  attribute(name, 'complex', description, { ...options, subAttributes });

/** The sub-attributes most multi-valued attributes share (value, display, type, primary: RFC 7643 §2.4). */
function multiValued(name: string, description: string, types: string[] | undefined, valueType: AttributeType = 'string'): SchemaAttribute {
  return complex(
    name,
    description,
    [
      attribute('value', valueType, `The value of ${name}.`, valueType === 'reference' ? { referenceTypes: ['external'] } : {}),
      text('display', 'A human-readable name, primarily used for display purposes.'),
      text('type', `A label indicating the ${name}'s function.`, types ? { canonicalValues: types } : {}),
      attribute('primary', 'boolean', `Whether this is the primary value of ${name}.`),
    ],
    { multiValued: true },
  );
}

export const USER_SCHEMA: ResourceSchema = {
  id: USER_SCHEMA_ID,
  name: 'User',
  description: 'User Account',
  attributes: [
    text('userName', 'Unique identifier for the User, typically used by the user to directly authenticate to the service provider.', {
      required: true,
      uniqueness: 'server',
    }),
    complex('name', "The components of the user's real name.", [
      text('formatted', 'The full name, including all middle names, titles, and suffixes as appropriate, formatted for display.'),
      text('familyName', 'The family name of the User.'),
      text('givenName', 'The given name of the User.'),
      text('middleName', 'The middle name(s) of the User.'),
      text('honorificPrefix', 'The honorific prefix(es) of the User.'),
      text('honorificSuffix', 'The honorific suffix(es) of the User.'),
    ]),
    text('displayName', 'The name of the User, suitable for display to end-users.'),
    text('nickName', 'The casual way to address the user in real life.'),
    attribute('profileUrl', 'reference', "A fully qualified URL pointing to a page representing the User's online profile.", {
      referenceTypes: ['external'],
    }),
    text('title', 'The user\'s title, such as "Vice President".'),
    text('userType', 'Used to identify the relationship between the organization and the user.'),
    text('preferredLanguage', "Indicates the User's preferred written or spoken language."),
    text('locale', "Used to indicate the User's default location for purposes of localizing items."),
    text('timezone', "The User's time zone in the 'Olson' time zone database format."),
    attribute('active', 'boolean', "A Boolean value indicating the User's administrative status."),
    text('password', "The User's cleartext password.", { mutability: 'writeOnly', returned: 'never' }),
    multiValued('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multiValued('phoneNumbers', 'Phone numbers for the User.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValued('ims', 'Instant messaging addresses for the User.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multiValued('photos', 'URLs of photos of the User.', ['photo', 'thumbnail'], 'reference'),
    complex(
      'addresses',
      'A physical mailing address for this User.',
      [
        text('formatted', 'The full mailing address, formatted for display or use with a mailing label.'),
        text('streetAddress', 'The full street address component.'),
        text('locality', 'The city or locality component.'),
        text('region', 'The state or region component.'),
        text('postalCode', 'The zip code or postal code component.'),
        text('country', 'The country name component.'),
        text('type', "A label indicating the address's function.", { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'boolean', 'Whether this is the primary address.'),
      ],
      { multiValued: true },
    ),
    complex(
      'groups',
      'A list of groups to which the user belongs, either through direct membership or through nested groups.',
      [
        text('value', "The identifier of the User's group.", { mutability: 'readOnly' }),
        attribute('$ref', 'reference', "The URI of the corresponding 'Group' resource.", {
          referenceTypes: ['User', 'Group'],
          mutability: 'readOnly',
        }),
        text('display', 'A human-readable name, primarily used for display purposes.', { mutability: 'readOnly' }),
        text('type', 'A label indicating the membership: direct or indirect.', {
          canonicalValues: ['direct', 'indirect'],
          mutability: 'readOnly',
        }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    multiValued('entitlements', 'A list of entitlements for the User that represent a thing the User has.', undefined),
    multiValued('roles', 'A list of roles for the User that collectively represent who the User is.', undefined),
    multiValued('x509Certificates', 'A list of certificates issued to the User.', undefined, 'binary'),
  ],
};

export const ENTERPRISE_USER_SCHEMA: ResourceSchema = {
  id: ENTERPRISE_USER_SCHEMA_ID,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    text(
      'employeeNumber',
      'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.',
    ),
    text('costCenter', 'Identifies the name of a cost center.'),
    text('organization', 'Identifies the name of an organization.'),
    text('division', 'Identifies the name of a division.'),
    text('department', 'Identifies the name of a department.'),
    complex('manager', "The User's manager.", [
      text('value', "The id of the SCIM resource representing the User's manager."),
      attribute('$ref', 'reference', "The URI of the SCIM resource representing the User's manager.", { referenceTypes: ['User'] }),
      text('displayName', "The displayName of the User's manager.", { mutability: 'readOnly' }),
    ]),
  ],
};

export const GROUP_SCHEMA: ResourceSchema = {
  id: GROUP_SCHEMA_ID,
  name: 'Group',
  description: 'Group',
  attributes: [
    text('displayName', 'A human-readable name for the Group.', { required: true }),
    complex(
      'members',
      'A list of members of the Group.',
      [
        text('value', 'Identifier of the member of this Group.', { mutability: 'immutable' }),
        attribute('$ref', 'reference', 'The URI corresponding to a SCIM resource that is a member of this Group.', {
          referenceTypes: ['User', 'Group'],
          mutability: 'immutable',
        }),
        text('display', 'A human-readable name for the member.', { mutability: 'immutable' }),
        text('type', 'A label indicating the type of resource.', { canonicalValues: ['User', 'Group'], mutability: 'immutable' }),
      ],
      { multiValued: true },
    ),
  ],
};

/** The schemas of each resource type: the core schema first, then its extensions (keyed by URN in a resource). */
export const USER_SCHEMAS: ResourceSchema[] = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA];
export const GROUP_SCHEMAS: ResourceSchema[] = [GROUP_SCHEMA];

/** The attributes every resource carries outside its schemas (RFC 7643 §3.1). */
export const COMMON_ATTRIBUTES: SchemaAttribute[] = [
  text('id', 'A unique identifier for a SCIM resource as defined by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  text('externalId', 'A String that is an identifier for the resource as defined by the provisioning client.', { caseExact: true }),
  complex(
    'meta',
    'A complex attribute containing resource metadata.',
    [
      text('resourceType', 'The name of the resource type of the resource.', { caseExact: true, mutability: 'readOnly' }),
      attribute('created', 'dateTime', 'The DateTime that the resource was added to the service provider.', { mutability: 'readOnly' }),
      attribute('lastModified', 'dateTime', 'The most recent DateTime that the details of this resource were updated.', {
        mutability: 'readOnly',
      }),
      attribute('location', 'reference', 'The URI of the resource being returned.', { caseExact: true, mutability: 'readOnly' }),
      text('version', 'The version of the resource being returned.', { caseExact: true, mutability: 'readOnly' }),
    ],
    { mutability: 'readOnly' },
  ),
];

/** `name` in `attributes`, matched case-insensitively as RFC 7643 §2.1 wants. */
export function findAttribute(attributes: readonly SchemaAttribute[] | undefined, name: string): SchemaAttribute | undefined {
  const wanted = name.toLowerCase();
  return attributes?.find((candidate) => candidate.name.toLowerCase() === wanted);
}

/** The extension schema (not the core one, `schemas[0]`) whose URN is `urn`, case-insensitively. */
export function findExtension(schemas: readonly ResourceSchema[], urn: string): ResourceSchema | undefined {
  const wanted = urn.toLowerCase();
  return schemas.slice(1).find((schema) => schema.id.toLowerCase() === wanted);
}

/** The attributes at a resource's top level: its core schema's and the common ones. */
export function topLevelAttributes(schemas: readonly ResourceSchema[]): SchemaAttribute[] {
  return [...COMMON_ATTRIBUTES, ...(schemas[0]?.attributes ?? [])];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function canonicalValue(definition: SchemaAttribute | undefined, value: unknown): unknown {
  if (!definition?.subAttributes) return value;
  if (Array.isArray(value)) return value.map((item) => canonicalValue(definition, item));
  return isObject(value) ? canonicalObject(definition.subAttributes, value) : value;
}

function canonicalObject(attributes: readonly SchemaAttribute[], object: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const definition = findAttribute(attributes, key);
    result[definition?.name ?? key] = canonicalValue(definition, value);
  }
  return result;
}

/**
 * `resource` with every attribute it knows spelt canonically (`USERNAME` →
 * `userName`, `name.GIVENNAME` → `name.givenName`, an extension's URN key and
 * its attributes too). `schemas[0]` is the core schema, the rest extensions.
 * Attributes no schema knows are kept as given: directories send their own.
 */
export function canonicalize(resource: Record<string, unknown>, schemas: readonly ResourceSchema[]): Record<string, unknown> {
  const core = topLevelAttributes(schemas);
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    const extension = findExtension(schemas, key);
    if (extension) {
      result[extension.id] = isObject(value) ? canonicalObject(extension.attributes, value) : value;
      continue;
    }
    if (key.toLowerCase() === 'schemas') {
      result.schemas = value;
      continue;
    }
    const definition = findAttribute(core, key);
    result[definition?.name ?? key] = canonicalValue(definition, value);
  }
  return result;
}
