/**
 * A TCP proxy on 127.0.0.1 that forwards to a server until a number of request bytes has passed,
 * then cuts every connection and refuses new ones: a network failure in the middle of an upload.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface CuttingProxy {
  url: string;
  /** True once the cut has happened. */
  readonly cut: boolean;
  close(): Promise<void>;
}

export async function cuttingProxy(target: URL, cutAfterBytes: number): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  let sent = 0;
  let cut = false;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > cutAfterBytes) {
        cut = true;
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get cut() {
      return cut;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
