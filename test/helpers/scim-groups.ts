import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatId } from '../../src/ids';
import type { TestAppHolder } from './app';
import { unique } from './factories';
import { oktaUser, type ScimDirectory } from './scim-users';

export const SCIM_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCIM_LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** A SCIM User provisioned through POST /Users: its SCIM id and its member's public id. */
export interface ProvisionedUser {
  id: string;
  userName: string;
  memberId: string;
}

export async function provisionUser(ctx: TestAppHolder, directory: ScimDirectory): Promise<ProvisionedUser> {
  const userName = `${unique('member')}@acme.com`;
  const created = await directory.request('POST', '/Users', oktaUser(userName));
  if (created.status !== 201) throw new Error(`POST /Users answered ${created.status}: ${JSON.stringify(created.body)}`);
  const row = await ctx.app.container.knex('scim_users').where({ id: created.body.id }).first('member_id');
  return { id: created.body.id, userName, memberId: formatId('member', 'test', row.member_id) };
}

/** The SCIM User ids in a group, straight from the database. */
export async function memberIdsInGroup(ctx: TestAppHolder, groupId: string): Promise<string[]> {
  const rows = await ctx.app.container
    .knex('scim_group_members as gm')
    .join('scim_users as u', 'u.member_id', 'gm.member_id')
    .where('gm.group_id', groupId)
    .orderBy('u.id')
    .select('u.id');
  return rows.map((row: { id: string }) => row.id);
}

/** A request body from test/fixtures/scim, with its `{{name}}` placeholders filled in. */
export function fixture(name: string, values: Record<string, string> = {}): Record<string, unknown> {
  const text = readFileSync(join(__dirname, '..', 'fixtures', 'scim', name), 'utf8');
  return JSON.parse(
    text.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
      if (!(key in values)) throw new Error(`${name} needs a value for {{${key}}}`);
      return values[key];
    }),
  );
}
