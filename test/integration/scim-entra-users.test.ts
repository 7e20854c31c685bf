import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestApp } from '../helpers/app';
import { createOrganization } from '../helpers/factories';
import { connectDirectory, membersWithEmail, SCIM_ENTERPRISE_USER, type ScimDirectory } from '../helpers/scim-users';

const ctx = useTestApp();

/** A request body exactly as Microsoft Entra's provisioning service sends it (test/fixtures/scim). */
const entra = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'scim', `${name}.json`), 'utf8'));

async function provisioned(): Promise<{ directory: ScimDirectory; id: string }> {
  const organization = await createOrganization(ctx.client);
  const directory = await connectDirectory(ctx, organization.organization_id);
  const created = await directory.request('POST', '/Users?aadOptscim062020', entra('entra-user-provision'));
  expect(created.status).toBe(201);
  return { directory, id: created.body.id };
}

describe('Microsoft Entra ID user provisioning', () => {
  it('creates a user with a work email and the enterprise extension', async () => {
    const { directory, id } = await provisioned();
    const read = await directory.request('GET', `/Users/${id}`);
    expect(read.body).toMatchObject({
      schemas: expect.arrayContaining([SCIM_ENTERPRISE_USER]),
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      [SCIM_ENTERPRISE_USER]: { employeeNumber: 'E-1001', department: 'Finance' },
    });
    const { member } = await ctx.client.organizations.members.get({
      organization_id: directory.organizationId,
      email_address: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com',
    });
    expect(member).toMatchObject({ name: 'givenName familyName', external_id: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef' });
    expect(member.scim_registration?.scim_attributes?.enterprise_extension).toMatchObject({
      employee_number: 'E-1001',
      department: 'Finance',
    });
  });

  it('finds the user by Entra’s matching filter before creating', async () => {
    const { directory, id } = await provisioned();
    const filter = encodeURIComponent('userName eq "test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1"');
    const found = await directory.request('GET', `/Users?filter=${filter}`);
    expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id }] });
  });

  it('applies a PATCH with capitalised ops and a value-path email replace; the member’s email follows', async () => {
    const { directory, id } = await provisioned();
    const patched = await directory.request('PATCH', `/Users/${id}`, entra('entra-user-patch-replace'));
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: { familyName: 'updatedFamilyName' },
      displayName: 'Updated Display',
      emails: [{ type: 'work', value: 'updatedEmail@microsoft.com', primary: true }],
    });
    expect(await membersWithEmail(ctx, 'updatedEmail@microsoft.com', directory.organizationId)).toEqual([
      expect.objectContaining({ status: 'active' }),
    ]);
  });

  it('disables with the string "False" and re-enables with a path-less replace of "True"', async () => {
    const { directory, id } = await provisioned();
    const disabled = await directory.request('PATCH', `/Users/${id}`, entra('entra-user-patch-disable'));
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(false);
    const email = 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com';
    expect((await membersWithEmail(ctx, email, directory.organizationId))[0].status).toBe('deleted');
    const enabled = await directory.request('PATCH', `/Users/${id}`, entra('entra-user-patch-pathless'));
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({
      active: true,
      name: { givenName: 'Pathless' },
      [SCIM_ENTERPRISE_USER]: { employeeNumber: 'E-2002' },
    });
    expect((await membersWithEmail(ctx, email, directory.organizationId))[0].status).toBe('active');
  });

  it('sets the enterprise manager and employeeNumber by URN-prefixed paths', async () => {
    const { directory, id } = await provisioned();
    const patched = await directory.request('PATCH', `/Users/${id}`, entra('entra-user-patch-manager'));
    expect(patched.status).toBe(200);
    expect(patched.body[SCIM_ENTERPRISE_USER]).toMatchObject({ employeeNumber: 'E-3003' });
    const { member } = await ctx.client.organizations.members.get({
      organization_id: directory.organizationId,
      email_address: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com',
    });
    expect(member.scim_registration?.scim_attributes?.enterprise_extension).toMatchObject({
      employee_number: 'E-3003',
      manager: { value: '2819c223-7f76-453a-919d-413861904646' },
    });
  });
});
