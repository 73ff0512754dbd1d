// vitest's global setup: a throwaway PostgreSQL cluster for the whole run (initdb into a temporary folder, a free
// port, fsync off), when the server programs are installed. Without them, the PostgreSQL tests are skipped with one
// line saying what to install; .ci/run installs them, so CI always runs them.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the tests' PostgreSQL server, or null when its programs are not installed. */
    postgresUrl: string | null;
  }
}

/** initdb and pg_ctl: on the PATH, or where Debian's postgresql package puts them. */
function findBin(): string | null {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return join(onPath, '..');
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : null;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** A running throwaway cluster: its superuser URL, and how to stop it and delete its folder. */
export interface PostgresCluster {
  url: string;
  stop(): void;
}

/** Starts a throwaway cluster, or returns null when PostgreSQL's server programs are not installed. */
export async function startPostgresCluster(): Promise<PostgresCluster | null> {
  const bin = findBin();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), 'bot-pg-'));
  chmodSync(dir, 0o777);
  // initdb refuses to run as root: run the cluster as the postgres user then.
  const asUser = (command: string, args: string[]) =>
    process.getuid?.() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, command), args, { stdio: 'pipe' });
  const data = join(dir, 'data');
  asUser('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  asUser('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        asUser('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export const POSTGRES_MISSING = 'its server programs (initdb, pg_ctl) are not installed. Install them with: apt-get install -y postgresql';

export default async function setup(project: TestProject) {
  const cluster = await startPostgresCluster();
  if (!cluster) console.warn(`PostgreSQL tests skipped: ${POSTGRES_MISSING}`);
  project.provide('postgresUrl', cluster?.url ?? null);
  return () => cluster?.stop();
}
