import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createMember, createOrganization, unique } from '../helpers/factories';
import { expectBalanced, JobBody, upload, waitForJob } from '../helpers/migrations';

interface RowError {
  line: number;
  error_type: string;
  column_name: string | null;
  message: string;
}

const q = (value: string) => `"${value.replace(/"/g, '""')}"`;

describe('member migrations: rows with bad Unicode are row errors, never a refused file', () => {
  const ctx = useTestApp({}, { workers: true });

  const errorsOf = async (job: JobBody): Promise<RowError[]> => {
    const response = await ctx.app.http('GET', `/v1/b2b/jobs/${job.job_id}/errors?limit=1000`);
    expect(response.status).toBe(200);
    return response.body.errors;
  };

  it('imports the good rows and reports each bad one with its line, column and type', async () => {
    const org = await createOrganization(ctx.client);
    const local = unique('ok');
    const deep = '{"a":'.repeat(2500) + '1' + '}'.repeat(2500);
    const lines: Buffer[] = [
      Buffer.from('email_address,name,trusted_metadata\r\n'),
      Buffer.from(`${local}-1@acme.com,Ada,${q('{"tier":"gold"}')}\r\n`), // line 2: imported
      Buffer.from(`${local}-2@acme.com,Nul\u0000Name,\r\n`), // 3
      Buffer.from(`${local}-3@acme.com,Surrogate,${q('{"tier":"\\ud800"}')}\r\n`), // 4
      Buffer.from(`${local}-4@acme.com,NulKey,${q('{"\\u0000":"x"}')}\r\n`), // 5
      Buffer.concat([Buffer.from(`${local}-5@acme.com,Jos`), Buffer.from([0xe9, 0xff]), Buffer.from(',\r\n')]), // 6
      Buffer.from(`${local}-6@acme.com,Deep,${q(deep)}\r\n`), // 7
      Buffer.from(`${local}-7@acme.com,Emoji 😀,${q('{"note":"a \\ud83d\\ude00 pair is fine"}')}\r\n`), // 8: imported
      Buffer.from(`${local}-8@acme.com,Escaped,${q('{"path":"C:\\\\u0000 is just text"}')}\r\n`), // 9: imported
    ];
    const response = await upload(ctx.app, Buffer.concat(lines), { organization_id: org.organization_id });
    expect(response.status).toBe(202);
    const job = await waitForJob(ctx.app, response.body.job.job_id);
    expect(job.status).toBe('completed');
    expectBalanced(job);
    expect(job.progress).toMatchObject({ total_rows: 8, created: 3, failed: 5 });
    expect((await errorsOf(job)).map(({ line, error_type, column_name }) => [line, error_type, column_name])).toEqual([
      [3, 'invalid_character', 'name'],
      [4, 'invalid_json', 'trusted_metadata'],
      [5, 'invalid_json', 'trusted_metadata'],
      [6, 'invalid_utf8', 'name'],
      [7, 'invalid_json', 'trusted_metadata'],
    ]);
    const errors = await errorsOf(job);
    expect(errors[1].message).toBe('trusted_metadata.tier contains an unpaired UTF-16 surrogate.');
    expect(errors[2].message).toBe('trusted_metadata has a key that contains a NUL character (U+0000).');
    expect(errors[4].message).toContain('more than 32 levels deep');

    const get = (email_address: string) => ctx.client.organizations.members.get({ organization_id: org.organization_id, email_address });
    expect((await get(`${local}-1@acme.com`)).member.trusted_metadata).toEqual({ tier: 'gold' });
    expect((await get(`${local}-7@acme.com`)).member.trusted_metadata).toEqual({ note: 'a 😀 pair is fine' });
    expect((await get(`${local}-8@acme.com`)).member.trusted_metadata).toEqual({ path: 'C:\\u0000 is just text' });
  });

  it('refuses look-alike emails and multi-line names per row, and matches fullwidth addresses to existing members', async () => {
    const org = await createOrganization(ctx.client);
    const local = unique('ada');
    const existing = await createMember(ctx.client, org.organization_id, { email_address: `${local}@acme.com`, name: 'Ada' });
    const body =
      [
        'email_address,name',
        `${local}-zwj\u200d@acme.com,Zero Width`, // 2
        `\u202E${local}-rlo@acme.com,Override`, // 3
        `${q(`<script>${local}</script>@acme.com`)},Script`, // 4
        `${local}-bell\u0007@acme.com,Bell`, // 5
        `${local}-nl@acme.com,${q('Line\r\nBreak')}`, // 6
        `${local.toUpperCase().replace(/[A-Z0-9-]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))}@acme.com,Fullwidth`, // 7
        `${local}-fine@acme.com,Fine`, // 8
      ].join('\r\n') + '\r\n';
    const response = await upload(ctx.app, body, { organization_id: org.organization_id, on_conflict: 'skip' });
    expect(response.status).toBe(202);
    const job = await waitForJob(ctx.app, response.body.job.job_id);
    expect(job.status).toBe('completed');
    expectBalanced(job);
    expect(job.progress).toMatchObject({ total_rows: 7, created: 1, skipped: 1, failed: 5 });
    expect((await errorsOf(job)).map(({ line, error_type }) => [line, error_type])).toEqual([
      [2, 'invalid_email'],
      [3, 'invalid_email'],
      [4, 'invalid_email'],
      [5, 'invalid_email'],
      [6, 'invalid_name'],
    ]);
    const { member_count } = await ctx.client.organizations.metrics({ organization_id: org.organization_id });
    expect(member_count).toBe(2);
    const { member } = await ctx.client.organizations.members.get({
      organization_id: org.organization_id,
      email_address: `${local}@acme.com`,
    });
    expect(member.member_id).toBe(existing.member_id);
    expect(member.name).toBe('Ada');
  });

  it('refuses a header cell holding a NUL as a bad file (400), naming the cell', async () => {
    const org = await createOrganization(ctx.client);
    const response = await upload(ctx.app, `email_address,no\u0000te\r\n${unique('x')}@acme.com,1\r\n`, {
      organization_id: org.organization_id,
    });
    expect(response.status).toBe(400);
    expectErrorEnvelope(response.body, 400, 'invalid_character');
    expect(response.body.error_message).toContain('Header cell 2');
  });
});
