import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { useTestApp } from '../helpers/app';
import { createMember, createOrganization, unique } from '../helpers/factories';
import { signInNewMember } from '../helpers/member-sessions';
import { csv, upload } from '../helpers/migrations';

/**
 * The admin console in a real browser: Debian's chromium driven by
 * playwright-core. Chromium missing is a failure, never a skip: .ci/run
 * installs it (apt-get install -y chromium).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, '..', '..', 'test-artifacts', 'screenshots');
const JOB_ROWS = 30_000;
const BAD_EVERY = 997;

describe('admin console in a browser', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });
  let browser: Browser;
  let page: Page;
  /** What the browser reported about the pages: CSP violations and script errors must stay empty. */
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium" (.ci/run does) or set CHROMIUM_PATH`);
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (message) => {
      // The sign-in test's wrong secret is answered 401 on purpose; anything else logged as an error is a problem.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const path = () => new URL(page.url()).pathname;

  it('signs in with the keyboard alone', async () => {
    await page.goto(`${ctx.app.baseUrl}/admin`);
    expect(path()).toBe('/admin/sign-in');
    await shot('sign-in');
    // The project id field has focus on arrival; Tab reaches the secret, Enter submits.
    await page.keyboard.type(ctx.app.project.projectId);
    await page.keyboard.press('Tab');
    await page.keyboard.type('wrong secret');
    await page.keyboard.press('Enter');
    await page.waitForLoadState();
    expect(await page.getByRole('alert').textContent()).toContain('do not match');

    await page.getByLabel('Project secret').focus();
    await page.keyboard.type(ctx.app.project.secret);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${ctx.app.baseUrl}/admin`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
    expect(await page.textContent('main')).toContain(ctx.app.project.projectId);
    await shot('overview');
  });

  it('searches members, opens one and revokes its session', async () => {
    const domain = `${unique('search')}.com`;
    const organization = await createOrganization(ctx.client, { organization_name: `Search ${domain}` });
    for (const name of ['Ada', 'Grace', 'Linus']) {
      await createMember(ctx.client, organization.organization_id, { email_address: `${name.toLowerCase()}@${domain}`, name });
    }
    const signedIn = await signInNewMember(ctx, organization.organization_id, { name: 'Session Holder' });
    await createMember(ctx.client, organization.organization_id, { email_address: `someone@${unique('elsewhere')}.com` });

    await page.getByRole('link', { name: 'Organizations' }).click();
    await shot('organizations');
    await page.getByRole('link', { name: 'Members' }).first().click();
    await page.getByLabel('Email contains').fill(domain);
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=/);
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await page.locator('table').textContent()).not.toContain('elsewhere');
    await shot('members');

    await page.getByLabel('Email contains').fill(signedIn.email);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: signedIn.email }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Session Holder');
    const session = await ctx.client.sessions.authenticate({ session_token: signedIn.token });
    expect(await page.textContent('main')).toContain(session.member_session.member_session_id);
    await shot('member');

    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.waitForURL(/done=revoked/);
    expect(await page.getByRole('status').textContent()).toBe('Session revoked.');
    expect(await page.textContent('main')).toContain('No live sessions.');
    await expect(ctx.client.sessions.authenticate({ session_token: signedIn.token })).rejects.toMatchObject({ status_code: 404 });

    await page.goto(`${ctx.app.baseUrl}/admin/organizations/${organization.organization_id}`);
    await shot('organization');
  });

  it("watches a member migration's progress move until it completes, then downloads its error CSV", async () => {
    const organization = await createOrganization(ctx.client);
    const domain = `${unique('import')}.com`;
    const badLines: number[] = [];
    const rows = Array.from({ length: JOB_ROWS }, (_, i) => {
      if (i % BAD_EVERY !== 5) return [`user${i}@${domain}`, `Member ${i}`];
      badLines.push(i + 2); // line 1 is the header
      return [`not-an-email-${i}`, `Member ${i}`];
    });
    const response = await upload(ctx.app, csv(['email_address', 'name'], rows), { organization_id: organization.organization_id });
    expect(response.status).toBe(202);
    const jobId: string = response.body.job.job_id;

    await page.goto(`${ctx.app.baseUrl}/admin/jobs/${jobId}`);
    // A mark on this document: if htmx ever reloaded the page instead of swapping the fragment, it would be gone.
    await page.evaluate(() => Object.assign(window, { consoleTestMark: true }));
    const seen: number[] = [];
    let status = '';
    const deadline = Date.now() + 120_000;
    while (status !== 'completed') {
      if (Date.now() > deadline) throw new Error(`job still ${status} after 2 minutes; processed seen: ${seen.join(', ')}`);
      status = (await page.getByTestId('job-status').textContent()) ?? '';
      expect(['queued', 'running', 'completed']).toContain(status);
      const processed = Number(((await page.getByTestId('processed').textContent()) ?? '').replace(/,/g, ''));
      if (seen[seen.length - 1] !== processed) seen.push(processed);
      if (seen.length === 1) await shot('job-running');
      await page.waitForTimeout(250);
    }
    expect(await page.evaluate(() => (window as unknown as { consoleTestMark?: boolean }).consoleTestMark)).toBe(true);
    // The numbers moved on the page (never backwards) and ended at the file's size.
    // Including a count strictly between nothing and everything: the page showed the job under way.
    expect(seen.some((value) => value > 0 && value < JOB_ROWS)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen[seen.length - 1]).toBe(JOB_ROWS);
    expect(await page.getByTestId('total').textContent()).toBe(JOB_ROWS.toLocaleString('en-US'));
    expect(await page.getByTestId('error-count').textContent()).toBe(String(badLines.length));
    await shot('job-completed');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download error CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('errors.csv');
    const text = readFileSync((await download.path())!, 'utf8');
    const [header, ...lines] = text.trimEnd().split('\r\n');
    expect(header).toBe('line,error_type,column_name,value,message');
    expect(lines.map((l) => Number(l.split(',')[0]))).toEqual(badLines);
    expect(lines[0]).toContain('not-an-email-5');

    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    expect(await page.textContent('main')).toContain(jobId);
    await shot('jobs');
  }, 180_000);

  it('lists emails, webhooks and events, and lays pages out for a 375 px phone', async () => {
    await page.getByRole('link', { name: 'Emails' }).click();
    expect(await page.locator('table tbody tr').count()).toBeGreaterThan(0);
    await shot('emails');
    await page.getByRole('link', { name: 'Webhooks' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Webhook endpoints');
    await shot('webhooks');
    await page.getByRole('link', { name: 'Events' }).click();
    // The session revoked from the console above is in the audit log, as the dashboard's doing.
    expect(await page.textContent('main')).toContain('dashboard.member_session.delete');
    await shot('events');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${ctx.app.baseUrl}/admin`);
    // Nothing wider than the screen: the page never scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot('overview-375px');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('shows focus, and the browser reported no CSP violation or script error on any page', async () => {
    await page.goto(`${ctx.app.baseUrl}/admin`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
    expect(problems).toEqual([]);
  });
});
