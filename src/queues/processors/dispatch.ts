import { Job, Processor, UnrecoverableError } from 'bullmq';
import { JobPayloads, QueueName, QUEUES } from '../registry';

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

/** Whether this run is the job's last attempt: the place to record a permanent failure. */
export function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
