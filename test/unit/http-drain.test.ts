import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { drainHttpServer } from '../../src/api/drain';

/** A server whose responses wait, by request path, until the test ends them. */
async function slowServer(): Promise<{ server: Server; port: number; held: Map<string, ServerResponse> }> {
  const held = new Map<string, ServerResponse>();
  const server = createServer((req, res) => held.set(req.url!, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, held };
}

/** A raw connection that records everything the server sends and when it closes. */
function rawClient(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk) => (data += chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, received: () => data, closed };
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`;
const until = async (check: () => boolean) => {
  for (const started = Date.now(); !check(); await new Promise((resolve) => setTimeout(resolve, 5))) {
    if (Date.now() - started > 5_000) throw new Error(`still waiting for ${check.toString()}`);
  }
};

describe('drainHttpServer', () => {
  it('lets requests in flight finish, says Connection: close to the next ones, and closes keep-alive connections once idle', async () => {
    const { server, port, held } = await slowServer();
    const idle = rawClient(port);
    const busy = rawClient(port);
    busy.socket.write(get('/first'));
    idle.socket.write(get('/quick'));
    await until(() => held.has('/first') && held.has('/quick'));
    held.get('/quick')!.end('quick');
    await until(() => idle.received().includes('quick'));

    const started = Date.now();
    let drained = false;
    const drain = drainHttpServer(server, 10_000).then(() => (drained = true));
    await idle.closed;
    expect(server.listening).toBe(false);
    // Pipelined behind the request in flight: it arrives during the drain.
    busy.socket.write(get('/second'));
    await until(() => held.has('/second'));
    held.get('/first')!.end('first');
    await until(() => busy.received().includes('first'));
    expect(drained).toBe(false);
    held.get('/second')!.end('second');
    await busy.closed;
    await drain;
    expect(Date.now() - started).toBeLessThan(2_000);

    const [first, second] = busy.received().split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nfirst$/);
    expect(second).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(second).toMatch(/\r\nConnection: close\r\n/i);
    expect(second.endsWith('second')).toBe(true);
  });

  it('closes a keep-alive connection as soon as its response in flight has been sent', async () => {
    const { server, port, held } = await slowServer();
    const client = rawClient(port);
    client.socket.write(get('/only'));
    await until(() => held.has('/only'));
    const drain = drainHttpServer(server, 10_000);
    const started = Date.now();
    held.get('/only')!.end('done');
    await client.closed;
    await drain;
    // Well before Node's 5 s keep-alive timeout.
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(client.received()).toMatch(/\r\n\r\ndone$/);
  });

  it('cuts what is still open when the grace period ends', async () => {
    const { server, port, held } = await slowServer();
    const client = rawClient(port);
    client.socket.write(get('/never'));
    await until(() => held.has('/never'));
    const started = Date.now();
    await drainHttpServer(server, 300);
    await client.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(client.received()).toBe('');
  });

  it('resolves at once for a server that never listened', async () => {
    await drainHttpServer(createServer(), 10_000);
  });
});
