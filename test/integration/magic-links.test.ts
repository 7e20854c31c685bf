import { TestSmtpServer } from '../helpers/smtp';
import { startTestApp, TestApp, TEST_REDIRECT_URLS } from '../helpers/app';
import { createOrganization } from '../helpers/factories';
import { startWorkers, Workers } from '../../workers/index';

describe('magic links end to end', () => {
  const smtp = new TestSmtpServer();
  let app: TestApp;
  let workers: Workers;
  beforeAll(async () => {
    app = await startTestApp({ SMTP_URL: await smtp.start() });
    workers = startWorkers(app.container);
    app.container.relay.start();
  });
  afterAll(async () => {
    await workers.close();
    await app.close();
    await smtp.stop();
  });

  it('invites a member, who clicks the link and holds a session the SDK authenticates remotely and locally', async () => {
    const { client } = app.project;
    const organization = await createOrganization(client);
    const invited = await client.magicLinks.email.invite({ organization_id: organization.organization_id, email_address: 'ada@acme.com', name: 'Ada' });
    expect(invited.member.status).toBe('invited');

    const email = await smtp.messageTo('ada@acme.com');
    expect(email.link.startsWith(`${TEST_REDIRECT_URLS[0]}?stytch_token_type=multi_tenant_magic_links&token=`)).toBe(true);

    const auth = await client.magicLinks.authenticate({ magic_links_token: email.token, session_duration_minutes: 60 });
    expect(auth.member_authenticated).toBe(true);
    expect(auth.member.status).toBe('active');
    expect(auth.member.email_address_verified).toBe(true);

    const remote = await client.sessions.authenticate({ session_token: auth.session_token });
    expect(remote.member_session.member_session_id).toBe(auth.member_session!.member_session_id);
    const local = await client.sessions.authenticateJwtLocal({ session_jwt: auth.session_jwt });
    expect(local.member_id).toBe(auth.member_id);
    expect(local.organization_id).toBe(organization.organization_id);

    const again = await client.magicLinks.authenticate({ magic_links_token: email.token }).catch((e) => e);
    expect(again.error_type).toBe('unable_to_auth_magic_link');
  });
});
