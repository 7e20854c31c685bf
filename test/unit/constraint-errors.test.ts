import { AppError } from '../../src/errors';
import { CONSTRAINT_ERRORS, constraintError } from '../../src/repositories/constraint-errors';

const pgError = (code: string, constraint: string) => Object.assign(new Error('violation'), { code, constraint });

describe('the constraint → API error table', () => {
  it.each([
    ['members__organization_id_email_normalized__unique', 'duplicate_member_email'],
    ['members__organization_id_external_id__unique', 'duplicate_member_external_id'],
    ['organizations__project_id_slug__unique', 'organization_slug_already_used'],
    ['organizations__slug__other_external_id', 'organization_slug_already_used'],
    ['organizations__project_id_external_id__unique', 'organization_external_id_already_used'],
    ['organizations__external_id__other_slug', 'organization_external_id_already_used'],
  ])('maps a unique violation of %s to a 400 %s', (constraint, errorType) => {
    const error = constraintError(pgError('23505', constraint));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ errorType, statusCode: 400, message: CONSTRAINT_ERRORS[constraint].message });
  });

  it('reads the constraint from an Objection error wrapping the pg error', () => {
    const wrapped = { name: 'UniqueViolationError', nativeError: pgError('23505', 'members__organization_id_external_id__unique') };
    expect(constraintError(wrapped)?.errorType).toBe('duplicate_member_external_id');
  });

  it('tells apart the two ways a slug can be taken by their messages', () => {
    const unique = constraintError(pgError('23505', 'organizations__project_id_slug__unique'))!;
    const crossed = constraintError(pgError('23505', 'organizations__slug__other_external_id'))!;
    expect(crossed.message).toContain('organization_external_id');
    expect(unique.message).not.toBe(crossed.message);
  });

  it.each([
    ['an unknown constraint', pgError('23505', 'some_table__col__unique')],
    ['a violation that is not a constraint error', pgError('40001', 'members__organization_id_email_normalized__unique')],
    ['a property of every object', pgError('23505', 'constructor')],
    ['a plain error', new Error('boom')],
    ['nothing', undefined],
  ])('knows nothing of %s', (_label, err) => {
    expect(constraintError(err)).toBeUndefined();
  });
});
