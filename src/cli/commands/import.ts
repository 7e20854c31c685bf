import { createReadStream, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { Command, Option } from 'commander';
import { B2B } from '../../contracts/common';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { action } from '../options';
import { StatusWriter } from '../progress';
import { JobAnswer, reportEnd, watchJob } from './jobs';

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

interface ImportOptions {
  org?: string;
  onConflict: 'skip' | 'update';
  createOrganizations?: boolean;
  dryRun?: boolean;
}

/** `import <file.csv>`: streams the file up (showing bytes sent), then follows the job to its end. */
export function registerImport(program: Command, ctx: CliContext): void {
  program
    .command('import <file>')
    .description('import members from a CSV file (POST /v1/b2b/migrations/members) and show the job until it ends')
    .option('--org <organization>', 'organization (id, slug or external id) of rows that name none')
    .addOption(new Option('--on-conflict <mode>', 'what to do with a member that exists').choices(['skip', 'update']).default('skip'))
    .option('--create-organizations', 'create organizations the file names by slug that do not exist')
    .option('--dry-run', 'report what would happen, changing nothing')
    .addHelpText(
      'after',
      '\nExits 0 once the job completed (rows it rejected are listed by `roster jobs errors`), 4 if it failed or was cancelled.\n\n' +
        'Example:\n  roster import members.csv --org acme --on-conflict update --dry-run',
    )
    .action(
      action(ctx, async (file: string, options: ImportOptions) => {
        let stats;
        try {
          stats = statSync(file);
        } catch {
          throw new UsageError(`cannot read ${file}`);
        }
        if (!stats.isFile()) throw new UsageError(`not a file: ${file}`);
        const size = stats.size;
        const api = ctx.api();
        const status = new StatusWriter(ctx.err);
        let sent = 0;
        const counting = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            sent += chunk.length;
            status.update(`uploading ${file}: ${mb(sent)}/${mb(size)} MB`);
            callback(null, chunk);
          },
        });
        const { job } = await api.upload<JobAnswer>(`${B2B}/migrations/members`, createReadStream(file).pipe(counting), 'text/csv', {
          on_conflict: options.onConflict,
          organization_id: options.org,
          create_organizations: options.createOrganizations || undefined,
          dry_run: options.dryRun || undefined,
        });
        status.done(`uploaded ${mb(size)} MB; job ${job.job_id}`);
        return reportEnd(ctx, (await watchJob(api, job.job_id, ctx.err)).job);
      }),
    );
}
