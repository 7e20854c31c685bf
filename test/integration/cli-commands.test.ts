import { B2BClient } from 'stytch';
import { parseProjectId } from '../../src/ids';
import { hashSecret } from '../../src/secrets';
import { startWorkers } from '../../workers';
import { TEST_REDIRECT_URLS, useTestApp } from '../helpers/app';
import { cliEnv, closedPort, lines, runCli } from '../helpers/cli';
import { eventually, eventuallyValue } from '../helpers/eventually';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';
import { csv, getJob, upload } from '../helpers/migrations';

/** Every command, as its help names it. */
const COMMANDS = [
  'projects create',
  'projects list',
  'projects update',
  'projects rotate-secret',
  'public-tokens create',
  'public-tokens list',
  'public-tokens revoke',
  'orgs list',
  'orgs get',
  'orgs create',
  'members list',
  'members get',
  'jobs list',
  'jobs show',
  'jobs watch',
  'jobs errors',
  'jobs cancel',
  'emails list',
  'events',
  'import',
];

// No workers unless a test starts them: a job it uploads stays queued until then.
describe('the roster CLI: help, errors, projects, organizations, members, emails', () => {
  const ctx = useTestApp();

  const roster = (...args: string[]) => runCli(args, cliEnv(ctx.app));

  /** Runs `work` with the app's workers and outbox relay running, as a `worker` process would. */
  async function withWorkers<T>(work: () => Promise<T>): Promise<T> {
    const workers = startWorkers(ctx.app.container);
    ctx.app.container.relay.start();
    try {
      return await work();
    } finally {
      await ctx.app.container.relay.stop();
      await workers.close();
    }
  }

  /** A project made by `roster projects create`, with its printed credentials. */
  async function createProject(...args: string[]) {
    const run = await roster('projects', 'create', '--name', unique('app'), ...args);
    expect(run.code).toBe(0);
    const projectId = /^project_id: (\S+)$/m.exec(run.stdout)![1];
    const secret = /^secret: +(\S+)$/m.exec(run.stdout)![1];
    return { projectId, secret, client: new B2BClient({ project_id: projectId, secret, env: `${ctx.app.baseUrl}/` }) };
  }

  const storedProject = (projectId: string) =>
    ctx.app.container
      .knex('projects')
      .where({ id: parseProjectId(projectId)!.uuid })
      .first() as Promise<{
      name: string;
      redirect_urls: string[];
      secret_hash: Buffer;
    }>;

  describe('help and usage', () => {
    it('prints the commands, settings and exit codes on stdout for --help, and exits 0', async () => {
      const run = await roster('--help');

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^Usage: roster \[options\] \[command\]/);
      for (const group of ['projects', 'orgs', 'members', 'jobs', 'import', 'emails']) {
        expect(run.stdout).toMatch(new RegExp(`^  ${group} `, 'm'));
      }
      for (const setting of ['ROSTER_URL', 'ROSTER_PROJECT_ID', 'ROSTER_PROJECT_SECRET', 'DATABASE_URL']) {
        expect(run.stdout).toContain(`  ${setting} `);
      }
      expect(run.stdout).toMatch(
        /Exit codes:\n {2}0 +success.*\n {2}1 +.*\n {2}2 +usage error.*\n {2}3 +cannot reach.*\n {2}4 +.*failed or cancelled/,
      );
    });

    it.each(COMMANDS)('has --help for %s', async (command) => {
      const run = await roster(...command.split(' '), '--help');

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: roster ${command} `));
      expect(run.stdout).toContain('--help');
    });

    it('answers `roster help <command>` like --help', async () => {
      const run = await roster('help', 'jobs');

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: roster jobs /);
      for (const action of ['list', 'show', 'watch', 'errors', 'cancel']) expect(run.stdout).toMatch(new RegExp(`^  ${action} `, 'm'));
    });

    it.each([
      [['frobnicate'], "unknown command 'frobnicate'", 'Usage: roster [options] [command]'],
      [['jobs', 'frobnicate'], "unknown command 'frobnicate'", 'Usage: roster jobs [options] [command]'],
      [[], '', 'Usage: roster [options] [command]'],
      [['orgs', 'list', '--limit', 'ten'], "option '--limit <n>' argument 'ten' is invalid", 'Usage: roster orgs list [options]'],
      [['orgs', 'get', 'a', 'b'], 'too many arguments', 'Usage: roster orgs get [options] <organization>'],
    ])('exits 2 with the usage on stderr for %p', async (args, message, usage) => {
      const run = await roster(...args);

      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(message);
      expect(run.stderr).toContain(usage);
    });

    it('exits 2 naming the settings an API command needs when they are missing', async () => {
      const run = await runCli(['orgs', 'list'], { ROSTER_URL: ctx.app.baseUrl });

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('set ROSTER_PROJECT_ID and ROSTER_PROJECT_SECRET to the project to act as');
    });
  });

  describe('failures', () => {
    it('names the URL and the cause when the server cannot be reached, and exits 3', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;

      const run = await runCli(['orgs', 'list'], { ...cliEnv(ctx.app), ROSTER_URL: url });

      expect(run.code).toBe(3);
      expect(run.stderr).toBe(`roster: cannot reach ${url} (ECONNREFUSED) — is Roster running? (set ROSTER_URL)\n`);
      expect(run.stdout).toBe('');
    });

    it('names the database (without its password) when it cannot be reached, and exits 3', async () => {
      const port = await closedPort();

      const run = await runCli(['projects', 'list'], { DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/roster` });

      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `roster: cannot reach postgres://postgres:***@127.0.0.1:${port}/roster (ECONNREFUSED) — is Postgres running? (set DATABASE_URL)\n`,
      );
    });

    it('prints the status, error_type, message and request of an API error, and exits 1', async () => {
      const run = await roster('orgs', 'get', 'no-such-org');

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^roster: 404 organization_not_found: Organization could not be found\\.\n {2}\\(GET ${ctx.app.baseUrl}/v1/b2b/organizations/no-such-org, request_id \\S+\\)\n$`,
        ),
      );
    });

    it('exits 1 with unauthorized_credentials when the secret is wrong', async () => {
      const run = await runCli(['jobs', 'list'], { ...cliEnv(ctx.app), ROSTER_PROJECT_SECRET: 'x'.repeat(43) });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^roster: 401 unauthorized_credentials: /);
    });
  });

  describe('projects', () => {
    it('create prints the secret once and stores only its hash; list shows the project without it', async () => {
      const project = await createProject('--redirect-url', 'https://a.example.com/cb', '--redirect-url', 'https://b.example.com/cb');

      const table = await roster('projects', 'list');
      const json = await roster('projects', 'list', '--json');

      expect((await storedProject(project.projectId)).secret_hash).toEqual(hashSecret(project.secret));
      expect(table.code).toBe(0);
      expect(lines(table.stdout)[0]).toMatch(/^project_id +name +redirect_urls +created_at$/);
      expect(lines(table.stdout).find((line) => line.startsWith(project.projectId))).toMatch(
        / https:\/\/a\.example\.com\/cb,https:\/\/b\.example\.com\/cb +\d{4}-/,
      );
      expect(table.stdout).toContain(ctx.app.project.projectId);
      expect(json.code).toBe(0);
      const listed = JSON.parse(json.stdout).projects.find((p: { project_id: string }) => p.project_id === project.projectId);
      expect(listed).toMatchObject({ env: 'test', redirect_urls: ['https://a.example.com/cb', 'https://b.example.com/cb'] });
      expect(json.stdout + table.stdout).not.toContain(project.secret);
    });

    it('update adds a redirect URL to a project that had none, so that its invites work', async () => {
      const project = await createProject();
      const org = await createOrganization(project.client);
      const invite = () =>
        project.client.magicLinks.email.invite({ organization_id: org.organization_id, email_address: `${unique('u')}@acme.com` });
      expect((await stytchError(invite())).error_type).toBe('no_invite_redirect_urls_set');

      const run = await roster('projects', 'update', project.projectId, '--add-redirect-url', 'https://app.example.com/authenticate');

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^redirect_urls +https:\/\/app\.example\.com\/authenticate$/m);
      expect(await invite()).toMatchObject({ status_code: 200 });
    });

    it('update renames, appends and removes redirect URLs in one go, the first remaining being the default', async () => {
      const project = await createProject('--redirect-url', 'https://one.example.com', '--redirect-url', 'https://two.example.com');

      const run = await roster(
        'projects',
        'update',
        project.projectId,
        '--name',
        'Renamed',
        '--remove-redirect-url',
        'https://one.example.com',
        '--add-redirect-url',
        'https://three.example.com',
        '--add-redirect-url',
        'https://two.example.com',
        '--json',
      );

      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).project).toMatchObject({
        project_id: project.projectId,
        name: 'Renamed',
        redirect_urls: ['https://two.example.com', 'https://three.example.com'],
      });
      expect(await storedProject(project.projectId)).toMatchObject({
        name: 'Renamed',
        redirect_urls: ['https://two.example.com', 'https://three.example.com'],
      });
    });

    it.each([
      [['--add-redirect-url', 'javascript:alert(1)'], 1, '400 bad_request: Not an http(s) URL: javascript:alert(1)'],
      [['--remove-redirect-url', 'https://never.example.com'], 1, "400 bad_request: Not on the project's redirect URL list"],
      [['--name', ' '], 1, '400 bad_request: A project name is 1 to 128 characters.'],
      [[], 2, 'nothing to change: give --name, --add-redirect-url or --remove-redirect-url'],
    ])('update %p changes nothing and exits %p', async (args, code, message) => {
      const project = await createProject('--redirect-url', 'https://keep.example.com');

      const run = await roster('projects', 'update', project.projectId, ...args);

      expect(run.code).toBe(code);
      expect(run.stderr).toContain(message);
      expect(await storedProject(project.projectId)).toMatchObject({ redirect_urls: ['https://keep.example.com'] });
    });

    it.each(['update', 'rotate-secret'])('%s of an unknown project exits 1 with project_not_found', async (action) => {
      const missing = 'project-test-00000000-0000-7000-8000-000000000000';

      const run = await roster('projects', action, missing, ...(action === 'update' ? ['--name', 'x'] : []));

      expect(run.code).toBe(1);
      expect(run.stderr).toBe('roster: 404 project_not_found: Project could not be found.\n');
    });

    it('rotate-secret prints a new secret once: the old one stops working, the new one works', async () => {
      const project = await createProject();
      // The server now holds the old credentials in its cache (ROSTER_CREDENTIAL_CACHE_MS).
      await project.client.organizations.search({});

      const run = await roster('projects', 'rotate-secret', project.projectId);

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^project_id: ${project.projectId}\nsecret: +\\S{43}\n$`));
      expect(run.stderr).toContain('Store the secret now: it cannot be shown again.');
      const secret = /^secret: +(\S+)$/m.exec(run.stdout)![1];
      expect((await storedProject(project.projectId)).secret_hash).toEqual(hashSecret(secret));
      const rotated = new B2BClient({ project_id: project.projectId, secret, env: `${ctx.app.baseUrl}/` });
      await eventually(async () => (await stytchError(project.client.organizations.search({}))).status_code === 401, {
        what: 'the old secret to be refused',
        timeoutMs: 10_000,
      });
      expect(await rotated.organizations.search({})).toMatchObject({ status_code: 200 });
    });
  });

  describe('orgs', () => {
    it('create makes an organization; get shows it by slug; list includes it', async () => {
      const slug = unique('cli-org');

      const created = await roster('orgs', 'create', '--name', 'CLI Corp', '--slug', slug);
      const got = await roster('orgs', 'get', slug, '--json');
      const listed = await roster('orgs', 'list', '--limit', '1000');

      expect(created.code).toBe(0);
      const id = /^organization_id +(\S+)$/m.exec(created.stdout)![1];
      expect(created.stdout).toMatch(new RegExp(`^organization_slug +${slug}$`, 'm'));
      expect(created.stdout).toMatch(/^organization_name +CLI Corp$/m);
      expect(got.code).toBe(0);
      const api = await ctx.app.http('GET', `/v1/b2b/organizations/${id}`);
      expect(JSON.parse(got.stdout).organization).toEqual(api.body.organization);
      expect(listed.code).toBe(0);
      expect(lines(listed.stdout)[0]).toMatch(/^organization_id +organization_slug +organization_name$/);
      expect(lines(listed.stdout)).toContainEqual(expect.stringMatching(new RegExp(`^${id} +${slug} +CLI Corp$`)));
      expect(listed.stderr).toMatch(/^\d+ of \d+ organizations\n$/);
    });

    it('list pages with --limit and --cursor, and --json answers as the API does', async () => {
      await createOrganization(ctx.client);
      await createOrganization(ctx.client);

      const first = await roster('orgs', 'list', '--limit', '1', '--json');
      const { results_metadata, organizations } = JSON.parse(first.stdout);
      const second = await roster('orgs', 'list', '--limit', '1', '--cursor', results_metadata.next_cursor);

      expect(first.code).toBe(0);
      expect(organizations).toHaveLength(1);
      expect(second.code).toBe(0);
      expect(lines(second.stdout)).toHaveLength(2);
      expect(second.stdout).not.toContain(organizations[0].organization_id);
      expect(second.stderr).toMatch(/^1 of \d+ organizations; next page: --cursor \S+\n$/);
    });
  });

  describe('members', () => {
    it('list shows the members of an organization named by slug; get finds one by id and by email', async () => {
      const org = await createOrganization(ctx.client);
      const ada = await createMember(ctx.client, org.organization_id, { name: 'Ada Lovelace', roles: ['stytch_admin'] });
      const bob = await createMember(ctx.client, org.organization_id, { name: 'Bob' });

      const list = await roster('members', 'list', org.organization_slug);
      const json = await roster('members', 'list', org.organization_id, '--json');
      const byEmail = await roster('members', 'get', org.organization_slug, ada.email_address);
      const byId = await roster('members', 'get', org.organization_id, bob.member_id, '--json');

      expect(list.code).toBe(0);
      const [header, ...rows] = lines(list.stdout);
      expect(header).toMatch(/^member_id +email_address +name +status +roles$/);
      expect(rows).toHaveLength(2);
      expect(rows).toContainEqual(
        expect.stringMatching(new RegExp(`^${ada.member_id} +${ada.email_address} +Ada Lovelace +active +.*stytch_admin`)),
      );
      expect(list.stderr).toBe('2 of 2 members\n');
      expect(
        JSON.parse(json.stdout)
          .members.map((m: { member_id: string }) => m.member_id)
          .sort(),
      ).toEqual([ada.member_id, bob.member_id].sort());
      expect(byEmail.code).toBe(0);
      expect(byEmail.stdout).toMatch(new RegExp(`^member_id +${ada.member_id}$`, 'm'));
      expect(byEmail.stdout).toMatch(/^name +Ada Lovelace$/m);
      expect(byId.code).toBe(0);
      expect(JSON.parse(byId.stdout).member).toMatchObject({ member_id: bob.member_id, email_address: bob.email_address });
    });

    it('get of someone not in the organization exits 1 with member_not_found', async () => {
      const org = await createOrganization(ctx.client);

      const run = await roster('members', 'get', org.organization_id, 'nobody@acme.com');

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^roster: 404 member_not_found: /);
    });
  });

  describe('jobs cancel and watch', () => {
    it('cancel asks a queued import to stop; watch then follows it to cancelled and exits 4', async () => {
      const org = await createOrganization(ctx.client);
      const uploaded = await upload(ctx.app, csv(['email_address'], [[`${unique('a')}@acme.com`]]), {
        organization_id: org.organization_id,
      });
      const jobId = uploaded.body.job.job_id as string;

      const cancel = await roster('jobs', 'cancel', jobId);

      expect(cancel.code).toBe(0);
      expect(cancel.stdout).toMatch(/^cancel_requested +true$/m);
      expect(cancel.stderr).toBe(`cancel requested; follow it with: roster jobs watch ${jobId}\n`);

      const watch = await withWorkers(() => roster('jobs', 'watch', jobId));

      expect(watch.code).toBe(4);
      expect(lines(watch.stderr).pop()).toMatch(/ cancelled$/);
      expect(await getJob(ctx.app, jobId)).toMatchObject({ status: 'cancelled' });
    });
  });

  describe('emails', () => {
    it('list shows the dev outbox with the link of each email, readably or as the API answers', async () => {
      const org = await createOrganization(ctx.client);
      const address = `${unique('invitee')}@acme.com`;
      await ctx.client.magicLinks.email.invite({ organization_id: org.organization_id, email_address: address });
      await withWorkers(() =>
        eventuallyValue(
          () => ctx.app.http('GET', `/v1/b2b/emails?to=${encodeURIComponent(address)}`),
          (response) => response.body.emails?.[0]?.status === 'captured',
          { what: 'the invite to be captured', timeoutMs: 20_000 },
        ),
      );

      const table = await roster('emails', 'list', '--to', address);
      const json = await roster('emails', 'list', '--to', address, '--status', 'captured', '--json');

      expect(table.code).toBe(0);
      const [header, row, ...more] = lines(table.stdout);
      expect(header).toMatch(/^created_at +status +kind +to +subject +link\/code$/);
      expect(more).toEqual([]);
      expect(row).toMatch(new RegExp(`^\\S+ +captured +invite +${address} +.+ +${TEST_REDIRECT_URLS[0]}\\?\\S*token=\\S+$`));
      expect(table.stderr).toBe('1 of 1 emails\n');
      expect(json.code).toBe(0);
      const { emails } = JSON.parse(json.stdout);
      expect(emails).toHaveLength(1);
      expect(row).toContain(emails[0].link);
    });

    it('list refuses a status that does not exist', async () => {
      const run = await roster('emails', 'list', '--status', 'delivered');

      expect(run.code).toBe(2);
      expect(run.stderr).toContain("argument 'delivered' is invalid");
    });
  });
});
