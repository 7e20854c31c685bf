import { JobView, ProgressLine } from '../../src/cli/progress';

/** A job snapshot: `done` of `total` rows processed, all of them created. */
function snapshot(done: number, total: number, status = 'running', phase: string | null = 'processing'): JobView {
  return {
    job_id: 'job-test-00000000-0000-0000-0000-000000000000',
    status,
    phase: status === 'running' || status === 'queued' ? phase : null,
    progress: { total_rows: total, processed_rows: done, created: done, updated: 0, skipped: 0, failed: 0 },
    error: null,
  };
}

const bar = (line: string) => /^\[([#-]{24})\]/.exec(line)![1];
const rate = (line: string) => /([\d,]+) rows\/s/.exec(line)![1];
const eta = (line: string) => /ETA (\S+)$/.exec(line)?.[1];

describe('ProgressLine.render', () => {
  it('draws a 24-wide bar filled in proportion, with the percentage', () => {
    const line = new ProgressLine().render(snapshot(250, 1000), 0);
    expect(bar(line)).toBe('######------------------');
    expect(line).toContain(' 25% ');
  });

  it('shows rows done of total and every count, with thousands separators', () => {
    const job: JobView = {
      ...snapshot(12_345, 1_000_000),
      progress: { total_rows: 1_000_000, processed_rows: 12_345, created: 10_000, updated: 1_234, skipped: 1_000, failed: 111 },
    };
    const line = new ProgressLine().render(job, 0);
    expect(line).toContain('12,345/1,000,000 rows');
    expect(line).toContain('created 10,000  updated 1,234  skipped 1,000  failed 111');
  });

  it('has no rate and an unknown ETA on the first snapshot', () => {
    const line = new ProgressLine().render(snapshot(100, 1000), 0);
    expect(rate(line)).toBe('0');
    expect(eta(line)).toBe('?');
    expect(line).toMatch(/processing, ETA \?$/);
  });

  it('measures the rate between snapshots and derives the ETA from it', () => {
    const progress = new ProgressLine();
    progress.render(snapshot(0, 10_000), 0);
    const line = progress.render(snapshot(2_000, 10_000), 2_000);
    expect(rate(line)).toBe('1,000');
    expect(eta(line)).toBe('8s');
  });

  it('smooths the rate over later snapshots (70% previous, 30% latest)', () => {
    const progress = new ProgressLine();
    progress.render(snapshot(0, 100_000), 0);
    progress.render(snapshot(1_000, 100_000), 1_000); // 1,000 rows/s
    const line = progress.render(snapshot(4_000, 100_000), 2_000); // 3,000 rows/s now: 0.7 × 1,000 + 0.3 × 3,000
    expect(rate(line)).toBe('1,600');
    expect(eta(line)).toBe('1m00s');
  });

  it('keeps the previous rate when a snapshot comes at the same instant', () => {
    const progress = new ProgressLine();
    progress.render(snapshot(0, 10_000), 0);
    progress.render(snapshot(500, 10_000), 1_000);
    const line = progress.render(snapshot(600, 10_000), 1_000);
    expect(rate(line)).toBe('500');
  });

  it('shows the phase of a job not yet processing', () => {
    expect(new ProgressLine().render(snapshot(0, 0, 'queued', 'queued'), 0)).toMatch(/ 0% 0\/0 rows .* queued, ETA \?$/);
  });

  it.each(['completed', 'failed', 'cancelled'])('ends with the status, not an ETA, once the job is %s', (status) => {
    const line = new ProgressLine().render(snapshot(400, 1000, status), 0);
    expect(line).toMatch(new RegExp(`failed 0  ${status}$`));
    expect(line).not.toContain('ETA');
  });

  it('draws a full bar for a finished job with no rows', () => {
    const line = new ProgressLine().render(snapshot(0, 0, 'completed'), 0);
    expect(bar(line)).toBe('#'.repeat(24));
    expect(line).toContain('100% 0/0 rows');
  });
});
