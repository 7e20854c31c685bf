import type { Response } from 'express';
import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { ConsoleSession } from '../services/console/console-sessions';
import { Layout, type Section } from './components';

/** Every interpolation is escaped by preact-render-to-string; nothing here ever sets raw HTML. */
function sendHtml(res: Response, status: number, html: string): void {
  res.status(status).type('html').send(html);
}

/** A whole page: in the signed-in layout (navigation, sign-out) when the request has a session. */
export function sendPage(res: Response, page: { title: string; section: Section; status?: number }, body: ComponentChildren): void {
  const session = res.locals.consoleSession as ConsoleSession | undefined;
  const layout = (
    <Layout title={page.title} section={page.section} projectId={session?.project.publicId} csrfToken={session?.csrfToken}>
      {body}
    </Layout>
  );
  sendHtml(res, page.status ?? 200, `<!doctype html>${renderToString(layout)}`);
}

/** An error page: what went wrong, in the layout, with the status it deserves. */
export function sendError(res: Response, status: number, title: string, message: string): void {
  sendPage(
    res,
    { title, section: 'sign-in', status },
    <>
      <p>{message}</p>
      <p>
        <a href="/admin">Back to the console</a>
      </p>
    </>,
  );
}

/** A part of a page, for htmx to swap in. */
export function sendFragment(res: Response, fragment: VNode): void {
  sendHtml(res, 200, renderToString(fragment));
}

/** After a POST that worked: the browser GETs the page to show (303: never re-POSTed on reload). */
export function seeOther(res: Response, path: string): void {
  res.redirect(303, path);
}
