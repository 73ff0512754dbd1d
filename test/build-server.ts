// vitest global setup: compiles the server to dist/ (as npm start does), so that the tests that start a server or a
// command-line tool as a process run the JavaScript users run. Incremental: about half a second when nothing changed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function build() {
  const root = fileURLToPath(new URL('../', import.meta.url));
  execFileSync(`${root}node_modules/.bin/tsc`, ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
