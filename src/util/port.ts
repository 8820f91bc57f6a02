import net from 'node:net';

/** Whether `host:port` can be listened on now (port 0 always can: the system picks one). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(false) : reject(err)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
