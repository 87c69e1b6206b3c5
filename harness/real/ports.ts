/**
 * @module Free TCP ports on an address of this host (for the servers that the real engine starts;
 * the host probe runs it on other hosts).
 */
import net from 'node:net';

/** Free TCP ports on `host`: all bound at once (so they differ), then released for the servers. */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
