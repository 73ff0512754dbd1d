// A stand-in for Whatspie's file host on loopback: an image, an Ogg voice note, a PDF, a file over the limit, one
// whose Content-Length lies, an expired link, and redirects (one to a second loopback address that the tests treat
// as the server's internal network). Also files that misbehave (one that stalls, one cut off mid-way) and files held
// until the test releases them, so that a test controls when a download ends.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFileHost {
  /** Base URL on 127.0.0.1. */
  url: string;
  /** Base URL of the same files on 127.0.0.2: "internal" in the tests. */
  internalUrl: string;
  files: Record<string, Buffer>;
  /** The most requests of /slow.jpg served at the same time. */
  readonly mostAtOnce: number;
  /** Every path requested, in order. */
  readonly requested: string[];
  /**
   * /held/<name>.<pdf|oga|jpg>: answered only when released (a PDF, a voice note or a photo by its extension).
   * `waiting` lists the held paths not yet answered; `release` answers those matching (all by default).
   */
  held: { readonly waiting: string[]; release(match?: (path: string) => boolean): void };
  close(): Promise<void>;
}

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF fake photo of a brown leather bag'), Buffer.alloc(2000, 7), Buffer.from([0xff, 0xd9])]);
const OGG = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(3000, 1)]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

export async function startFakeFileHost(options: { limitBytes: number }): Promise<FakeFileHost> {
  const files: Record<string, Buffer> = { '/large-photo.jpg': Buffer.concat([JPEG, Buffer.alloc(5 * 1024 * 1024, 5)]), '/photo.jpg': JPEG, '/voice.oga': OGG, '/price.pdf': PDF, '/big.bin': Buffer.alloc(options.limitBytes + 1024, 2) };
  let internal = '';
  let atOnce = 0;
  let mostAtOnce = 0;
  const requested: string[] = [];
  const held = new Map<string, () => void>();
  const handler: RequestListener = (req, res) => {
    const path = req.url ?? '/';
    requested.push(path);
    if (path.startsWith('/held/')) {
      const [type, body] = path.endsWith('.oga') ? ['audio/ogg', OGG] : path.endsWith('.jpg') ? ['image/jpeg', JPEG] : ['application/pdf', PDF];
      held.set(path, () => res.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body));
      res.on('close', () => held.delete(path));
      return;
    }
    if (path === '/stall') {
      // Headers and the first bytes, then nothing: only the downloader's time limit ends it.
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 64 * 1024 });
      res.write(Buffer.alloc(16 * 1024, 6));
      return;
    }
    if (path === '/stall-before-headers') return;
    if (path === '/cut') {
      // A quarter of the declared bytes, then the connection drops.
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 64 * 1024 });
      res.write(Buffer.alloc(16 * 1024, 8), () => res.destroy());
      return;
    }
    if (path === '/slow.jpg') {
      atOnce += 1;
      mostAtOnce = Math.max(mostAtOnce, atOnce);
      setTimeout(() => {
        atOnce -= 1;
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': JPEG.length }).end(JPEG);
      }, 200);
      return;
    }
    const file = files[path];
    if (file) {
      const type = path.endsWith('.jpg') ? 'image/jpeg' : path.endsWith('.oga') ? 'audio/ogg' : path.endsWith('.pdf') ? 'application/pdf' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': file.length }).end(file);
    } else if (path === '/photo-without-type') {
      res.writeHead(200).end(JPEG);
    } else if (path === '/lying') {
      // Claims 100 bytes, sends three times the limit.
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 100 });
      res.write(Buffer.alloc(options.limitBytes * 3, 3));
      res.end();
    } else if (path === '/no-length') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 4; i += 1) res.write(Buffer.alloc(options.limitBytes / 2, 4));
      res.end();
    } else if (path === '/expired') {
      res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    } else if (path === '/to-internal') {
      res.writeHead(302, { location: `${internal}/photo.jpg` }).end();
    } else if (path.startsWith('/hop/')) {
      const left = Number(path.slice(5));
      res.writeHead(302, { location: left > 0 ? `/hop/${left - 1}` : '/photo.jpg' }).end();
    } else if (path === '/to-ftp') {
      res.writeHead(301, { location: 'ftp://127.0.0.1/photo.jpg' }).end();
    } else {
      res.writeHead(404).end();
    }
  };
  const listen = async (host: string) => {
    const server: Server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return server;
  };
  const outside = await listen('127.0.0.1');
  const inside = await listen('127.0.0.2');
  internal = `http://127.0.0.2:${(inside.address() as AddressInfo).port}`;
  const close = (server: Server) =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${(outside.address() as AddressInfo).port}`,
    internalUrl: internal,
    files,
    get mostAtOnce() {
      return mostAtOnce;
    },
    requested,
    held: {
      get waiting() {
        return [...held.keys()];
      },
      release(match = () => true) {
        for (const [path, answer] of [...held]) {
          if (!match(path)) continue;
          held.delete(path);
          answer();
        }
      },
    },
    close: async () => {
      await Promise.all([close(outside), close(inside)]);
    },
  };
}
