import type { Router } from 'express';
import type { Container } from '../../container';
import { Details } from '../components';
import { sendPage } from '../render';
import { sessionOf } from '../session';

/** The signed-in project: its settings and what it holds. */
export function overviewPages(router: Router, container: Container): void {
  router.get('/', async (_req, res) => {
    const overview = await container.projectOverviews.get(sessionOf(res).project);
    sendPage(
      res,
      { title: 'Overview', section: 'overview' },
      <>
        <dl class="stats">
          <div>
            <dt>Organizations</dt>
            <dd>
              <a href="/admin/organizations">{overview.organizations.toLocaleString('en-US')}</a>
            </dd>
          </div>
          <div>
            <dt>Members</dt>
            <dd>
              <a href="/admin/members">{overview.members.toLocaleString('en-US')}</a>
            </dd>
          </div>
          <div>
            <dt>Jobs</dt>
            <dd>
              <a href="/admin/jobs">{overview.jobs.toLocaleString('en-US')}</a>
            </dd>
          </div>
        </dl>
        <h2>Project</h2>
        <Details
          rows={[
            ['Project id', <span class="mono">{overview.projectId}</span>],
            ['Name', overview.name],
            ['Environment', overview.env],
            ['Created', overview.createdAt.toISOString()],
          ]}
        />
        <h2>Redirect URLs</h2>
        {overview.redirectUrls.length === 0 ? (
          <p class="empty">No redirect URLs: links cannot be sent until one is added (roster projects update).</p>
        ) : (
          <ol>
            {overview.redirectUrls.map((url, i) => (
              <li>
                <span class="mono">{url}</span>
                {i === 0 && ' (default)'}
              </li>
            ))}
          </ol>
        )}
      </>,
    );
  });
}
