import { randomUUID } from 'node:crypto';
import { formatId } from '../../src/ids';
import { toCopyLine } from '../../src/repositories/member-import/staging';
import { IMPORT_COLUMNS, readHeader, stageRecord, type StageContext } from '../../src/services/member-import/csv-rows';
import { appError } from '../helpers/assertions';

const ORG = randomUUID();
const DEFAULT_ORG = randomUUID();

/** A context for a file with these columns, and a default organization unless `null` is given. */
function contextFor(columns: string[], defaultOrganizationId: string | null = DEFAULT_ORG): StageContext {
  return { header: readHeader(columns), env: 'test', defaultOrganizationId };
}

/** Stages one record of a file whose header is the keys of `cells`. */
function stage(cells: Record<string, string>, defaultOrganizationId: string | null = DEFAULT_ORG) {
  return stageRecord(contextFor(Object.keys(cells), defaultOrganizationId), Object.values(cells), 7);
}

describe('readHeader', () => {
  it('maps known columns case- and space-insensitively to their positions and lists the unknown ones', () => {
    const header = readHeader([' Email_Address ', 'department', 'NAME', 'roles']);
    expect(header.index).toEqual({ email_address: 0, name: 2, roles: 3 });
    expect(header.width).toBe(4);
    expect(header.ignored).toEqual(['department']);
  });

  it('knows every import column', () => {
    const header = readHeader([...IMPORT_COLUMNS]);
    expect(Object.keys(header.index).sort()).toEqual([...IMPORT_COLUMNS].sort());
    expect(header.ignored).toEqual([]);
  });

  it('refuses a header without email_address, naming the columns it found', () => {
    const err = appError(() => readHeader(['name', 'roles']));
    expect(err).toMatchObject({ errorType: 'missing_required_column', statusCode: 400 });
    expect(err.message).toContain('Columns found: name, roles.');
  });

  it('refuses a column named twice', () => {
    const err = appError(() => readHeader(['email_address', 'name', 'Name']));
    expect(err.errorType).toBe('duplicate_column');
    expect(err.message).toContain('"name"');
  });

  it('refuses a header cell no text column can hold', () => {
    const err = appError(() => readHeader(['email_address', 'dept\u0000']));
    expect(err.errorType).toBe('invalid_character');
    expect(err.message).toContain('Header cell 2');
  });
});

describe('stageRecord', () => {
  it('stages a valid row with every column', () => {
    const row = stage({
      email_address: '  Ada@Example.COM ',
      organization_id: formatId('organization', 'test', ORG),
      name: ' Ada Lovelace ',
      roles: 'admin; stytch_member ;viewer;admin',
      trusted_metadata: '{"tier": 2}',
      untrusted_metadata: ' ',
      external_id: 'ada|01',
      is_breakglass: 'Yes',
      status: 'Invited',
      mfa_phone_number: '+15555550123',
    });
    expect(row).toEqual({
      line: 7,
      organization_id: ORG,
      organization_slug: null,
      email: 'Ada@Example.COM',
      email_normalized: 'ada@example.com',
      name: 'Ada Lovelace',
      roles: ['admin', 'viewer'],
      trusted_metadata: '{"tier":2}',
      untrusted_metadata: null,
      external_id: 'ada|01',
      is_breakglass: true,
      status: 'invited',
      mfa_phone_number: '+15555550123',
      error: null,
    });
  });

  it('rejects a row whose field count differs from the header', () => {
    const row = stageRecord(contextFor(['email_address', 'name']), ['a@example.com'], 3);
    expect(row.error).toEqual({
      type: 'wrong_column_count',
      column: null,
      value: null,
      message: 'The row has 1 fields; the header has 2.',
    });
  });

  describe('email_address', () => {
    it.each([
      ['', 'email_address is empty.'],
      ['not-an-email', 'email_address is not a valid email address.'],
      ['a\u0007@example.com', 'email_address contains a control character (U+0007).'],
      ['<a@example.com>', 'email_address contains "<" or ">".'],
    ])('rejects %j', (email, message) => {
      expect(stage({ email_address: email }).error).toEqual({ type: 'invalid_email', column: 'email_address', value: email, message });
    });

    it('stores the NFKC form and keys on it lowercased', () => {
      const row = stage({ email_address: 'ＡＤＡ@example.com' });
      expect(row.error).toBeNull();
      expect(row.email).toBe('ADA@example.com');
      expect(row.email_normalized).toBe('ada@example.com');
    });
  });

  describe('cells no column can hold', () => {
    it('rejects U+FFFD (invalid UTF-8 decoded) as invalid_utf8, naming the column', () => {
      expect(stage({ email_address: 'a@example.com', name: 'Ad\uFFFDa' }).error).toMatchObject({
        type: 'invalid_utf8',
        column: 'name',
        value: null,
      });
    });

    it('rejects NUL as invalid_character', () => {
      expect(stage({ email_address: 'a@example.com', external_id: 'x\u0000' }).error).toMatchObject({
        type: 'invalid_character',
        column: 'external_id',
      });
    });
  });

  describe('organization', () => {
    it('rejects an organization_id of another env or kind as an unknown organization', () => {
      const otherEnv = formatId('organization', 'live', ORG);
      expect(stage({ email_address: 'a@example.com', organization_id: otherEnv }).error).toMatchObject({
        type: 'unknown_organization',
        column: 'organization_id',
        value: otherEnv,
      });
      expect(stage({ email_address: 'a@example.com', organization_id: formatId('member', 'test', ORG) }).error?.type).toBe(
        'unknown_organization',
      );
    });

    it('keeps a valid slug for the worker to resolve, and rejects a malformed one', () => {
      const row = stage({ email_address: 'a@example.com', organization_slug: ' acme-co ' });
      expect(row.error).toBeNull();
      expect(row.organization_slug).toBe('acme-co');
      expect(row.organization_id).toBeNull();
      expect(stage({ email_address: 'a@example.com', organization_slug: 'acme co' }).error).toMatchObject({
        type: 'invalid_organization_slug',
        column: 'organization_slug',
        value: 'acme co',
      });
    });

    it('prefers organization_id over organization_slug', () => {
      const row = stage({
        email_address: 'a@example.com',
        organization_id: formatId('organization', 'test', ORG),
        organization_slug: 'acme',
      });
      expect(row.organization_id).toBe(ORG);
      expect(row.organization_slug).toBeNull();
    });

    it('falls back to the default organization, and rejects the row when there is none', () => {
      expect(stage({ email_address: 'a@example.com', organization_slug: '' }).organization_id).toBe(DEFAULT_ORG);
      expect(stage({ email_address: 'a@example.com' }, null).error).toMatchObject({ type: 'unknown_organization', column: null });
    });
  });

  describe('name', () => {
    it('rejects a name over 255 characters and one with a line break', () => {
      expect(stage({ email_address: 'a@example.com', name: 'x'.repeat(256) }).error?.type).toBe('invalid_name');
      expect(stage({ email_address: 'a@example.com', name: 'x'.repeat(255) }).name).toHaveLength(255);
      expect(stage({ email_address: 'a@example.com', name: 'Ada\nLovelace' }).error).toMatchObject({
        type: 'invalid_name',
        column: 'name',
        value: 'Ada\nLovelace',
      });
    });

    it('leaves a blank name unset (an update keeps the stored one)', () => {
      expect(stage({ email_address: 'a@example.com', name: '   ' }).name).toBeNull();
    });
  });

  describe('roles', () => {
    it('rejects a role id with characters a role id cannot have', () => {
      expect(stage({ email_address: 'a@example.com', roles: 'admin;bad role' }).error).toEqual({
        type: 'unknown_role',
        column: 'roles',
        value: 'admin;bad role',
        message: '"bad role" is not a role id.',
      });
    });

    it('drops the implicit stytch_member, and leaves an empty cell unset', () => {
      expect(stage({ email_address: 'a@example.com', roles: 'stytch_member' }).roles).toEqual([]);
      expect(stage({ email_address: 'a@example.com', roles: ' ' }).roles).toBeNull();
    });
  });

  describe('metadata JSON', () => {
    it.each([
      ['{"a":', 'trusted_metadata is not valid JSON.'],
      ['[1, 2]', 'trusted_metadata must be a JSON object.'],
      ['null', 'trusted_metadata must be a JSON object.'],
    ])('rejects %j', (json, message) => {
      expect(stage({ email_address: 'a@example.com', trusted_metadata: json }).error).toEqual({
        type: 'invalid_json',
        column: 'trusted_metadata',
        value: json,
        message,
      });
    });

    it('rejects escapes jsonb cannot store', () => {
      const error = stage({ email_address: 'a@example.com', untrusted_metadata: '{"k": "\\u0000"}' }).error;
      expect(error).toMatchObject({ type: 'invalid_json', column: 'untrusted_metadata' });
    });

    it('rejects nesting deeper than 32 levels without echoing the value', () => {
      const deep = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
      expect(stage({ email_address: 'a@example.com', trusted_metadata: deep }).error).toMatchObject({
        type: 'invalid_json',
        value: null,
      });
    });

    it('rejects an object over 16 KiB as JSON', () => {
      const big = JSON.stringify({ k: 'x'.repeat(16 * 1024) });
      expect(stage({ email_address: 'a@example.com', trusted_metadata: big }).error).toMatchObject({
        type: 'metadata_too_large',
        column: 'trusted_metadata',
        value: null,
      });
    });
  });

  describe('external_id', () => {
    it('accepts letters, digits and . _ - | up to 128 characters', () => {
      expect(stage({ email_address: 'a@example.com', external_id: 'a'.repeat(128) }).external_id).toHaveLength(128);
      expect(stage({ email_address: 'a@example.com', external_id: 'a'.repeat(129) }).error?.type).toBe('invalid_external_id');
      expect(stage({ email_address: 'a@example.com', external_id: 'a/b' }).error).toMatchObject({
        type: 'invalid_external_id',
        column: 'external_id',
        value: 'a/b',
      });
    });
  });

  describe('is_breakglass', () => {
    it.each([
      ['TRUE', true],
      ['1', true],
      ['no', false],
      ['0', false],
    ])('reads %j as %j', (cell, value) => {
      expect(stage({ email_address: 'a@example.com', is_breakglass: cell }).is_breakglass).toBe(value);
    });

    it('rejects anything else', () => {
      expect(stage({ email_address: 'a@example.com', is_breakglass: 'maybe' }).error).toMatchObject({
        type: 'invalid_boolean',
        column: 'is_breakglass',
        value: 'maybe',
      });
    });
  });

  describe('status', () => {
    it('accepts active, invited and pending; rejects others, deleted included', () => {
      expect(stage({ email_address: 'a@example.com', status: 'PENDING' }).status).toBe('pending');
      expect(stage({ email_address: 'a@example.com', status: 'deleted' }).error).toEqual({
        type: 'invalid_status',
        column: 'status',
        value: 'deleted',
        message: 'status must be active, invited or pending.',
      });
    });
  });

  describe('mfa_phone_number', () => {
    it('accepts E.164 and rejects anything else', () => {
      expect(stage({ email_address: 'a@example.com', mfa_phone_number: '+447700900123' }).mfa_phone_number).toBe('+447700900123');
      expect(stage({ email_address: 'a@example.com', mfa_phone_number: '555-0123' }).error).toMatchObject({
        type: 'invalid_phone_number',
        column: 'mfa_phone_number',
        value: '555-0123',
      });
    });
  });

  it('stops at the first problem: a rejected row keeps no later field', () => {
    const row = stage({ email_address: 'bad', name: 'Ada', external_id: 'ada' });
    expect(row.error?.type).toBe('invalid_email');
    expect(row.name).toBeNull();
    expect(row.external_id).toBeNull();
  });
});

describe('toCopyLine', () => {
  it("writes a row's fields in the staging table's column order, null as \\N", () => {
    const row = stage({ email_address: 'a@example.com', roles: 'admin;viewer', is_breakglass: 'false' });
    expect(toCopyLine(row)).toBe(
      [7, DEFAULT_ORG, '\\N', 'a@example.com', 'a@example.com', '\\N', '{admin,viewer}', '\\N', '\\N', '\\N', 'false', '\\N', '\\N']
        .concat(['\\N', '\\N', '\\N', '\\N'])
        .join('\t') + '\n',
    );
  });

  it("escapes COPY's special characters and keeps a rejected row's error, its value cut to 1000 characters", () => {
    const name = 'tab\there\\back\r\nline' + 'x'.repeat(2000);
    const fields = toCopyLine(stage({ email_address: 'a@example.com', name }))
      .slice(0, -1)
      .split('\t');
    expect(fields).toHaveLength(17);
    expect(fields[13]).toBe('invalid_name');
    expect(fields[14]).toBe('name');
    expect(fields[15]).toBe(name.slice(0, 1000).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\r/g, '\\r').replace(/\n/g, '\\n'));
    expect(fields[15].startsWith('tab\\there\\\\back\\r\\nline')).toBe(true);
  });
});
