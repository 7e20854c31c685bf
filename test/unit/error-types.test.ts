import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorUrl, STYTCH_ERROR_TYPES } from '../../src/error-types';

const ROOT = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every error_type the source can produce: thrown, mapped from a constraint, declared on a schema, recorded on a job, or built from a prefix. */
function errorTypesInSource(): Set<string> {
  const found = new Set<string>();
  const literal = [
    /\b(?:AppError|badRequest|notFound|PermanentJobFailure|conflict)\(\s*'([a-z0-9_]+)'/g,
    /\berrorType: '([a-z0-9_]+)'/g,
    /\berror_type: '([a-z0-9_]+)'/g,
  ];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of literal) for (const match of text.matchAll(pattern)) found.add(match[1]);
    // Redirect errors are named after the URL's kind; search errors after the search.
    for (const match of text.matchAll(/badRequest\(\s*`([a-z_]*)\$\{kind\}([a-z_]+)`/g)) {
      for (const kind of ['invite', 'login', 'signup', 'discovery']) found.add(`${match[1]}${kind}${match[2]}`);
    }
    for (const match of text.matchAll(/badRequest\(\s*`\$\{errorPrefix\}([a-z_]+)`/g)) {
      for (const prefix of ['member_search', 'organization_search']) found.add(`${prefix}${match[1]}`);
    }
  }
  return found;
}

/** The types docs/errors.md documents: one `## type` heading each. */
function documentedTypes(): Set<string> {
  const text = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  return new Set([...text.matchAll(/^## ([a-z0-9_]+)$/gm)].map((m) => m[1]));
}

describe('error types', () => {
  const inSource = errorTypesInSource();
  const documented = documentedTypes();

  it('finds the error types the source throws (the scan itself works)', () => {
    expect(inSource).toContain('duplicate_member_email');
    expect(inSource).toContain('invalid_login_redirect_url');
    expect(inSource).toContain('member_search_missing_filter_name');
    expect(inSource.size).toBeGreaterThan(60);
  });

  it('are each either one of Stytch’s or documented in docs/errors.md', () => {
    const undocumented = [...inSource].filter((type) => !STYTCH_ERROR_TYPES.has(type) && !documented.has(type));
    expect(undocumented).toEqual([]);
  });

  it('never document a Stytch type as Roster’s own, nor list one Roster no longer produces', () => {
    expect([...documented].filter((type) => STYTCH_ERROR_TYPES.has(type))).toEqual([]);
    expect([...documented].filter((type) => !inSource.has(type))).toEqual([]);
    expect([...STYTCH_ERROR_TYPES].filter((type) => !inSource.has(type))).toEqual([]);
  });

  it('link Stytch’s types to Stytch’s reference and Roster’s to this repository’s docs', () => {
    expect(errorUrl('duplicate_member_email', 400, 'https://docs.example.com/roster')).toBe(
      'https://stytch.com/docs/api-reference/b2b/api/errors/400#duplicate_member_email',
    );
    expect(errorUrl('member_already_active', 400, 'https://docs.example.com/roster')).toBe(
      'https://docs.example.com/roster/docs/errors.md#member_already_active',
    );
  });
});
