import { createReadStream, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import type { ApiClient } from '../api-client';
import type { JobView } from '../progress';
import { StatusWriter } from '../progress';
import { UsageError } from '../usage';
import { reportEnd, watchJob } from './jobs';

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** `import <file.csv>`: streams the file up (showing bytes sent), then follows the job to its end. */
export async function importCommand(api: ApiClient, serverUrl: string, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      'on-conflict': { type: 'string', default: 'skip' },
      'create-organizations': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError('import needs exactly one CSV file');
  if (!['skip', 'update'].includes(values['on-conflict']!)) throw new UsageError('--on-conflict is skip or update');
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }

  const query = new URLSearchParams({ on_conflict: values['on-conflict']! });
  if (values.org) query.set('organization_id', values.org);
  if (values['create-organizations']) query.set('create_organizations', 'true');
  if (values['dry-run']) query.set('dry_run', 'true');

  const status = new StatusWriter(process.stderr);
  let sent = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      status.update(`uploading ${file}: ${mb(sent)}/${mb(size)} MB`);
      callback(null, chunk);
    },
  });
  const { job } = await api.request<{ job: JobView }>('POST', `/v1/b2b/migrations/members?${query}`, {
    body: createReadStream(file).pipe(counting),
    headers: { 'content-type': 'text/csv' },
  });
  status.done(`uploaded ${mb(size)} MB; job ${job.job_id}`);
  return reportEnd(await watchJob(api, job.job_id), serverUrl);
}
