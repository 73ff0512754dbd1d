// A shop's own API on loopback, for the operators' tools (prompts/tools/): orders by number and the customer's phone,
// a shipping quote by POST, a server error, a redirect to the cloud metadata service, and answers held until the test
// releases them (a slow or hanging system, without sleeps). Every request is recorded with its headers.
// Run alone: node --import tsx test/fake-shop.ts [--port 4020]
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface ShopRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: string;
}

export interface FakeShop {
  /** http://127.0.0.1:port */
  url: string;
  requests: ShopRequest[];
  /** /api/held/…: the paths waiting for release(). */
  readonly held: string[];
  release(): void;
  close(): Promise<void>;
}

/** Two customers' orders: a customer sees an order only with their own number. */
export const ORDERS: Record<string, { phone: string; status: string; items: string[]; eta: string }> = {
  'A-1001': { phone: '6281234500001', status: 'shipped', items: ['Brown leather bag (M)'], eta: '2 December' },
  'A-2002': { phone: '6281234500002', status: 'packing', items: ['Black wallet'], eta: '4 December' },
};

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

export async function startFakeShop(options: { port?: number } = {}): Promise<FakeShop> {
  const requests: ShopRequest[] = [];
  const held = new Map<string, () => void>();
  const answer = (req: IncomingMessage, res: ServerResponse, seen: ShopRequest) => {
    const orders = /^\/api\/orders\/([^/]+)$/.exec(seen.path);
    if (seen.path === '/api/broken') return json(res, 500, { error: 'database unavailable' });
    if (seen.path === '/api/to-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (seen.path === '/api/html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Please log in</html>');
    if (seen.path === '/api/shipping' && req.method === 'POST') {
      const asked = JSON.parse(seen.body || '{}') as { city?: string };
      return json(res, 200, { city: asked.city, cost: asked.city === 'Bandung' ? 15000 : 25000, currency: 'IDR' });
    }
    if (orders) {
      const id = decodeURIComponent(orders[1]!);
      const order = ORDERS[id];
      // As careless APIs do, the error echoes what it was sent (the key included): the bot must not pass that on.
      if (!order || order.phone !== seen.query.phone) return json(res, 404, { error: `no order ${id} for this customer`, debug: `auth: ${seen.authorization ?? 'none'}` });
      return json(res, 200, { order: id, status: order.status, items: order.items, eta: order.eta });
    }
    json(res, 404, { error: 'not found' });
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://shop');
      const seen: ShopRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      if (seen.path.startsWith('/api/held/')) {
        const inner = { ...seen, path: seen.path.replace('/api/held', '/api') };
        const key = `${seen.path}#${requests.length}`;
        held.set(key, () => answer(req, res, inner));
        res.on('close', () => held.delete(key));
        return;
      }
      answer(req, res, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get held() {
      return [...held.keys()];
    },
    release() {
      for (const [key, go] of [...held]) {
        held.delete(key);
        go();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const shop = await startFakeShop({ port: Number(values.port ?? 4020) });
  console.log(`Fake shop API: ${shop.url}/api/orders/{order_id}?phone={customer.number} (orders ${Object.keys(ORDERS).join(', ')})`);
}
