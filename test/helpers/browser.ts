// A real browser for the console's tests: Debian's chromium driven by playwright-core. Without chromium on the
// machine the browser tests are skipped with a one-line notice, as the PostgreSQL ones are without PostgreSQL.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { hashPassword } from '../../src/console/password.js';
import type { Storage } from '../../src/store/storage.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`console browser tests skipped: no chromium at ${CHROMIUM} (apt-get install chromium)`);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Serves an app on a real port of the loopback interface; its base URL. */
export async function listen(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => {
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

/** An operator account, created through the store's API as `npm run operators -- add` does. */
export async function addOperator(storage: Storage, name: string, password: string): Promise<void> {
  await storage.accounts.add({ name, passwordHash: await hashPassword(password), at: Date.now() });
}
