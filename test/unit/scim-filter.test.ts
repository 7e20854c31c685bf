import { compileFilter, matchesFilter, parseFilter, type FilterAttributes } from '../../src/services/scim/filter';
import { ScimError } from '../../src/services/scim/scim-error';

const emails = { elements: "jsonb_array_elements(u.attributes->'emails')", value: (sub: string) => (e: string) => `${e}->>'${sub}'` };

/** Attributes as a /Users service maps them. */
const ATTRIBUTES: FilterAttributes = {
  id: { sql: 'u.id::text', type: 'string', caseExact: true },
  username: { sql: 'u.user_name', type: 'string' },
  externalid: { sql: 'u.external_id', type: 'string', caseExact: true },
  active: { sql: 'u.active', type: 'boolean' },
  displayname: { sql: "u.attributes->>'displayName'", type: 'string' },
  'name.familyname': { sql: "u.attributes->'name'->>'familyName'", type: 'string' },
  'emails.value': { sql: '', type: 'string', multiValued: { elements: emails.elements, value: emails.value('value') } },
  'emails.type': { sql: '', type: 'string', multiValued: { elements: emails.elements, value: emails.value('type') } },
  'emails.primary': {
    sql: '',
    type: 'boolean',
    multiValued: { elements: emails.elements, value: (e) => `(${e}->>'primary')::boolean` },
  },
  'meta.created': { sql: 'u.created_at', type: 'dateTime' },
  'meta.lastmodified': { sql: 'u.updated_at', type: 'dateTime' },
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber': {
    sql: "u.attributes->'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'->>'employeeNumber'",
    type: 'string',
  },
};

const compile = (filter: string) => compileFilter(filter, ATTRIBUTES);

/** The ScimError `run` throws (failing the test if it throws none or another error). */
function scimErrorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

function expectInvalidFilter(filter: string, detail: RegExp) {
  const error = scimErrorOf(() => compile(filter));
  expect({ status: error.status, scimType: error.scimType }).toEqual({ status: 400, scimType: 'invalidFilter' });
  expect(error.message).toMatch(detail);
}

describe('compileFilter: comparison operators', () => {
  it.each([
    ['eq', 'userName eq "Ada@Acme.com"', '(lower(u.user_name) = lower(?))', ['Ada@Acme.com']],
    ['ne', 'userName ne "ada"', '(lower(u.user_name) IS DISTINCT FROM lower(?))', ['ada']],
    ['co', 'userName co "ada"', "(lower(u.user_name) LIKE lower(?) ESCAPE '\\')", ['%ada%']],
    ['sw', 'userName sw "ada"', "(lower(u.user_name) LIKE lower(?) ESCAPE '\\')", ['ada%']],
    ['ew', 'userName ew "@acme.com"', "(lower(u.user_name) LIKE lower(?) ESCAPE '\\')", ['%@acme.com']],
    ['gt', 'userName gt "m"', '(lower(u.user_name) > lower(?))', ['m']],
    ['ge', 'userName ge "m"', '(lower(u.user_name) >= lower(?))', ['m']],
    ['lt', 'userName lt "m"', '(lower(u.user_name) < lower(?))', ['m']],
    ['le', 'userName le "m"', '(lower(u.user_name) <= lower(?))', ['m']],
    ['pr', 'userName pr', "(u.user_name IS NOT NULL AND u.user_name <> '')", []],
  ])('%s on a case-insensitive string', (_op, filter, sql, bindings) => {
    expect(compile(filter)).toEqual({ sql, bindings });
  });

  it('compares caseExact strings as they are', () => {
    expect(compile('externalId eq "00uAbC"')).toEqual({ sql: '(u.external_id = ?)', bindings: ['00uAbC'] });
    expect(compile('externalId sw "00u"')).toEqual({ sql: "(u.external_id LIKE ? ESCAPE '\\')", bindings: ['00u%'] });
  });

  it('compares booleans with eq and ne, accepting Entra\'s quoted "True"', () => {
    expect(compile('active eq true')).toEqual({ sql: '(u.active = ?)', bindings: [true] });
    expect(compile('active ne false')).toEqual({ sql: '(u.active IS DISTINCT FROM ?)', bindings: [false] });
    expect(compile('active eq "True"')).toEqual({ sql: '(u.active = ?)', bindings: [true] });
    expect(compile('active pr')).toEqual({ sql: '(u.active IS NOT NULL)', bindings: [] });
  });

  it('compares dateTimes as timestamptz, normalized to ISO 8601', () => {
    expect(compile('meta.lastModified gt "2011-05-13T04:42:34Z"')).toEqual({
      sql: '(u.updated_at > CAST(? AS timestamptz))',
      bindings: ['2011-05-13T04:42:34.000Z'],
    });
    expect(compile('meta.created le "2020-01-01T00:00:00+02:00"').bindings).toEqual(['2019-12-31T22:00:00.000Z']);
    expect(compile('meta.created ne "2020-01-01T00:00:00Z"').sql).toBe('(u.created_at IS DISTINCT FROM CAST(? AS timestamptz))');
  });

  it('compares with null through eq and ne only', () => {
    expect(compile('displayName eq null')).toEqual({ sql: "(u.attributes->>'displayName' IS NULL)", bindings: [] });
    expect(compile('displayName ne null')).toEqual({ sql: "(u.attributes->>'displayName' IS NOT NULL)", bindings: [] });
  });
});

describe('compileFilter: names', () => {
  it('matches attribute names and operators case-insensitively', () => {
    expect(compile('USERNAME EQ "a"')).toEqual(compile('userName eq "a"'));
    expect(compile('Name.FamilyName co "x"').sql).toBe("(lower(u.attributes->'name'->>'familyName') LIKE lower(?) ESCAPE '\\')");
  });

  it('accepts core-schema URN prefixes and enterprise extension attributes', () => {
    expect(compile('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"')).toEqual(compile('userName eq "a"'));
    expect(compile('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"')).toEqual({
      sql: "(lower(u.attributes->'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'->>'employeeNumber') = lower(?))",
      bindings: ['701984'],
    });
  });
});

describe('compileFilter: logic and value paths', () => {
  it('combines and, or, not and grouping with SCIM precedence (and binds tighter than or)', () => {
    expect(compile('userName eq "a" or userName eq "b" and active eq true')).toEqual({
      sql: '((lower(u.user_name) = lower(?)) OR ((lower(u.user_name) = lower(?)) AND (u.active = ?)))',
      bindings: ['a', 'b', true],
    });
    expect(compile('(userName eq "a" or userName eq "b") and not (displayName pr)')).toEqual({
      sql: "(((lower(u.user_name) = lower(?)) OR (lower(u.user_name) = lower(?))) AND (NOT (u.attributes->>'displayName' IS NOT NULL AND u.attributes->>'displayName' <> '')))",
      bindings: ['a', 'b'],
    });
  });

  it('compiles a value path to EXISTS over the elements, every condition on the same element', () => {
    expect(compile('emails[type eq "work" and value co "@example.com"]')).toEqual({
      sql:
        "EXISTS (SELECT 1 FROM jsonb_array_elements(u.attributes->'emails') AS scim_filter_1 WHERE " +
        "((lower(scim_filter_1->>'type') = lower(?)) AND (lower(scim_filter_1->>'value') LIKE lower(?) ESCAPE '\\')))",
      bindings: ['work', '%@example.com%'],
    });
  });

  it('compiles a multi-valued sub-attribute (and the bare attribute, meaning its value) to EXISTS', () => {
    const expected = {
      sql: "EXISTS (SELECT 1 FROM jsonb_array_elements(u.attributes->'emails') AS scim_filter_1 WHERE (lower(scim_filter_1->>'value') = lower(?)))",
      bindings: ['a@b.c'],
    };
    expect(compile('emails.value eq "a@b.c"')).toEqual(expected);
    expect(compile('emails eq "a@b.c"')).toEqual(expected);
    expect(compile('emails[primary eq true]').sql).toContain("((scim_filter_1->>'primary')::boolean = ?)");
  });

  it('gives each EXISTS its own alias', () => {
    const { sql } = compile('emails[type eq "work"] or emails.value ew ".org"');
    expect(sql).toContain('AS scim_filter_1 WHERE');
    expect(sql).toContain('AS scim_filter_2 WHERE');
  });
});

describe('compileFilter: input never becomes SQL', () => {
  it.each([
    ['a quote', `userName eq "x' OR '1'='1"`, "x' OR '1'='1"],
    ['a statement', 'userName eq "a\'); DROP TABLE members; --"', "a'); DROP TABLE members; --"],
    ['an escaped double quote', 'userName eq "a\\"b"', 'a"b'],
  ])('binds %s', (_what, filter, value) => {
    const { sql, bindings } = compile(filter);
    expect(sql).toBe('(lower(u.user_name) = lower(?))');
    expect(bindings).toEqual([value]);
  });

  it('escapes LIKE wildcards and backslashes so co/sw/ew match them literally', () => {
    expect(compile('userName co "100%_off"').bindings).toEqual(['%100\\%\\_off%']);
    expect(compile('userName sw "a\\b"').bindings).toEqual(['a\\\\b%']);
    expect(compile('userName ew "_"').bindings).toEqual(['%\\_']);
  });

  it('keeps input out of the SQL inside value paths too', () => {
    const { sql, bindings } = compile(`emails[value eq "' OR 1=1 --"]`);
    expect(sql).not.toContain('1=1');
    expect(bindings).toEqual(["' OR 1=1 --"]);
  });
});

describe('compileFilter: invalid filters are 400 invalidFilter', () => {
  it.each([
    ['an unknown attribute', 'nickName eq "a"', /nickName/],
    ['an unknown sub-attribute in a value path', 'emails[color eq "red"]', /emails\.color/],
    ['a missing value', 'userName eq', /cannot be parsed/],
    ['an unknown operator', 'userName like "a"', /cannot be parsed/],
    ['an unclosed group', '(userName eq "a"', /cannot be parsed/],
    ['trailing tokens', 'userName eq "a" "b"', /cannot be parsed/],
    ['an unquoted string', 'userName eq ada', /cannot be parsed/],
    ['an empty filter', '  ', /empty/],
    ['a number for a string', 'userName eq 5', /quote/],
    ['a non-boolean for a boolean', 'active eq "maybe"', /boolean/],
    ['an ordering of booleans', 'active gt true', /only eq, ne and pr/],
    ['a non-date for a dateTime', 'meta.created gt "yesterday"', /not one/],
    ['a substring match on a dateTime', 'meta.created co "2020"', /co does not apply/],
    ['a null ordering', 'userName gt null', /only eq and ne/],
    ['a value path on a single-valued attribute', 'name[familyName eq "a"]', /not a multi-valued attribute/],
    ['a nested value path', 'emails[type[x eq "a"]]', /nests a value path/],
  ])('%s', (_what, filter, detail) => expectInvalidFilter(filter, detail));

  it('refuses a filter longer than 2,000 characters before parsing it', () => {
    expectInvalidFilter(`userName eq "${'a'.repeat(2000)}"`, /longer than 2000/);
  });

  it('refuses a filter nested deeper than the limit', () => {
    expectInvalidFilter(`${'not ('.repeat(20)}userName pr${')'.repeat(20)}`, /deeper than 16/);
    expect(() => compile(`${'not ('.repeat(10)}userName pr${')'.repeat(10)}`)).not.toThrow();
  });
});

describe('matchesFilter', () => {
  it('matches one element of a multi-valued attribute, strings case-insensitively', () => {
    const filter = parseFilter('type eq "Work" and primary eq true');
    expect(matchesFilter({ type: 'work', value: 'a@b.c', primary: true }, filter)).toBe(true);
    expect(matchesFilter({ type: 'work', value: 'a@b.c', primary: false }, filter)).toBe(false);
    expect(matchesFilter({ type: 'home', value: 'a@b.c', primary: true }, filter)).toBe(false);
    expect(matchesFilter({ TYPE: 'WORK', primary: true }, filter)).toBe(true);
  });

  it('supports the other operators', () => {
    const item = { value: 'ada@example.com', display: 'Ada' };
    expect(matchesFilter(item, parseFilter('value ew "@EXAMPLE.com"'))).toBe(true);
    expect(matchesFilter(item, parseFilter('value sw "bob"'))).toBe(false);
    expect(matchesFilter(item, parseFilter('display co "d" and not (type pr)'))).toBe(true);
    expect(matchesFilter(item, parseFilter('value ne "ada@example.com" or display eq "ADA"'))).toBe(true);
  });
});
