import { useTestApp } from '../helpers/app';
import { createMember, createOrganization } from '../helpers/factories';

describe('smoke: the SDK drives the app end to end', () => {
  const ctx = useTestApp();

  it('creates an organization and a member, then reads the member back', async () => {
    const { client } = ctx.app.project;
    const organization = await createOrganization(client);
    const member = await createMember(client, organization.organization_id, { email_address: 'Ada@Acme.com' });
    const got = await client.organizations.members.get({
      organization_id: organization.organization_slug,
      email_address: ' ada@acme.com ',
    });
    expect(got.member.member_id).toBe(member.member_id);
    expect(got.member.email_address).toBe('Ada@Acme.com');
    expect(got.status_code).toBe(200);
    expect(got.request_id).toMatch(/^request-id-/);
  });
});
