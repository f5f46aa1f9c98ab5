/**
 * A local HTTP server for download tests (127.0.0.1 only, nothing ever leaves the machine). Each route
 * answers like a real file host or a failing one: complete, 404, cut mid-stream, stalled, gzip, slow.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

export const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 8)) % 251));
export const payloadSha256 = createHash('sha256').update(payload).digest('hex');

export interface TestServer {
  base: string;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const hits = new Map<string, number>();
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/w.bin': (_req, res) => {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.end(payload);
    },
    // No Content-Length (chunked): total unknown.
    '/chunked.bin': (_req, res) => {
      res.writeHead(200);
      res.write(payload.subarray(0, 100_000));
      setTimeout(() => res.end(payload.subarray(100_000)), 5);
    },
    '/gzip.bin': (_req, res) => {
      const z = gzipSync(payload);
      res.writeHead(200, { 'content-length': String(z.length), 'content-encoding': 'gzip' });
      res.end(z);
    },
    // Promises the whole payload, sends a part, then drops the connection.
    '/cut.bin': (_req, res) => {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.write(payload.subarray(0, 50_000));
      setTimeout(() => res.destroy(), 20);
    },
    '/cut-chunked.bin': (_req, res) => {
      res.writeHead(200);
      res.write(payload.subarray(0, 50_000));
      setTimeout(() => res.destroy(), 20);
    },
    // Sends a part, then nothing (until the client gives up).
    '/stall.bin': (_req, res) => {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.write(payload.subarray(0, 10_000));
      setTimeout(() => res.destroy(), 5_000).unref();
    },
    // Trickles the payload so a test can abort mid-way.
    '/slow.bin': (_req, res) => {
      res.writeHead(200, { 'content-length': String(payload.length) });
      let sent = 0;
      const tick = setInterval(() => {
        if (res.destroyed) return clearInterval(tick);
        res.write(payload.subarray(sent, sent + 10_000));
        sent += 10_000;
        if (sent >= payload.length) {
          clearInterval(tick);
          res.end();
        }
      }, 10);
    },
    '/model/model.json': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"modelTopology":{}}');
    },
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(req, res);
    else {
      res.writeHead(404, 'Not Found');
      res.end('no such file');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
