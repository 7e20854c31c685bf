import type { ScimReconcileRun } from '../../services/scim/reconcile/reconcile-run';
import type { ScimRoles } from '../../services/scim/scim-roles';
import { dispatch, recordingFailure } from './dispatch';

export function scimProcessor(roles: ScimRoles, reconcile: ScimReconcileRun) {
  return dispatch<'scim'>({
    'scim.roles-refresh': (payload) => roles.runRefresh(payload),
    'scim.roles-verify': () => roles.verify(),
    'scim.reconcile': ({ jobId }, job) =>
      recordingFailure(
        job,
        (err) => reconcile.fail(jobId, err),
        () => reconcile.run(jobId),
      ),
  });
}
