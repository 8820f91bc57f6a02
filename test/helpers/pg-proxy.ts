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
  /** Each client's connection with its upstream, for pause(). */
  const links = new Set<[net.Socket, net.Socket]>();
  let paused = false;
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
        const link: [net.Socket, net.Socket] = [client, upstream];
        links.add(link);
        client.on('close', () => links.delete(link));
        if (paused) holdLink(link);
        else client.pipe(upstream).pipe(client);
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
    /** The database gone until restore(): every connection dropped, new ones refused (a restart of no set length). */
    cut: (): Promise<void> => stop(),
    restore: (): Promise<void> => listen(),
    /**
     * A network partition: nothing passes either way, connections (new ones too) stay open and their
     * statements wait, unanswered, until resume() lets them through as if nothing had happened.
     */
    pause(): void {
      paused = true;
      for (const link of links) holdLink(link);
    },
    resume(): void {
      paused = false;
      for (const [client, upstream] of links) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
    },
    async restart(downMs: number): Promise<void> {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await listen();
      restarts++;
    },
  };
}

/** Stops a link's traffic both ways; what arrives meanwhile is buffered for when it is piped again. */
function holdLink([client, upstream]: [net.Socket, net.Socket]): void {
  client.unpipe(upstream);
  upstream.unpipe(client);
  client.pause();
  upstream.pause();
}
