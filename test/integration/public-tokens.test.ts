import { formatId, uuidv7 } from '../../src/ids';
import { useTestApp } from '../helpers/app';
import { cliEnv, lines, runCli } from '../helpers/cli';

// Runs the built CLI (dist/): `npx tsc -p tsconfig.json` first.
describe('roster public-tokens', () => {
  const ctx = useTestApp();
  const roster = (...args: string[]) => runCli(args, cliEnv(ctx.app));

  it('creates public tokens for the configured project and lists them, oldest first', async () => {
    const created = await Promise.all([roster('public-tokens', 'create', '--json'), roster('public-tokens', 'create', '--json')]);
    for (const run of created) expect(run.code).toBe(0);
    const tokens = created.map((run) => JSON.parse(run.stdout).public_token);
    for (const token of tokens) {
      expect(token.public_token).toMatch(/^public-token-test-[0-9a-f-]{36}$/);
      expect(token.project_id).toBe(ctx.app.project.projectId);
    }
    const listed = await roster('public-tokens', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).public_tokens.map((t: { public_token: string }) => t.public_token)).toEqual(
      tokens.map((t) => t.public_token).sort(),
    );
    const stored = await ctx.app.container.knex('project_public_tokens').count<{ count: string }[]>('* as count');
    expect(Number(stored[0].count)).toBe(2);
  });

  it('takes another project with --project, and keeps projects apart', async () => {
    const other = await ctx.app.newProject();
    const run = await roster('public-tokens', 'create', '--project', other.projectId);
    expect(run.code).toBe(0);
    const token = /^public_token +(\S+)$/m.exec(run.stdout)![1];
    const otherList = await roster('public-tokens', 'list', '--project', other.projectId);
    expect(
      lines(otherList.stdout)
        .slice(1)
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual([token]);
    const ownList = await roster('public-tokens', 'list', '--json');
    expect(JSON.parse(ownList.stdout).public_tokens.map((t: { public_token: string }) => t.public_token)).not.toContain(token);
  });

  it('refuses an unknown project and creates nothing', async () => {
    const before = await ctx.app.container.knex('project_public_tokens').count<{ count: string }[]>('* as count');
    const run = await roster('public-tokens', 'create', '--project', 'project-test-00000000-0000-7000-8000-000000000000');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('project_not_found');
    const after = await ctx.app.container.knex('project_public_tokens').count<{ count: string }[]>('* as count');
    expect(after[0].count).toBe(before[0].count);
  });

  it('revokes a token at once: the SSO start URL refuses it, and concurrent revokes agree on when', async () => {
    const created = await roster('public-tokens', 'create', '--json');
    const token: string = JSON.parse(created.stdout).public_token.public_token;
    const start = () =>
      ctx.app.http(
        'GET',
        `/v1/public/sso/start?${new URLSearchParams({ public_token: token, connection_id: formatId('oidc-connection', 'test', uuidv7()) })}`,
        { auth: null },
      );
    // Accepted: the start URL goes on to look for the (unknown) connection.
    expect((await start()).body.error_type).toBe('sso_connection_not_found');

    const revokes = await Promise.all([1, 2, 3].map(() => roster('public-tokens', 'revoke', token, '--json')));
    for (const run of revokes) expect(run.code).toBe(0);
    const revokedAt = revokes.map((run) => JSON.parse(run.stdout).public_token.revoked_at);
    expect(revokedAt[0]).toEqual(expect.any(String));
    expect(new Set(revokedAt).size).toBe(1);

    const refused = await start();
    expect(refused.status).toBe(400);
    expect(refused.body.error_type).toBe('public_token_not_found');
    const listed = await roster('public-tokens', 'list', '--json');
    expect(JSON.parse(listed.stdout).public_tokens.find((t: { public_token: string }) => t.public_token === token).revoked_at).toBe(
      revokedAt[0],
    );
  });

  it('refuses to revoke an unknown or malformed token, changing nothing', async () => {
    const kept = JSON.parse((await roster('public-tokens', 'create', '--json')).stdout).public_token.public_token;
    for (const token of [formatId('public-token', 'test', uuidv7()), 'not-a-token', kept.replace('-test-', '-live-')]) {
      const run = await roster('public-tokens', 'revoke', token);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('public_token_not_found');
    }
    const revoked = await ctx.app.container.knex('project_public_tokens').whereNotNull('revoked_at').pluck('id');
    expect(revoked).not.toContain(kept.replace(/^public-token-test-/, ''));
  });
});
