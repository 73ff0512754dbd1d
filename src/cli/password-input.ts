// How the operators tool reads a password: typed twice on a terminal with nothing shown, or, so that it can be
// scripted, the first line of standard input (and a second line, if given, must be the same).
import { UsageError } from './args.js';

export interface PasswordSource {
  /** True when a person types at a terminal. */
  isTTY: boolean;
  /** Everything standard input holds (when it is not a terminal). */
  readAll(): Promise<string>;
  /** Reads one line at a terminal without echoing it. */
  readHidden(prompt: string): Promise<string>;
}

export async function readNewPassword(source: PasswordSource): Promise<string> {
  if (source.isTTY) {
    const first = await source.readHidden('Password: ');
    const second = await source.readHidden('Password again: ');
    if (first !== second) throw new UsageError('the two passwords differ; nothing was changed', false);
    return first;
  }
  const text = (await source.readAll()).replace(/\r?\n$/, '');
  const [first = '', second] = text.split(/\r?\n/);
  if (text === '') throw new UsageError('no password: type it at a terminal, or give it as the first line of standard input', false);
  if (second !== undefined && second !== first) throw new UsageError("the second line of standard input is not the same password as the first; nothing was changed", false);
  return first;
}

/** Standard input as a PasswordSource. */
export function stdinPasswords(stdin: NodeJS.ReadStream, prompts: NodeJS.WriteStream): PasswordSource {
  return {
    isTTY: Boolean(stdin.isTTY),
    async readAll() {
      const chunks: Buffer[] = [];
      for await (const chunk of stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    readHidden(prompt) {
      prompts.write(prompt);
      return new Promise((resolve, reject) => {
        let typed = '';
        stdin.setRawMode(true);
        stdin.setEncoding('utf8');
        stdin.resume();
        const done = (finish: () => void) => {
          stdin.off('data', onData);
          stdin.setRawMode(false);
          stdin.pause();
          prompts.write('\n');
          finish();
        };
        const onData = (data: string) => {
          for (const char of data) {
            if (char === '\r' || char === '\n') return done(() => resolve(typed));
            if (char === '\u0003' || char === '\u0004') return done(() => reject(new UsageError('cancelled; nothing was changed', false)));
            if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
            else if (char >= ' ') typed += char;
          }
        };
        stdin.on('data', onData);
      });
    },
  };
}
