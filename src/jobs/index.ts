/**
 * Job contracts: what work exists and what it carries, with no queue engine
 * behind it. Services enqueue through `JobProducer`; src/queues adapts it to
 * BullMQ.
 */
export * from './job-producer';
export * from './job-types';
export * from './queued-work';
