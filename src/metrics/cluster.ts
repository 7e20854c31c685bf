import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * With WEB_CONCURRENCY > 1 the web processes are node:cluster workers, each
 * with its own registry, and a scrape reaches whichever one the primary
 * hands the connection to. So that every scrape sees the whole, the web
 * process that got it asks the primary, which gathers the metrics of every
 * web process and its own (the shared gauges, and the job workers in the
 * `all` role, live there) and merges them with prom-client's
 * AggregatorRegistry.aggregate: counters and histograms summed, gauges by
 * each metric's aggregator.
 */
const READY = 'roster:metrics:ready'; // web process → primary: it answers GATHER
const SCRAPE = 'roster:metrics:scrape'; // web process → primary: a scrape came in
const SCRAPED = 'roster:metrics:scraped'; // primary → web process: the merged text
const GATHER = 'roster:metrics:gather'; // primary → every web process: send your metrics
const GATHERED = 'roster:metrics:gathered'; // web process → primary: its metrics as JSON

/** The primary answers with what it has by then: a web process that hangs must not hang every scrape. */
const GATHER_TIMEOUT_MS = 2000;
const SCRAPE_TIMEOUT_MS = 5000;

interface Message {
  type: string;
  id: number;
  metrics?: unknown[];
  text?: string;
  error?: string;
}

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Message).type === 'string' &&
  (value as Message).type.startsWith('roster:metrics:');

export interface ClusterMetrics {
  /** The metrics of the whole cluster, as Prometheus text. */
  render(): Promise<string>;
  close(): void;
}

/** Joins this process to the cluster's scrapes, as the primary or as a web process. */
export function joinCluster(registry: Registry): ClusterMetrics {
  return cluster.isWorker ? webProcessSide(registry) : primarySide(registry);
}

function primarySide(registry: Registry): ClusterMetrics {
  const ready = new Set<Worker>();
  const gathering = new Map<number, (worker: Worker, metrics: unknown[]) => void>();
  let nextId = 0;

  const gather = async (): Promise<string> => {
    const id = nextId++;
    const workers = [...ready].filter((w) => w.isConnected());
    const theirs = new Promise<unknown[][]>((resolve) => {
      const received = new Map<Worker, unknown[]>();
      const finish = () => {
        clearTimeout(timer);
        gathering.delete(id);
        resolve([...received.values()]);
      };
      const timer = setTimeout(finish, GATHER_TIMEOUT_MS);
      gathering.set(id, (worker, metrics) => {
        received.set(worker, metrics);
        if (received.size === workers.length) finish();
      });
      if (workers.length === 0) finish();
    });
    for (const worker of workers) worker.send({ type: GATHER, id });
    const all = [await registry.getMetricsAsJSON(), ...(await theirs)];
    return AggregatorRegistry.aggregate(all).metrics();
  };

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === READY) ready.add(worker);
    else if (message.type === GATHERED) gathering.get(message.id)?.(worker, message.metrics ?? []);
    else if (message.type === SCRAPE) {
      gather().then(
        (text) => worker.isConnected() && worker.send({ type: SCRAPED, id: message.id, text }),
        (err: Error) => worker.isConnected() && worker.send({ type: SCRAPED, id: message.id, error: err.message }),
      );
    }
  };
  const onExit = (worker: Worker) => ready.delete(worker);
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  return {
    render: gather,
    close() {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
    },
  };
}

function webProcessSide(registry: Registry): ClusterMetrics {
  const scrapes = new Map<number, (message: Message) => void>();
  let nextId = 0;

  const onMessage = (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === GATHER) {
      void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: GATHERED, id: message.id, metrics }));
    } else if (message.type === SCRAPED) scrapes.get(message.id)?.(message);
  };
  process.on('message', onMessage);
  process.send?.({ type: READY, id: 0 });

  return {
    render() {
      const id = nextId++;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          scrapes.delete(id);
          reject(new Error(`the primary process did not answer the scrape within ${SCRAPE_TIMEOUT_MS} ms`));
        }, SCRAPE_TIMEOUT_MS);
        scrapes.set(id, (answer) => {
          clearTimeout(timer);
          scrapes.delete(id);
          if (answer.text !== undefined) resolve(answer.text);
          else reject(new Error(`the primary process could not gather the metrics: ${answer.error}`));
        });
        process.send?.({ type: SCRAPE, id });
      });
    },
    close() {
      process.off('message', onMessage);
    },
  };
}
