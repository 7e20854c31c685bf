import { describeProgress, JobView, ProgressLine } from '../../src/cli/progress';

/** A job snapshot: `done` of `total` rows processed, all of them created. */
function snapshot(done: number, total: number, status = 'running', phase: string | null = 'processing'): JobView {
  return {
    job_id: 'job-test-00000000-0000-0000-0000-000000000000',
    type: 'migration.members',
    status,
    phase: status === 'running' || status === 'queued' ? phase : null,
    progress: { total_rows: total, processed_rows: done, created: done, updated: 0, skipped: 0, failed: 0 },
    params: { dry_run: false },
    error: null,
    finished_at: ['completed', 'failed', 'cancelled'].includes(status) ? '2026-12-02T12:00:00Z' : null,
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

describe('ProgressLine.render, beyond member imports', () => {
  const job = (overrides: Partial<JobView>): JobView => ({ ...snapshot(0, 0), ...overrides });

  it("counts a bulk invite's invitees and shows its own counters, zero ones included", () => {
    const line = new ProgressLine().render(
      job({ type: 'invites.bulk', progress: { total_rows: 300, processed_rows: 150, invited: 149, failed: 1 } }),
      0,
    );
    expect(line).toMatch(
      /^\[#{12}-{12}\] {2}50% 150\/300 invitees {2}0 invitees\/s {2}invited 149 {2}failed 1 {2}undelivered 0 {2}processing, ETA \?$/,
    );
  });

  it('shows counters its type does not list after its own, by name', () => {
    const line = new ProgressLine().render(
      job({ progress: { total_rows: 10, processed_rows: 10, created: 10, zeta: 2, alpha: 1 }, status: 'completed', finished_at: 'x' }),
      0,
    );
    expect(line).toMatch(/created 10 {2}updated 0 {2}skipped 0 {2}failed 0 {2}alpha 1 {2}zeta 2 {2}completed$/);
  });

  it('draws no bar for a job that does not count rows', () => {
    const scan = job({ type: 'members.scan-duplicates', progress: {}, status: 'running', phase: 'scanning' });
    expect(new ProgressLine().render(scan, 0)).toBe('scanning');
    expect(new ProgressLine().render({ ...scan, status: 'completed', phase: null, finished_at: 'x' }, 0)).toBe('completed');
  });

  it('marks the end of a dry run as such', () => {
    const line = new ProgressLine().render({ ...snapshot(5, 5, 'completed'), params: { dry_run: true } }, 0);
    expect(line).toMatch(/failed 0 {2}completed \(dry run\)$/);
  });

  it('never shows a negative rate when the count moves back (a slice redone after a crash)', () => {
    const progress = new ProgressLine();
    progress.render(snapshot(5_000, 10_000), 0);
    expect(rate(progress.render(snapshot(4_000, 10_000), 1_000))).toBe('0');
  });

  it('follows progress reported within a chunk as smoothly as per chunk', () => {
    const progress = new ProgressLine();
    const lines = [0, 500, 1_000, 1_500, 2_000].map((done, i) => progress.render(snapshot(done, 50_000), i * 500));
    expect(lines.map(rate)).toEqual(['0', '1,000', '1,000', '1,000', '1,000']);
    expect(bar(lines[4])).toBe('#-----------------------');
    expect(eta(lines[4])).toBe('48s');
  });
});

describe('describeProgress', () => {
  it("puts rows done first, then the type's counters in order, whatever order the API sent them in", () => {
    const job: JobView = {
      ...snapshot(3, 3, 'completed'),
      progress: { failed: 1, created: 2, skipped: 0, updated: 0, total_rows: 3, processed_rows: 3 },
    };
    expect(describeProgress(job)).toBe('3/3 rows, created 2, updated 0, skipped 0, failed 1');
  });

  it('is "-" for a job with nothing to count yet', () => {
    expect(describeProgress({ ...snapshot(0, 0), type: 'members.merge', progress: {} })).toBe('-');
  });
});
