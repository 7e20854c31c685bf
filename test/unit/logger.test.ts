import { PassThrough } from 'node:stream';
import { loadConfig, logFormatSetting } from '../../src/config';
import { createLogger, resolveLogFormat } from '../../src/logger';

/** What a logger of `format` writes for one line, with a secret that must not show. */
async function oneLine(format: 'pretty' | 'json'): Promise<string> {
  const out = new PassThrough();
  let written = '';
  out.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  createLogger(format, out)
    .child({ request_id: 'request-id-1' })
    .info({ project: { secret: 'hunter2' }, status_code: 200 }, 'request');
  await new Promise((resolve) => setImmediate(resolve));
  return written;
}

describe('the log format', () => {
  it.each([
    ['auto', true, 'pretty'],
    ['auto', false, 'json'],
    ['pretty', false, 'pretty'],
    ['pretty', true, 'pretty'],
    ['json', true, 'json'],
    ['json', false, 'json'],
  ] as const)('LOG_FORMAT=%s (stdout a terminal: %s) writes %s', (setting, tty, expected) => {
    expect(resolveLogFormat(setting, tty)).toBe(expected);
  });

  it('reads LOG_FORMAT in any case, and takes an unset or unknown value as auto (loadConfig refuses the unknown one)', () => {
    expect(logFormatSetting({ LOG_FORMAT: 'Pretty' })).toBe('pretty');
    expect(logFormatSetting({ LOG_FORMAT: ' json ' })).toBe('json');
    expect(logFormatSetting({})).toBe('auto');
    expect(logFormatSetting({ LOG_FORMAT: 'yaml' })).toBe('auto');
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT must be one of auto, pretty, json \(got "yaml"\)/);
    expect(() => loadConfig({ LOG_FORMAT: 'PRETTY' })).not.toThrow();
  });

  it('writes one JSON object per line in json', async () => {
    const line = await oneLine('json');
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(line)).toEqual(
      expect.objectContaining({
        level: 30,
        msg: 'request',
        request_id: 'request-id-1',
        status_code: 200,
        project: { secret: '[redacted]' },
      }),
    );
  });

  it('writes a readable line, fields below it, in pretty, with secrets redacted alike', async () => {
    const text = await oneLine('pretty');
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request\n/);
    expect(text).toContain('request_id: "request-id-1"');
    expect(text).toContain('status_code: 200');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('hunter2');
    // Colour codes are for terminals only: this destination is not one.
    expect(text).not.toContain('\u001b[');
  });
});
