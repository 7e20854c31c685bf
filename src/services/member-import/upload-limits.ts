import type { Readable } from 'node:stream';
import type { UploadLimits } from '../../config';
import { AppError } from '../../errors';

/**
 * Upload slots of one process. Each upload holds a Postgres connection while
 * it streams, so their number is bounded; the bound per project is below the
 * total, so a project holding every upload it may open (slow or stalled
 * clients) still leaves room for the others.
 */
export class UploadSlots {
  private total = 0;
  private readonly byProject = new Map<string, number>();

  constructor(private readonly limits: Pick<UploadLimits, 'perProject' | 'total'>) {}

  /** Takes a slot for the project, or refuses with 429; the returned function gives it back. */
  acquire(projectId: string): () => void {
    const held = this.byProject.get(projectId) ?? 0;
    if (held >= this.limits.perProject) {
      throw new AppError(
        'too_many_requests',
        429,
        `This project already has ${held} uploads in progress, its limit; retry once one of them has finished.`,
      );
    }
    if (this.total >= this.limits.total) {
      throw new AppError('too_many_requests', 429, `The server is receiving ${this.total} uploads, its limit; retry shortly.`);
    }
    this.total++;
    this.byProject.set(projectId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = this.byProject.get(projectId)! - 1;
      if (left === 0) this.byProject.delete(projectId);
      else this.byProject.set(projectId, left);
    };
  }
}

/** An upload whose client sent no bytes for the idle limit. */
export class UploadIdleError extends Error {
  constructor(readonly idleMs: number) {
    super(`No data arrived for ${idleMs} ms.`);
    this.name = 'UploadIdleError';
  }
}

/**
 * Calls `onIdle` once the client has sent nothing for `idleMs`; returns the
 * function that stops watching. Time spent paused by our own backpressure
 * (Postgres slower than the client) is not the client's: while the body is
 * paused the watch restarts instead of firing. Once the body has ended the
 * client owes nothing more, however long the rest of the work takes.
 */
export function watchIdle(body: Readable, idleMs: number, onIdle: (err: UploadIdleError) => void): () => void {
  const timer = setTimeout(function check() {
    if (body.readableFlowing === false && !body.destroyed) {
      timer.refresh();
      return;
    }
    stop();
    onIdle(new UploadIdleError(idleMs));
  }, idleMs);
  const activity = () => timer.refresh();
  const stop = () => {
    clearTimeout(timer);
    body.off('data', activity);
    body.off('end', stop);
  };
  body.on('data', activity);
  body.once('end', stop);
  return stop;
}
