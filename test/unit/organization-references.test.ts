import { randomUUID } from 'node:crypto';
import { checkReferencesAreNotIds } from '../../src/services/organization-rules';
import { appError } from '../helpers/assertions';

describe('checkReferencesAreNotIds', () => {
  const uuid = randomUUID();

  it.each([`organization-test-${uuid}`, `organization-live-${uuid}`, `Organization-Live-${uuid.toUpperCase()}`])(
    'refuses %s as a slug or an external id',
    (value) => {
      expect(appError(() => checkReferencesAreNotIds({ slug: value })).errorType).toBe('invalid_organization_slug');
      expect(appError(() => checkReferencesAreNotIds({ external_id: value })).errorType).toBe('invalid_external_id');
    },
  );

  it.each([`organization-test-${uuid}-x`, `member-test-${uuid}`, `organization-prod-${uuid}`, 'acme', uuid])(
    'accepts %s, which no organization reference resolves as an id',
    (value) => {
      expect(() => checkReferencesAreNotIds({ slug: value, external_id: value })).not.toThrow();
    },
  );

  it('accepts an update that sets neither, and a cleared external id', () => {
    expect(() => checkReferencesAreNotIds({})).not.toThrow();
    expect(() => checkReferencesAreNotIds({ external_id: null })).not.toThrow();
  });
});
