import { hashSecret, newSecret } from '../../src/secrets';
import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';

/** Project credentials are trusted from memory briefly; a rotated or deleted secret stops working within ROSTER_CREDENTIAL_CACHE_MS. */
describe('project credential cache', () => {
  const CACHE_MS = 300;
  const ctx = useTestApp({ ROSTER_CREDENTIAL_CACHE_MS: String(CACHE_MS) });

  const search = (auth: { projectId: string; secret: string }) => ctx.app.http('POST', '/v1/b2b/organizations/search', { body: {}, auth });
  const projectUuid = (projectId: string) => projectId.replace(/^project-(test|live)-/, '');
  const afterTheCache = () => new Promise((resolve) => setTimeout(resolve, CACHE_MS + 100));

  it('stops accepting a rotated secret once the cache has expired, and accepts the new one', async () => {
    const project = await ctx.app.newProject();
    expect((await search(project)).status).toBe(200);
    const rotated = newSecret();

    await ctx.app.container
      .knex('projects')
      .where({ id: projectUuid(project.projectId) })
      .update({ secret_hash: hashSecret(rotated) });
    await afterTheCache();

    const old = await search(project);
    expect(old.status).toBe(401);
    expectErrorEnvelope(old.body, 401, 'unauthorized_credentials');
    expect((await search({ projectId: project.projectId, secret: rotated })).status).toBe(200);
  });

  it('stops accepting a deleted project once the cache has expired', async () => {
    const project = await ctx.app.newProject();
    expect((await search(project)).status).toBe(200);

    await ctx.app.container
      .knex('projects')
      .where({ id: projectUuid(project.projectId) })
      .delete();
    await afterTheCache();

    expect((await search(project)).status).toBe(401);
  });

  it('never accepts a wrong secret, even for a cached project', async () => {
    const project = await ctx.app.newProject();
    expect((await search(project)).status).toBe(200);

    const wrong = await search({ projectId: project.projectId, secret: newSecret() });

    expect(wrong.status).toBe(401);
    expectErrorEnvelope(wrong.body, 401, 'unauthorized_credentials');
  });
});
