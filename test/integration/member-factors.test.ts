import { randomInt } from 'node:crypto';
import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope, expectStytchError } from '../helpers/assertions';
import { eventually } from '../helpers/eventually';
import { createMember, createOrganization, unique } from '../helpers/factories';

const newNumber = () => `+1555${randomInt(1_000_000, 9_999_999)}`;
const bare = (publicId: string) => publicId.replace(/^[a-z-]+-test-/, '');

describe("removing a member's MFA phone number and retired emails", () => {
  const ctx = useTestApp({}, { workers: true });
  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const getMember = (organization_id: string, member_id: string) =>
    client()
      .organizations.members.get({ organization_id, member_id })
      .then((r) => r.member);

  describe('organizations.members.deleteMFAPhoneNumber', () => {
    it('clears the number and its verification, keeps mfa_enrolled, and voids the codes texted to it', async () => {
      const org = await createOrganization(client());
      const number = newNumber();
      const member = await createMember(client(), org.organization_id, { mfa_phone_number: number, mfa_enrolled: true });
      const ref = { organization_id: org.organization_id, member_id: member.member_id };
      await client().otps.sms.send(ref);
      await eventually(() => knex()('otp_codes').where({ destination: number }).first(), { what: 'the code texted' });

      const answer = await client().organizations.members.deleteMFAPhoneNumber(ref);
      expect(answer.member_id).toBe(member.member_id);
      expect(answer.member).toMatchObject({ mfa_phone_number: '', mfa_phone_number_verified: false, mfa_enrolled: true });
      expect(answer.organization.organization_id).toBe(org.organization_id);
      expect(await getMember(org.organization_id, member.member_id)).toEqual(answer.member);
      expect(await knex()('otp_codes').where({ destination: number }).whereNull('used_at')).toEqual([]);
      // A new number may now be linked by a send.
      const next = newNumber();
      const sent = await client().otps.sms.send({ ...ref, mfa_phone_number: next });
      expect(sent.member.mfa_phone_number).toBe(next);
    });

    it('answers a member without a number as it is', async () => {
      const org = await createOrganization(client());
      const member = await createMember(client(), org.organization_id);
      const answer = await client().organizations.members.deleteMFAPhoneNumber({
        organization_id: org.organization_id,
        member_id: member.member_id,
      });
      expect(answer.member).toEqual(member);
    });

    it('clears the number once when ten callers delete it at once, all answered 200', async () => {
      const org = await createOrganization(client());
      const member = await createMember(client(), org.organization_id, { mfa_phone_number: newNumber() });
      const ref = { organization_id: org.organization_id, member_id: member.member_id };
      const answers = await Promise.all(Array.from({ length: 10 }, () => client().organizations.members.deleteMFAPhoneNumber(ref)));
      for (const answer of answers) expect(answer.member.mfa_phone_number).toBe('');
      expect((await getMember(org.organization_id, member.member_id)).mfa_phone_number).toBe('');
    });

    it("refuses another organization's member, an unknown member and an unknown organization (404), changing nothing", async () => {
      const org = await createOrganization(client());
      const other = await createOrganization(client());
      const number = newNumber();
      const member = await createMember(client(), org.organization_id, { mfa_phone_number: number });
      await expectStytchError(
        client().organizations.members.deleteMFAPhoneNumber({ organization_id: other.organization_id, member_id: member.member_id }),
        404,
        'member_not_found',
      );
      await expectStytchError(
        client().organizations.members.deleteMFAPhoneNumber({
          organization_id: org.organization_id,
          member_id: 'member-test-00000000-0000-4000-8000-000000000000',
        }),
        404,
        'member_not_found',
      );
      await expectStytchError(
        client().organizations.members.deleteMFAPhoneNumber({ organization_id: unique('no-such-org'), member_id: member.member_id }),
        404,
        'organization_not_found',
      );
      expect((await getMember(org.organization_id, member.member_id)).mfa_phone_number).toBe(number);
    });
  });

  describe('organizations.members.unlinkRetiredEmail', () => {
    /** A member whose first address was replaced, and so retired. */
    async function memberWithRetiredEmail() {
      const org = await createOrganization(client());
      const retired = `${unique('old')}@acme.com`;
      const member = await createMember(client(), org.organization_id, { email_address: retired });
      const { member: updated } = await client().organizations.members.update({
        organization_id: org.organization_id,
        member_id: member.member_id,
        email_address: `${unique('new')}@acme.com`,
      });
      expect(updated.retired_email_addresses).toEqual([{ email_id: expect.stringMatching(/^email-test-/), email_address: retired }]);
      return { org, member: updated, retired, emailId: updated.retired_email_addresses[0].email_id };
    }

    it('unlinks by address: the address is free for another member', async () => {
      const { org, member, retired } = await memberWithRetiredEmail();
      await expectStytchError(createMember(client(), org.organization_id, { email_address: retired }), 400, 'retired_member_email');

      const answer = await client().organizations.members.unlinkRetiredEmail({
        organization_id: org.organization_id,
        member_id: member.member_id,
        email_address: retired.toUpperCase(),
      });
      expect(answer).toMatchObject({ member_id: member.member_id, organization_id: org.organization_id });
      expect(answer.member.retired_email_addresses).toEqual([]);
      expect(await getMember(org.organization_id, member.member_id)).toEqual(answer.member);
      const taker = await createMember(client(), org.organization_id, { email_address: retired });
      expect(taker.email_address).toBe(retired);
    });

    it('unlinks by email_id, and by both when they name the same email', async () => {
      const first = await memberWithRetiredEmail();
      const byId = await client().organizations.members.unlinkRetiredEmail({
        organization_id: first.org.organization_id,
        member_id: first.member.member_id,
        email_id: first.emailId,
      });
      expect(byId.member.retired_email_addresses).toEqual([]);

      const second = await memberWithRetiredEmail();
      const byBoth = await client().organizations.members.unlinkRetiredEmail({
        organization_id: second.org.organization_id,
        member_id: second.member.member_id,
        email_id: second.emailId,
        email_address: second.retired,
      });
      expect(byBoth.member.retired_email_addresses).toEqual([]);
    });

    it('unlinks once when ten callers unlink the same email at once: one 200, nine 404', async () => {
      const { org, member, retired } = await memberWithRetiredEmail();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          client().organizations.members.unlinkRetiredEmail({
            organization_id: org.organization_id,
            member_id: member.member_id,
            email_address: retired,
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expectErrorEnvelope(r.reason, 404, 'retired_email_not_found');
      }
    });

    it('refuses what names no retired email of this member, changing nothing', async () => {
      const { org, member, retired, emailId } = await memberWithRetiredEmail();
      const other = await memberWithRetiredEmail();
      const ref = { organization_id: org.organization_id, member_id: member.member_id };
      await expectStytchError(client().organizations.members.unlinkRetiredEmail(ref), 400, 'bad_request');
      await expectStytchError(
        client().organizations.members.unlinkRetiredEmail({ ...ref, email_address: member.email_address }),
        404,
        'retired_email_not_found',
      );
      await expectStytchError(
        client().organizations.members.unlinkRetiredEmail({ ...ref, email_id: emailId, email_address: other.retired }),
        404,
        'retired_email_not_found',
      );
      await expectStytchError(
        client().organizations.members.unlinkRetiredEmail({ ...ref, email_id: other.emailId }),
        404,
        'retired_email_not_found',
      );
      await expectStytchError(
        client().organizations.members.unlinkRetiredEmail({ ...ref, email_id: 'not-an-id' }),
        404,
        'retired_email_not_found',
      );
      await expectStytchError(
        client().organizations.members.unlinkRetiredEmail({ ...ref, email_address: 'not an email' }),
        400,
        'invalid_email',
      );
      await expectStytchError(
        client().organizations.members.unlinkRetiredEmail({
          organization_id: other.org.organization_id,
          member_id: member.member_id,
          email_address: retired,
        }),
        404,
        'member_not_found',
      );
      const after = await getMember(org.organization_id, member.member_id);
      expect(after.retired_email_addresses).toEqual([{ email_id: emailId, email_address: retired }]);
      expect(await knex()('member_retired_emails').where({ member_id: bare(member.member_id) })).toHaveLength(1);
    });
  });
});
