import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { eventually } from './eventually';

export interface CapturedEmail {
  to: string[];
  raw: string;
  /** The magic link in the email, with its token. */
  link: string;
  token: string;
  /** The one-time passcode of a code email (a line of six digits alone), or ''. */
  code: string;
}

/**
 * A real SMTP server on an ephemeral port that keeps every message it
 * accepts. `reject` makes it answer a code (e.g. 451 or 550) to the next messages.
 */
export class TestSmtpServer {
  readonly messages: CapturedEmail[] = [];
  private server: SMTPServer;
  private rejections: number[] = [];
  url = '';

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData: (stream, session, callback) => {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        stream.on('end', () => {
          const code = this.rejections.shift();
          if (code !== undefined) {
            callback(Object.assign(new Error(`rejected with ${code}`), { responseCode: code }));
            return;
          }
          const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
          const link = /https?:\/\/[^\s"<>]*token=[A-Za-z0-9_-]+/.exec(unfolded)?.[0] ?? '';
          this.messages.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            link,
            token: new URL(link || 'http://x').searchParams.get('token') ?? '',
            code: /^(\d{6})\r?$/m.exec(unfolded)?.[1] ?? '',
          });
          callback();
        });
      },
      logger: false,
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
    return this.url;
  }

  rejectNext(...codes: number[]): void {
    this.rejections.push(...codes);
  }

  /** The `count`-th message to `address` (1-based, case-insensitive), polling until the deadline. */
  async nthMessageTo(address: string, count: number, deadlineMs = 10_000): Promise<CapturedEmail> {
    return eventually(
      () => {
        const received = this.messages.filter((m) => m.to.some((rcpt) => rcpt.toLowerCase() === address.toLowerCase()));
        if (received.length < count) throw new Error(`got ${received.length}`);
        return received[count - 1];
      },
      { what: `${count} emails to ${address}`, timeoutMs: deadlineMs },
    );
  }

  /** The next message to `address`, waiting for it until the deadline. */
  async messageTo(address: string, deadlineMs = 10_000): Promise<CapturedEmail> {
    return eventually(() => this.messages.find((m) => m.to.includes(address.toLowerCase()) || m.to.includes(address)), {
      what: `an email to ${address}`,
      timeoutMs: deadlineMs,
      intervalMs: 25,
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
