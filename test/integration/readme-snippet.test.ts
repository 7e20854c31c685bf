import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useTestApp } from '../helpers/app';
import { runNode } from '../helpers/cli';
import { eventually } from '../helpers/eventually';

const ROOT = path.resolve(__dirname, '../..');
/** The redirect URL README's `projects create` gives the project. */
const README_REDIRECT_URL = 'http://localhost:3000/authenticate';

/** README's first ```js block, exactly as a reader copies it. */
async function firstJsBlock(): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const block = /^```js\n([\s\S]*?)^```$/m.exec(readme);
  if (!block) throw new Error('README.md has no ```js block');
  return block[1];
}

describe("README's first code block", () => {
  // Workers on: the invite it sends goes through the outbox to the dev outbox, as under `npm start`.
  const ctx = useTestApp({}, { workers: true });
  let dir: string;

  beforeAll(async () => {
    // Inside the repository, so that `import stytch from 'stytch'` resolves from its node_modules.
    dir = await mkdtemp(path.join(ROOT, '.readme-snippet-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs verbatim as first.mjs against a server and sends an invite to the dev outbox', async () => {
    // The project as README creates it: `roster projects create --name "My app" --redirect-url …`.
    const { projectId, secret } = await ctx.app.container.projects.create('My app', 'test', [README_REDIRECT_URL]);
    const file = path.join(dir, 'first.mjs');
    await writeFile(file, await firstJsBlock());

    const result = await runNode([file], path.dirname(file), {
      ROSTER_PROJECT_ID: projectId,
      ROSTER_PROJECT_SECRET: secret,
      ROSTER_URL: ctx.app.baseUrl,
    });

    expect({ code: result.code, stderr: result.stderr.replace(/^\[Stytch\] Warning: Using a custom 'env'.*\n/m, '') }).toEqual({
      code: 0,
      stderr: '',
    });
    expect(result.stdout.split('\n')).toEqual([
      expect.stringMatching(/^organization: organization-test-[0-9a-f-]{36} acme$/),
      expect.stringMatching(/^member: member-test-[0-9a-f-]{36} ada@acme\.com active$/),
      expect.stringMatching(/^invited: member-test-[0-9a-f-]{36} grace@acme\.com invited$/),
      '',
    ]);
    const email = await eventually(
      () => ctx.app.container.knex('emails').where({ to_address: 'grace@acme.com', status: 'captured' }).first(),
      { what: 'the invite to reach the dev outbox' },
    );
    expect(email).toMatchObject({ kind: 'invite', transport: 'dev-outbox' });
    expect(email.link).toMatch(/^http:\/\/localhost:3000\/authenticate\?stytch_token_type=multi_tenant_magic_links&token=/);
  });
});
