// Asking the operator before a deletion: on a terminal, a question they answer; anywhere else (a script, a pipe) no
// question can be answered, so the command needs --yes.
import { createInterface } from 'node:readline/promises';

/** Asks a question on the terminal and resolves with the answer; undefined when standard input or output is not one. */
export type Ask = (question: string) => Promise<string>;

export function terminalAsk(): Ask | undefined {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  return async (question) => {
    const lines = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await lines.question(question);
    } finally {
      lines.close();
    }
  };
}

/** True when the operator typed `expected` (the number, or "yes"); what they typed otherwise is not needed. */
export async function confirmed(ask: Ask | undefined, yes: boolean, question: string, expected: string): Promise<boolean | 'needs --yes'> {
  if (yes) return true;
  if (!ask) return 'needs --yes';
  return (await ask(question)).trim() === expected;
}
