import { up as renormalizeEmails } from '../../migrations/20261202000001_normalize_emails_nfkc';
import { parseId } from '../../src/ids';
import { TEST_REDIRECT_URLS, useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization, unique } from '../helpers/factories';
import { waitForJob } from '../helpers/migrations';

/** `ada-x1` → `ＡＤＡ－Ｘ１`: the fullwidth compatibility form of an ASCII local part, uppercased. */
const fullwidth = (text: string) => text.toUpperCase().replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe('look-alike emails and names', () => {
  const ctx = useTestApp({}, { workers: true });

  describe('compatibility forms are the same email', () => {
    it('finds and refuses to duplicate ada@ when given ＡＤＡ@', async () => {
      const org = await createOrganization(ctx.client);
      const local = unique('ada');
      const ada = await createMember(ctx.client, org.organization_id, { email_address: `${local}@acme.com` });

      const { member } = await ctx.client.organizations.members.get({
        organization_id: org.organization_id,
        email_address: `${fullwidth(local)}@acme.com`,
      });
      expect(member.member_id).toBe(ada.member_id);
      const error = await expectStytchError(
        ctx.client.organizations.members.create({ organization_id: org.organization_id, email_address: `${fullwidth(local)}@acme.com` }),
        400,
        'duplicate_member_email',
      );
      expect(error.error_message).toContain(`${local.toUpperCase()}@acme.com`);
    });

    it('finds ada@ by member search on ＡＤＡ@, exactly and fuzzily', async () => {
      const org = await createOrganization(ctx.client);
      const local = unique('ada');
      const ada = await createMember(ctx.client, org.organization_id, { email_address: `${local}@acme.com` });
      const search = (operand: Record<string, unknown>) =>
        ctx.client.organizations.members.search({
          organization_ids: [org.organization_id],
          query: { operator: 'AND', operands: [operand] },
        } as Parameters<typeof ctx.client.organizations.members.search>[0]);

      const exact = await search({ filter_name: 'member_emails', filter_value: [`${fullwidth(local)}@acme.com`] });
      const fuzzy = await search({ filter_name: 'member_email_fuzzy', filter_value: fullwidth(local) });

      expect(exact.members.map((m) => m.member_id)).toEqual([ada.member_id]);
      expect(fuzzy.members.map((m) => m.member_id)).toEqual([ada.member_id]);
    });

    it('signs up with the NFKC form, case kept, found again by the ASCII spelling', async () => {
      // The fullwidth domain must match the allowed domain for the sign-up to happen at all.
      const org = await createOrganization(ctx.client, { email_jit_provisioning: 'RESTRICTED', email_allowed_domains: ['acme.com'] });
      const local = unique('bob');
      const { member, member_created } = await ctx.client.magicLinks.email.loginOrSignup({
        organization_id: org.organization_id,
        email_address: `${fullwidth(local)}＠ａｃｍｅ．ｃｏｍ`,
      });
      expect(member_created).toBe(true);
      expect(member.email_address).toBe(`${local.toUpperCase()}@acme.com`);
      const again = await ctx.client.organizations.members.get({
        organization_id: org.organization_id,
        email_address: `${local}@ACME.com`,
      });
      expect(again.member_id).toBe(member.member_id);
    });
  });

  describe('addresses with control, format or angle-bracket characters are refused everywhere', () => {
    const lookalikes: [string, (local: string) => string][] = [
      ['a zero-width joiner', (l) => `${l}\u200d@acme.com`],
      ['a right-to-left override', (l) => `\u202E${l}@acme.com`],
      ['a script tag', (l) => `<script>${l}</script>@acme.com`],
      ['a control character', (l) => `${l}\u0007@acme.com`],
    ];

    it.each(lookalikes)('refuses %s in members.create and members.update', async (_case, make) => {
      const org = await createOrganization(ctx.client);
      const local = unique('ada');
      await expectStytchError(
        ctx.client.organizations.members.create({ organization_id: org.organization_id, email_address: make(local) }),
        400,
        'invalid_email',
      );
      const member = await createMember(ctx.client, org.organization_id);
      await expectStytchError(
        ctx.client.organizations.members.update({
          organization_id: org.organization_id,
          member_id: member.member_id,
          email_address: make(local),
        }),
        400,
        'invalid_email',
      );
      expect((await ctx.client.organizations.metrics({ organization_id: org.organization_id })).member_count).toBe(1);
    });

    it.each(lookalikes)('refuses %s in magic_links invite and login_or_signup', async (_case, make) => {
      const org = await createOrganization(ctx.client);
      const email_address = make(unique('ada'));
      await expectStytchError(
        ctx.client.magicLinks.email.invite({ organization_id: org.organization_id, email_address }),
        400,
        'invalid_email',
      );
      await expectStytchError(
        ctx.client.magicLinks.email.loginOrSignup({ organization_id: org.organization_id, email_address }),
        400,
        'invalid_email',
      );
    });

    it.each(lookalikes)('refuses %s in a bulk invite as that invitee’s invalid_email, inviting the rest', async (_case, make) => {
      const org = await createOrganization(ctx.client);
      const res = await ctx.app.http('POST', `/v1/b2b/organizations/${org.organization_id}/invites`, {
        body: {
          invitees: [{ email_address: `${unique('ok')}@acme.com` }, { email_address: make(unique('ada')) }],
          invite_redirect_url: TEST_REDIRECT_URLS[0],
        },
      });
      expect(res.status).toBe(202);
      const job = await waitForJob(ctx.app, res.body.job.job_id, 20_000);
      expect(job).toMatchObject({ status: 'completed', progress: { invited: 1, failed: 1 } });
      const errors = (await ctx.app.http('GET', `/v1/b2b/jobs/${job.job_id}/errors`)).body.errors as Record<string, unknown>[];
      expect(errors.map((e) => [e.line, e.error_type, e.column_name])).toEqual([[2, 'invalid_email', 'email_address']]);
    });

    it('says which character it refused', async () => {
      const org = await createOrganization(ctx.client);
      const error = await expectStytchError(
        ctx.client.organizations.members.create({ organization_id: org.organization_id, email_address: 'ada\u200d@acme.com' }),
        400,
        'invalid_email',
      );
      expect(error.error_message).toBe('email_address contains an invisible formatting character (U+200D).');
    });
  });

  describe('names refuse control characters', () => {
    it.each([
      ['a line feed', 'Acme\nBCC: all'],
      ['a carriage return', 'Acme\r'],
      ['a tab', 'Ac\tme'],
    ])('refuses %s in organization names on create and update', async (_case, name) => {
      await expectStytchError(
        ctx.client.organizations.create({ organization_name: name, organization_slug: unique('acme') }),
        400,
        'invalid_organization_name',
      );
      const org = await createOrganization(ctx.client);
      await expectStytchError(
        ctx.client.organizations.update({ organization_id: org.organization_id, organization_name: name }),
        400,
        'invalid_organization_name',
      );
    });

    it('refuses a multi-line member name on create, update and invite', async () => {
      const org = await createOrganization(ctx.client);
      const name = 'Ada\r\nLovelace';
      await expectStytchError(
        ctx.client.organizations.members.create({ organization_id: org.organization_id, email_address: `${unique('a')}@acme.com`, name }),
        400,
        'invalid_member_name',
      );
      const member = await createMember(ctx.client, org.organization_id);
      await expectStytchError(
        ctx.client.organizations.members.update({ organization_id: org.organization_id, member_id: member.member_id, name }),
        400,
        'invalid_member_name',
      );
      await expectStytchError(
        ctx.client.magicLinks.email.invite({ organization_id: org.organization_id, email_address: `${unique('a')}@acme.com`, name }),
        400,
        'invalid_member_name',
      );
    });
  });

  describe('the migration that recomputes stored keys', () => {
    const knex = () => ctx.app.container.knex;
    const uuid = (memberId: string) => parseId('member', 'test', memberId)!;
    /** Rewrites a member as the previous code stored a compatibility-form address: trimmed, NFC, lowercased. */
    const makeLegacy = (memberId: string, email: string) =>
      knex()('members')
        .where({ id: uuid(memberId) })
        .update({ email, email_normalized: email.normalize('NFC').toLowerCase() });
    const keyOf = async (memberId: string) =>
      (
        await knex()('members')
          .where({ id: uuid(memberId) })
          .first()
      ).email_normalized as string;

    it('gives legacy rows the new key, unless another live member already holds it', async () => {
      const org = await createOrganization(ctx.client);
      const bob = unique('bob');
      const ada = unique('ada');
      const legacyBob = await createMember(ctx.client, org.organization_id);
      await makeLegacy(legacyBob.member_id, `${fullwidth(bob)}@acme.com`);
      const asciiAda = await createMember(ctx.client, org.organization_id, { email_address: `${ada}@acme.com` });
      const legacyAda = await createMember(ctx.client, org.organization_id);
      await makeLegacy(legacyAda.member_id, `${fullwidth(ada)}@acme.com`);
      const legacyAdaKey = await keyOf(legacyAda.member_id);

      await renormalizeEmails(knex());

      expect(await keyOf(legacyBob.member_id)).toBe(`${bob}@acme.com`);
      const { member } = await ctx.client.organizations.members.get({
        organization_id: org.organization_id,
        email_address: `${bob}@acme.com`,
      });
      expect(member.member_id).toBe(legacyBob.member_id);
      // The collision stays as it was: two members, each with its own key.
      expect(await keyOf(asciiAda.member_id)).toBe(`${ada}@acme.com`);
      expect(await keyOf(legacyAda.member_id)).toBe(legacyAdaKey);
      expect((await ctx.client.organizations.metrics({ organization_id: org.organization_id })).member_count).toBe(3);
    });
  });
});
