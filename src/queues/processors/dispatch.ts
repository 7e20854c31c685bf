import { Job, Processor, UnrecoverableError } from 'bullmq';
import { PermanentJobFailure } from '../../errors';
import type { JobPayloads } from '../../jobs';
import { QueueName, QUEUES } from '../registry';

export type Handlers<Q extends QueueName> = {
  [N in (typeof QUEUES)[Q][number]]: (payload: JobPayloads[N], job: Job) => Promise<unknown>;
};

/** A queue's processor: routes each job to the handler for its name. */
export function dispatch<Q extends QueueName>(handlers: Handlers<Q>): Processor {
  return async (job: Job) => {
    const handler = (handlers as Record<string, ((payload: unknown, job: Job) => Promise<unknown>) | undefined>)[job.name];
    // A job no handler knows will never succeed: fail it without retries.
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    return handler(job.data, job);
  };
}

/**
 * Runs a caller-visible job's work. Errors propagate so BullMQ retries; a
 * failure that is permanent, or the last attempt's, is first recorded on
 * the job (`fail`), and a permanent one stops the retries.
 */
export async function recordingFailure<T>(job: Job, fail: (err: unknown) => Promise<void>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const permanent = err instanceof PermanentJobFailure;
    if (permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await fail(err);
    throw permanent ? new UnrecoverableError(err.message) : err;
  }
}
