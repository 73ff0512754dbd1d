// Starting the servers under test as separate processes on loopback, and reading their memory from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** npm start's command line, node options included: the bot is measured as it runs. */
export const START_COMMAND = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start;

export interface Running {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const spawnOptions = (env: Record<string, string>) => ({
  cwd: root,
  env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
  stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
});

/**
 * Starts `node <entry>` on a free port and waits until it listens: compiled JavaScript (dist/, built by `npm run bench`'s
 * pre-step) as npm start runs it, or TypeScript through tsx for the fakes and baselines.
 */
export async function startProcess(name: string, entry: string, env: Record<string, string>, args: string[] = []): Promise<Running> {
  // A command line ("node --flag dist/index.js", npm start's) runs in sh as npm runs it; sh hands over to node.
  const child = entry.includes(' ')
    ? spawn('sh', ['-c', `exec ${entry.replace(/^(exec )?node /, `${process.execPath} `)} ${args.join(' ')}`], spawnOptions(env))
    : spawn(process.execPath, [...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry, ...args], spawnOptions(env));
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 20_000);
    let started = false;
    const onData = (chunk: Buffer) => {
      // After startup the output is drained unread (the server's request logs), so the pipe never fills.
      if (started) return;
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output) ?? /"port":(\d+)[^\n]*"msg":"listening"/.exec(output);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 8000).unref();
      }),
  };
}

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

/** Peak resident memory of the process since it started, in MB (Linux). */
export const peakRssMb = (pid: number) => statusField(pid, 'VmHWM');
export const rssMb = (pid: number) => statusField(pid, 'VmRSS');
