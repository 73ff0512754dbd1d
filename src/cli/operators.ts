// npm run operators -- add NAME | list | remove NAME | password NAME: the accounts that sign in to the console.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { nameProblem, TERMINAL } from '../console/operator-name.js';
import { hashPassword, passwordProblem } from '../console/password.js';
import { DatabaseOpenError } from '../store/db.js';
import type { Storage } from '../store/storage.js';
import { exitQuietlyWhenStdoutCloses, UsageError } from './args.js';
import { openToolStorage } from './tool-storage.js';
import { formatTime, table } from './format.js';
import { readNewPassword, stdinPasswords, type PasswordSource } from './password-input.js';
import { cell, visible } from './terminal-text.js';

export const OPERATOR_TOOL_SETTINGS = ['DATABASE_PATH', 'DATABASE_URL', 'PUBLIC_URL'] as const;

export interface OperatorsIo {
  out: (text: string) => void;
  err: (text: string) => void;
  settings: Pick<Config, 'DATABASE_PATH'> & Partial<Pick<Config, 'DATABASE_URL' | 'PUBLIC_URL'>>;
  passwords: PasswordSource;
  now: number;
}

const usage = `Manage the accounts that sign in to the console (/console).

Usage: npm run operators -- <command> [--db FILE|postgres://…]

  add <name>        creates an operator; the password is typed twice (nothing is shown), or read from the
                    first line of standard input, and a second line, if given, must be the same
  list              every operator, when they last used the console, and how many sessions they have open
  remove <name>     removes an operator and ends their sessions at once
  password <name>   sets a new password (read as for add) and ends their sessions

Names: up to 64 characters, no control or invisible characters, single spaces only.
Passwords: at least 10 characters.`;

const shown = (name: string) => `"${cell(name, 64)}"`;

export async function runOperators(argv: string[], io: OperatorsIo): Promise<number> {
  let opened: Promise<Storage> | undefined;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    const [command, name, ...extra] = positionals;
    if (values.help || command === 'help') {
      io.out(usage);
      return 0;
    }
    if (!command) {
      io.err(usage);
      return 1;
    }
    if (!['add', 'list', 'remove', 'password'].includes(command)) throw new UsageError(`unknown command "${cell(command, 40)}"`);
    if (command === 'list' ? name !== undefined : name === undefined || extra.length > 0) {
      throw new UsageError(command === 'list' ? 'list takes no name' : `${command} takes one name (quote a name with spaces: ${command} "Dewi S")`);
    }
    const where = values.db ?? io.settings.DATABASE_URL ?? io.settings.DATABASE_PATH;
    const storage = () => (opened ??= openToolStorage(where, { writes: command !== 'list', mayCreate: true }));

    if (command === 'list') {
      const operators = await (await storage()).accounts.list();
      if (operators.length === 0) {
        io.out('No operators yet: npm run operators -- add NAME');
        return 0;
      }
      io.out(table(['NAME', 'ADDED', 'LAST SEEN', 'SESSIONS'], operators.map((o) => [cell(o.name, 64), formatTime(o.createdAt), formatTime(o.lastSeenAt), String(o.sessions)])));
      return 0;
    }
    const problem = nameProblem(name!);
    if (problem && command === 'add') throw new UsageError(`${problem}: ${shown(name!)}`, false);
    if (command === 'remove') {
      const { accounts } = await storage();
      if (!(await accounts.remove(name!))) throw new UsageError(`no operator ${shown(name!)}; "npm run operators -- list" shows them`, false);
      await accounts.audit({ at: io.now, operator: TERMINAL, action: 'remove operator', contactId: null, detail: name! });
      io.out(`Removed operator ${shown(name!)}; their sessions have ended.`);
      return 0;
    }
    // add and password: the name is checked before the password is asked for.
    const { accounts } = await storage();
    if (command === 'password' && !(await accounts.byName(name!))) throw new UsageError(`no operator ${shown(name!)}; "npm run operators -- list" shows them`, false);
    if (command === 'add' && (await accounts.byName(name!))) throw new UsageError(`an operator ${shown(name!)} exists already; to change the password: npm run operators -- password ${shown(name!)}`, false);
    // Names that differ only in capitals would read as one person in the transcripts and the audit.
    const lookAlike = command === 'add' ? (await accounts.list()).find((operator) => operator.name.toLowerCase() === name!.toLowerCase()) : undefined;
    if (lookAlike) throw new UsageError(`an operator ${shown(lookAlike.name)} exists already; names that differ only in capitals are refused`, false);
    const password = await readNewPassword(io.passwords);
    const weak = passwordProblem(password);
    if (weak) throw new UsageError(`${weak}; nothing was changed`, false);
    const hash = await hashPassword(password);
    if (command === 'add') {
      if (!(await accounts.add({ name: name!, passwordHash: hash, at: io.now }))) throw new UsageError(`an operator ${shown(name!)} exists already`, false);
      await accounts.audit({ at: io.now, operator: TERMINAL, action: 'add operator', contactId: null, detail: name! });
      const where = io.settings.PUBLIC_URL ? `${io.settings.PUBLIC_URL.replace(/\/+$/, '')}/console/login` : '/console/login on the server';
      io.out(`Added operator ${shown(name!)}. They sign in at ${where}.`);
    } else {
      await accounts.setPassword(name!, hash);
      await accounts.audit({ at: io.now, operator: TERMINAL, action: 'change password', contactId: null, detail: name! });
      io.out(`Changed the password of ${shown(name!)}; their sessions have ended (they sign in again).`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`Error: ${visible(error.message)}${error.pointToHelp ? '\nSee: npm run operators -- --help' : ''}`);
      return 1;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`Error: ${visible(error.message)}\nSee: npm run operators -- --help`);
      return 1;
    }
    if (error instanceof DatabaseOpenError) {
      io.err(`Error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await opened?.then((s) => s.close()).catch(() => {});
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  exitQuietlyWhenStdoutCloses();
  try {
    const { config, warnings } = loadConfig({ only: OPERATOR_TOOL_SETTINGS });
    for (const warning of warnings) console.error(`Warning: ${warning}`);
    process.exitCode = await runOperators(process.argv.slice(2), {
      out: (text) => console.log(text),
      err: (text) => console.error(text),
      settings: config,
      passwords: stdinPasswords(process.stdin, process.stderr),
      now: Date.now(),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Error: ${error.message}`);
    process.exitCode = 1;
  }
}
