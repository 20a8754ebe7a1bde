/**
 * `metrics.listen`: GET /metrics without a token, on a loopback address only, for a Prometheus
 * agent on the same host. Nothing else is served there.
 */
import { createServer } from 'node:http';
import type { Metrics } from './metrics.js';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** @example const srv = await startMetricsServer(metrics, { host: '127.0.0.1', port: 9464 }); */
export function startMetricsServer(metrics: Metrics, address: { host: string; port: number }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    res.setHeader('cache-control', 'no-store');
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only GET /metrics is served here\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address();
      resolve({
        port: typeof bound === 'object' && bound ? bound.port : address.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
