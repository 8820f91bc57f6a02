import net from 'node:net';
import { afterAll } from 'vitest';

/**
 * A TCP proxy in front of PostgreSQL, for the processes under test: `restart()` does to them what a
 * database restart does (every connection dropped, new ones refused for `downMs`, then the same
 * address answers again), whichever PostgreSQL the tests use and without rights over it.
 */
export async function pgProxy(databaseUrl: string) {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  afterAll(stop);
  const url = new URL(databaseUrl);
  url.port = String(port);
  url.hostname = '127.0.0.1';
  let restarts = 0;
  return {
    url: url.toString(),
    get restarts() {
      return restarts;
    },
    async restart(downMs: number): Promise<void> {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await listen();
      restarts++;
    },
  };
}
