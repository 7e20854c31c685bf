import { PassThrough } from 'node:stream';
import pino from 'pino';
import { logger } from '../../src/logger';
import { useTestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { createOrganization } from '../helpers/factories';

/**
 * The JSON lines the process-wide logger writes while `work` runs. Its
 * destination is swapped for the time (request loggers are children made
 * per request, so they write there too): lines are read as written, before
 * any pretty-printing, so that a key written twice shows.
 */
async function logLines(work: () => Promise<void>, until: (lines: string[]) => boolean): Promise<string[]> {
  const target = logger as unknown as Record<symbol, unknown>;
  const destination = target[pino.symbols.streamSym];
  const level = logger.level;
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  target[pino.symbols.streamSym] = out;
  logger.level = 'info';
  try {
    await work();
    await eventually(() => until(lines), { what: 'the log lines' });
    return lines;
  } finally {
    target[pino.symbols.streamSym] = destination;
    logger.level = level;
  }
}

const requestLine = (lines: string[], path: string) => lines.find((l) => l.includes('"msg":"request"') && l.includes(`"path":"${path}"`));
const occurrences = (line: string, key: string) => line.split(`"${key}":`).length - 1;

describe('the request log line', () => {
  const ctx = useTestApp();

  it('names the project once, with the request id, once the request is authenticated', async () => {
    const lines = await logLines(
      async () => void (await createOrganization(ctx.client)),
      (seen) => requestLine(seen, '/v1/b2b/organizations') !== undefined,
    );
    const line = requestLine(lines, '/v1/b2b/organizations')!;
    expect(occurrences(line, 'project_id')).toBe(1);
    expect(occurrences(line, 'request_id')).toBe(1);
    expect(JSON.parse(line)).toEqual(
      expect.objectContaining({
        method: 'POST',
        status_code: 200,
        project_id: ctx.app.project.projectId,
        request_id: expect.stringMatching(/^request-id-test-/),
        duration_ms: expect.any(Number),
      }),
    );
  });

  it('names no project for a request that is not authenticated', async () => {
    const lines = await logLines(
      async () => void (await ctx.app.http('GET', '/v1/b2b/organizations/x', { auth: null })),
      (seen) => requestLine(seen, '/v1/b2b/organizations/x') !== undefined,
    );
    const line = requestLine(lines, '/v1/b2b/organizations/x')!;
    expect(occurrences(line, 'project_id')).toBe(0);
    expect(JSON.parse(line)).toEqual(expect.objectContaining({ status_code: 401, request_id: expect.stringMatching(/^request-id-/) }));
  });
});
