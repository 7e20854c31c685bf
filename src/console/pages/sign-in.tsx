import type { Response, Router } from 'express';
import type { Container } from '../../container';
import { AppError } from '../../errors';
import { ErrorNote } from '../components';
import { sendPage, seeOther } from '../render';
import { isCrossSite } from '../security';
import { clearSessionCookie, sessionTokenOf, setSessionCookie } from '../session';

function signInPage(res: Response, status: number, projectId = '', error?: string): void {
  sendPage(
    res,
    { title: 'Sign in', section: 'sign-in', status },
    <form method="post" action="/admin/sign-in" class="card">
      <ErrorNote message={error} />
      <p>Sign in with the project's id and secret (the credentials of its API calls).</p>
      <label for="project_id">Project id</label>
      <input id="project_id" name="project_id" value={projectId} required autocomplete="username" spellcheck={false} autofocus />
      <label for="secret">Project secret</label>
      <input id="secret" name="secret" type="password" required autocomplete="current-password" />
      <button type="submit">Sign in</button>
    </form>,
  );
}

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/** The sign-in form (before any session) and sign-out. */
export function signInRoutes(router: Router, container: Container): void {
  const secure = container.config.publicUrl.startsWith('https:');

  router.get('/sign-in', (_req, res) => signInPage(res, 200));

  router.post('/sign-in', async (req, res) => {
    const projectId = field(req.body, 'project_id');
    if (isCrossSite(req)) return signInPage(res, 403, projectId, 'This sign-in did not come from the console.');
    try {
      const { token } = await container.consoleSessions.signIn(projectId, field(req.body, 'secret'), req.ip ?? 'unknown');
      setSessionCookie(res, token, secure);
      seeOther(res, '/admin');
    } catch (err) {
      if (!(err instanceof AppError) || err.statusCode >= 500) throw err;
      const message = err.statusCode === 401 ? 'That project id and secret do not match a project.' : err.message;
      signInPage(res, err.statusCode, projectId, message);
    }
  });
}

/** Sign-out ends the session in the database, not only in this browser. Behind the session and CSRF checks. */
export function signOutRoutes(router: Router, container: Container): void {
  const secure = container.config.publicUrl.startsWith('https:');
  router.post('/sign-out', async (req, res) => {
    await container.consoleSessions.signOut(sessionTokenOf(req)!);
    clearSessionCookie(res, secure);
    seeOther(res, '/admin/sign-in');
  });
}
