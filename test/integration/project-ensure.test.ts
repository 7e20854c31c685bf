import { useTestApp } from '../helpers/app';

/** ROSTER_PROJECT_ID/SECRET at boot (ProjectService.ensure) against a project made with `roster projects create`. */
describe('ensuring the configured project at boot', () => {
  const ctx = useTestApp({ ROSTER_CREDENTIAL_CACHE_MS: '0' });
  const projects = () => ctx.app.container.projects;
  const summary = async (projectId: string) => (await projects().list()).find((p) => p.projectId === projectId)!;

  it('keeps the name and redirect URLs of an existing project when none are configured', async () => {
    const { projectId, secret } = await projects().create('My app', 'test', ['http://localhost:3001/authenticate']);
    await projects().ensure(projectId, secret, []);
    expect(await summary(projectId)).toEqual(
      expect.objectContaining({ name: 'My app', redirectUrls: ['http://localhost:3001/authenticate'] }),
    );
    await expect(projects().authenticate(projectId, secret)).resolves.toEqual(expect.objectContaining({ publicId: projectId }));
  });

  it('replaces the redirect URLs when they are configured, and the secret always', async () => {
    const { projectId, secret } = await projects().create('Other app', 'test', ['http://localhost:3001/a']);
    await projects().ensure(projectId, 'a-new-secret-of-enough-length', ['http://localhost:3001/b']);
    expect(await summary(projectId)).toEqual(expect.objectContaining({ name: 'Other app', redirectUrls: ['http://localhost:3001/b'] }));
    await expect(projects().authenticate(projectId, secret)).rejects.toThrow(/Unauthorized/);
    await expect(projects().authenticate(projectId, 'a-new-secret-of-enough-length')).resolves.toBeDefined();
  });

  it('creates a missing project with the configured URLs', async () => {
    const projectId = 'project-test-00000000-0000-4000-8000-0000000000e1';
    await projects().ensure(projectId, 'the-configured-secret-value', ['http://localhost:3001/c']);
    expect(await summary(projectId)).toEqual(expect.objectContaining({ name: 'default', redirectUrls: ['http://localhost:3001/c'] }));
  });
});
