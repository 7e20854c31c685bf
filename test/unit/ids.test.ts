import { formatId, looksLikeId, parseId, parseProjectId, uuidv7 } from '../../src/ids';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('uuidv7', () => {
  it('mints version-7, RFC 4122 variant uuids', () => {
    for (let i = 0; i < 50; i++) expect(uuidv7()).toMatch(UUID_V7);
  });

  it('carries its timestamp in the first 48 bits', () => {
    const now = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    const hex = uuidv7(now).replace(/-/g, '').slice(0, 12);
    expect(parseInt(hex, 16)).toBe(now);
  });

  it('sorts by creation time', () => {
    const earlier = uuidv7(1_700_000_000_000);
    const later = uuidv7(1_700_000_000_001);
    expect(earlier < later).toBe(true);
  });

  it('sorts in minting order within one millisecond', () => {
    const now = Date.now() + 60_000; // a millisecond no other test has minted in
    const ids = Array.from({ length: 500 }, () => uuidv7(now));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats within the same millisecond', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 1000 }, () => uuidv7(now)));
    expect(ids.size).toBe(1000);
  });
});

describe('public ids', () => {
  it('formats ids the way Stytch does', () => {
    expect(formatId('organization', 'test', UUID)).toBe(`organization-test-${UUID}`);
    expect(formatId('member', 'live', UUID)).toBe(`member-live-${UUID}`);
  });

  it('parses back the uuid of an id of the expected kind and env', () => {
    expect(parseId('member', 'test', formatId('member', 'test', UUID))).toBe(UUID);
  });

  it.each([
    ['another kind', `organization-test-${UUID}`],
    ['another env', `member-live-${UUID}`],
    ['a bare uuid', UUID],
    ['an upper-case uuid', `member-test-${UUID.toUpperCase()}`],
    ['a truncated uuid', `member-test-${UUID.slice(0, -1)}`],
    ['trailing text', `member-test-${UUID}x`],
    ['a slug', 'acme-corp'],
    ['an empty string', ''],
  ])('refuses %s when a test member id is expected', (_case, value) => {
    expect(parseId('member', 'test', value)).toBeUndefined();
  });

  it('recognizes the shape of an id of a kind whatever its env', () => {
    expect(looksLikeId('organization', `organization-live-${UUID}`)).toBe(true);
    expect(looksLikeId('organization', `organization-test-${UUID}`)).toBe(true);
    expect(looksLikeId('organization', `member-test-${UUID}`)).toBe(false);
    expect(looksLikeId('organization', 'organization-acme')).toBe(false);
  });

  it('parses project ids into env and uuid', () => {
    expect(parseProjectId(`project-live-${UUID}`)).toEqual({ env: 'live', uuid: UUID });
    expect(parseProjectId(`project-test-${UUID}`)).toEqual({ env: 'test', uuid: UUID });
    expect(parseProjectId(`organization-test-${UUID}`)).toBeUndefined();
    expect(parseProjectId('project-test-abc')).toBeUndefined();
  });
});
