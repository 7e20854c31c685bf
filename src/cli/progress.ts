/** A job as the API shows it (GET /v1/b2b/jobs/:job_id), as far as the CLI cares. */
export interface JobView {
  job_id: string;
  type: string;
  status: string;
  phase: string | null;
  progress: Record<string, number>;
  params: { dry_run?: boolean } & Record<string, unknown>;
  error: { error_type: string; error_message: string } | null;
  finished_at: string | null;
}

/** A job has ended (completed, failed or cancelled) exactly when it has a finish time; it never changes again. */
export const isFinished = (job: JobView) => job.finished_at !== null;

/** The last line of every dry run's output, whatever its end: a dry run never changes anything. */
export const DRY_RUN_LINE = 'dry run — nothing was changed';

/** What the rows of `total_rows` / `processed_rows` are, when not CSV rows. */
const UNITS: Record<string, string> = { 'invites.bulk': 'invitees' };

/** Counters shown even while still zero, so the line keeps its shape as the job runs; others show once they appear. */
const COUNTERS: Record<string, readonly string[]> = {
  'migration.members': ['created', 'updated', 'skipped', 'failed'],
  'invites.bulk': ['invited', 'failed', 'undelivered'],
};
const POSITION = new Set(['total_rows', 'processed_rows']);

const n = (value: number | undefined) => (value ?? 0).toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The job's counters in a stable order: its type's own first (zero ones too), then any other it reports, by name. */
function counterEntries(job: JobView): [string, number][] {
  const known = COUNTERS[job.type] ?? [];
  const others = Object.keys(job.progress)
    .filter((key) => !POSITION.has(key) && !known.includes(key))
    .sort();
  return [...known, ...others].map((key) => [key, job.progress[key] ?? 0]);
}

/** "done/total unit" of a job that counts rows; undefined for one that does not. */
export function position(job: JobView): string | undefined {
  const total = job.progress.total_rows;
  return total === undefined ? undefined : `${n(job.progress.processed_rows)}/${n(total)} ${UNITS[job.type] ?? 'rows'}`;
}

/** A job's progress in one line, e.g. "3/3 rows, created 2, updated 0, skipped 0, failed 1". */
export function describeProgress(job: JobView): string {
  const parts = [position(job), ...counterEntries(job).map(([key, value]) => `${key} ${n(value)}`)].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(', ') : '-';
}

/**
 * One status line for a job: a bar, rows done, rate, counters, ETA. The rate is
 * measured between successive snapshots and smoothed, so progress reported many
 * times within a chunk, or once per chunk, reads the same.
 */
export class ProgressLine {
  private last: { at: number; rows: number } | undefined;
  private rate = 0;

  render(job: JobView, now = Date.now()): string {
    const finished = isFinished(job);
    const state = finished ? `${job.status}${job.params.dry_run ? ' (dry run)' : ''}` : undefined;
    const counts = counterEntries(job)
      .map(([key, value]) => `${key} ${n(value)}`)
      .join('  ');
    const total = job.progress.total_rows;
    // A job that does not count rows (a duplicate scan, a merge) has no bar to draw.
    if (total === undefined) return [counts, state ?? job.phase ?? job.status].filter((part) => part !== '').join('  ');

    const done = job.progress.processed_rows ?? 0;
    if (this.last && now > this.last.at) {
      // A redone chunk can move the count back; that is not negative speed.
      const instant = Math.max(0, ((done - this.last.rows) * 1000) / (now - this.last.at));
      this.rate = this.rate === 0 ? instant : this.rate * 0.7 + instant * 0.3;
    }
    this.last = { at: now, rows: done };
    const share = total > 0 ? Math.min(1, done / total) : finished ? 1 : 0;
    const width = 24;
    const filled = Math.round(share * width);
    const unit = UNITS[job.type] ?? 'rows';
    const eta = this.rate > 0 ? duration((total - done) / this.rate) : '?';
    return (
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
      `${n(done)}/${n(total)} ${unit}  ${n(Math.round(this.rate))} ${unit}/s  ` +
      `${counts ? `${counts}  ` : ''}${state ?? `${job.phase ?? job.status}, ETA ${eta}`}`
    );
  }
}

/** Writes lines in place on a terminal, or one line per `everyMs` elsewhere (logs, CI). */
export class StatusWriter {
  private lastWrite = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly everyMs = 2000,
  ) {}

  update(line: string, force = false): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
    } else if (force || Date.now() - this.lastWrite >= this.everyMs) {
      this.out.write(`${line}\n`);
      this.lastWrite = Date.now();
    }
  }

  done(line: string): void {
    this.out.write(this.out.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}
