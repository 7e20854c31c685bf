import { FINISHED } from '../models/job.model';

/** A job as the API shows it, as far as the CLI cares. */
export interface JobView {
  job_id: string;
  status: string;
  phase: string | null;
  progress: Record<string, number>;
  error: { error_type: string; error_message: string } | null;
}

export const isFinished = (job: JobView) => (FINISHED as readonly string[]).includes(job.status);

const n = (value: number | undefined) => (value ?? 0).toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * One status line for a running job: a bar, rows done, rate, counts, ETA.
 * The rate is measured between successive snapshots.
 */
export class ProgressLine {
  private last: { at: number; rows: number } | undefined;
  private rate = 0;

  render(job: JobView, now = Date.now()): string {
    const p = job.progress;
    const total = p.total_rows ?? 0;
    const done = p.processed_rows ?? 0;
    if (this.last && now > this.last.at) {
      const instant = ((done - this.last.rows) * 1000) / (now - this.last.at);
      this.rate = this.rate === 0 ? instant : this.rate * 0.7 + instant * 0.3;
    }
    this.last = { at: now, rows: done };
    const share = total > 0 ? done / total : isFinished(job) ? 1 : 0;
    const width = 24;
    const filled = Math.round(share * width);
    const eta = this.rate > 0 ? duration((total - done) / this.rate) : '?';
    return (
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
      `${n(done)}/${n(total)} rows  ${n(Math.round(this.rate))} rows/s  ` +
      `created ${n(p.created)}  updated ${n(p.updated)}  skipped ${n(p.skipped)}  failed ${n(p.failed)}  ` +
      `${isFinished(job) ? job.status : `${job.phase ?? job.status}, ETA ${eta}`}`
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
