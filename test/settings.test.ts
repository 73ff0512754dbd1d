import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTING_NAMES } from '../src/config.js';
import { parseEnvFile } from '../src/env-file.js';
import { tempDir } from './helpers/app.js';

function envFile(text: string): string {
  const path = join(tempDir('env-'), '.env');
  writeFileSync(path, text);
  return path;
}

const load = (env: Record<string, string>, file: string | null = null) => loadConfig({ env, envFile: file });

describe('settings', () => {
  it('have the documented defaults; empty strings count as unset', () => {
    const { config, warnings } = load({ PORT: '', OPENAI_MODEL: '', OPENAI_API_KEY: ' ' });
    expect(config.OPENAI_API_KEY).toBeUndefined();
    expect(config.WEBHOOK_SECRET).toBeUndefined();
    expect(config.DEFAULT_COUNTRY_CODE).toBeUndefined();
    expect(config).toMatchObject({ PORT: 3000, HOST: '0.0.0.0', DATABASE_PATH: 'data/bot.db', PROMPTS_DIR: 'prompts', REPLY_DEADLINE_MS: 4500, HISTORY_LIMIT: 20 });
    expect(warnings).toEqual([]);
  });

  it('a bad value stops startup with a message naming each variable and where its value came from', () => {
    const file = envFile('PORT=eighty\n');
    const attempt = () => load({ REPLY_DEADLINE_MS: '-5', OPENAI_BASE_URL: 'not a url' }, file);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`PORT (from ${file} line 1)`);
    expect(attempt).toThrow('REPLY_DEADLINE_MS (from the environment)');
    expect(attempt).toThrow('OPENAI_BASE_URL (from the environment)');
  });

  it('numbers are digits: hex, exponents and fractions are refused', () => {
    for (const value of ['0x10', '1e3', '80.5', '3000abc']) expect(() => load({ PORT: value })).toThrow(/PORT \(from the environment\): must be a whole number/);
    expect(() => load({ HANDOFF_HOURS: '0x18' })).toThrow(/HANDOFF_HOURS/);
    expect(load({ HANDOFF_HOURS: '0.5' }).config.HANDOFF_HOURS).toBe(0.5);
  });

  it('a deadline Whatspie would not wait for is refused, and one with almost no margin is warned about', () => {
    expect(() => load({ REPLY_DEADLINE_MS: '9000' })).toThrow(/REPLY_DEADLINE_MS \(from the environment\): must be at most 5000/);
    const { warnings } = load({ REPLY_DEADLINE_MS: '4900' });
    expect(warnings.join('\n')).toMatch(/REPLY_DEADLINE_MS=4900 .*less than 300 ms/);
  });

  it('a URL setting with a note after it, or not http(s), is refused, naming the setting and its source', () => {
    const file = envFile("OPENAI_BASE_URL=https://llm.example.com/v1   (the SDK's default)\n");
    expect(() => load({}, file)).toThrow(`OPENAI_BASE_URL (from ${file} line 1): must be one URL without spaces`);
    expect(() => load({ WHATSPIE_API_URL: 'https://api.whatspie.com (default)' })).toThrow('WHATSPIE_API_URL (from the environment): must be one URL without spaces');
    expect(() => load({ TRANSCRIPTION_BASE_URL: 'ftp://files.example.com/v1' })).toThrow('TRANSCRIPTION_BASE_URL (from the environment): must be an http:// or https:// URL');
    expect(load({}, envFile('PUBLIC_URL=https://bot.example.com   # our address\n')).config.PUBLIC_URL).toBe('https://bot.example.com');
  });

  it('a key or token with a space in it is refused (a note, or "Bearer " pasted with it)', () => {
    expect(() => load({ WHATSPIE_API_TOKEN: 'Bearer abc123def456', WHATSPIE_DEVICE: '6281234567890' })).toThrow('WHATSPIE_API_TOKEN (from the environment): must be the key alone');
    expect(() => load({}, envFile('OPENAI_API_KEY=sk-abc123 (the new one)\n'))).toThrow(/OPENAI_API_KEY \(from .* line 1\): must be the key alone/);
    expect(load({ OPENAI_API_KEY: ' sk-abc123 ' }).config.OPENAI_API_KEY).toBe('sk-abc123');
  });

  it('a short WEBHOOK_SECRET is refused', () => {
    expect(() => load({ WEBHOOK_SECRET: 'abc' })).toThrow(/WEBHOOK_SECRET/);
  });

  it('DEFAULT_COUNTRY_CODE takes a calling code, with or without +', () => {
    expect(load({ DEFAULT_COUNTRY_CODE: '+62' }).config.DEFAULT_COUNTRY_CODE).toBe('62');
    expect(() => load({ DEFAULT_COUNTRY_CODE: 'ID' })).toThrow(/DEFAULT_COUNTRY_CODE/);
  });
});

describe("Whatspie's send API", () => {
  it('is off by default; a token without the device is refused, naming both', () => {
    expect(load({}).config).toMatchObject({ WHATSPIE_API_URL: 'https://api.whatspie.com', LATE_ANSWER_SECONDS: 60 });
    expect(() => load({ WHATSPIE_API_TOKEN: 'tok' })).toThrow(/WHATSPIE_DEVICE \(not set\): required with WHATSPIE_API_TOKEN \(from the environment\)/);
  });

  it('reads the device number as people type it, and refuses what is not one', () => {
    expect(load({ WHATSPIE_API_TOKEN: 'tok', WHATSPIE_DEVICE: '+62 811-0000-0000' }).config.WHATSPIE_DEVICE).toBe('6281100000000');
    expect(() => load({ WHATSPIE_API_TOKEN: 'tok', WHATSPIE_DEVICE: 'my phone' })).toThrow(/WHATSPIE_DEVICE/);
  });

  it('a device without a token is a warning: nothing can be sent without the token', () => {
    expect(load({ WHATSPIE_DEVICE: '6281100000000' }).warnings.join('\n')).toContain('WHATSPIE_API_TOKEN is not');
  });
});

describe('the .env file', () => {
  it('reads comments, export, quotes and inline comments as dotenv files write them', () => {
    const file = envFile(['# a comment', '', 'export PORT=3100', 'OPENAI_MODEL="my model # not a comment"', "HOST='127.0.0.1'", 'LOG_LEVEL=warn   # quieter'].join('\n'));
    const { config } = load({}, file);
    expect(config).toMatchObject({ PORT: 3100, OPENAI_MODEL: 'my model # not a comment', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  });

  it('a line that is not a setting is refused with its line number', () => {
    const file = envFile('PORT=3100\nthis is not a setting\n');
    expect(() => load({}, file)).toThrow(`${file} line 2 is not a setting (expected NAME=value; the line is not shown, in case it holds a secret)`);
  });

  it('a quote that never closes is refused instead of dropping or corrupting the value', () => {
    const file = envFile('OPENAI_API_KEY="sk-abc\nPORT=3100\n');
    expect(() => load({}, file)).toThrow(`${file} line 1 (OPENAI_API_KEY): the value opens a " quote that is never closed`);
  });

  it('the real environment wins over .env, and the operator is told', () => {
    const file = envFile('PORT=3100\n');
    const { config, warnings } = load({ PORT: '3200' }, file);
    expect(config.PORT).toBe(3200);
    expect(warnings).toContain(`PORT is set in the environment and in ${file}: the environment's value wins`);
  });

  it('a misspelt or repeated setting is warned about', () => {
    const file = envFile('OPENAI_MODLE=gpt-4.1\nPORT=1\nPORT=2\n');
    const { config, warnings } = load({}, file);
    expect(config.PORT).toBe(2);
    expect(warnings.join('\n')).toContain('OPENAI_MODLE');
    expect(warnings.join('\n')).toContain('PORT is set twice');
  });

  it('a tool that needs only some settings is not stopped by a bad one it does not use', () => {
    const file = envFile('OPENAI_BASE_URL=not-a-url\nDATABASE_PATH=elsewhere.db\n');
    expect(() => load({}, file)).toThrow(/OPENAI_BASE_URL/);
    expect(loadConfig({ env: {}, envFile: file, only: ['DATABASE_PATH'] }).config).toEqual({ DATABASE_PATH: 'elsewhere.db' });
  });
});

describe('a broken .env line that may hold a secret', () => {
  const KEY = 'sk-proj-Qw3rTy7UiOp9AsDfGhJkL2zXcVbNm4';
  /** The error (or the warnings) of loading a .env file, as the server prints them. */
  const problemWith = (text: string) => {
    const file = envFile(text);
    try {
      return { file, said: load({}, file).warnings.join('\n') };
    } catch (error) {
      return { file, said: (error as Error).message };
    }
  };
  /** Every run of 4 characters of the secret: none may be printed. */
  const piecesOf = (secret: string) => Array.from({ length: secret.length - 3 }, (_, i) => secret.slice(i, i + 4)).filter((piece) => !/^[A-Z_]+$/.test(piece));

  it('"NAME: value" is named with its line and the colon, and no part of the value is printed', () => {
    const { file, said } = problemWith(`PORT=3100\nOPENAI_API_KEY: ${KEY}\n`);
    expect(said).toBe(`${file} line 2: OPENAI_API_KEY is followed by ":" where "=" belongs (write OPENAI_API_KEY=value; the value is not shown)`);
    for (const piece of piecesOf(KEY)) expect(said).not.toContain(piece);
  });

  it('a setting without "=" is named, its value is not printed', () => {
    const { file, said } = problemWith(`WHATSPIE_API_TOKEN ${KEY}\n`);
    expect(said).toBe(`${file} line 1: WHATSPIE_API_TOKEN is not followed by "=" (write WHATSPIE_API_TOKEN=value; the value is not shown)`);
    expect(problemWith('OPENAI_API_KEY\n').said).toContain('OPENAI_API_KEY has no "=" and no value');
  });

  it('a key pasted on a line of its own is refused with the line number, and nothing of it is printed', () => {
    for (const pasted of [KEY, 'EAAGm0PX4ZCpsBAxyz123', 'gsk_9x8c7v6b5n4m3', 'dGhpc2lzYXNlY3JldGtleQ==', `${KEY}==`]) {
      const { file, said } = problemWith(`PORT=3100\n\n${pasted}\n`);
      expect(said, pasted).toContain(`${file} line 3`);
      for (const piece of piecesOf(pasted.replace(/=+$/, ''))) expect(said, pasted).not.toContain(piece);
    }
  });

  it('text after a closed quote is refused without printing the value', () => {
    const { file, said } = problemWith(`OPENAI_API_KEY="${KEY}" ${KEY}\n`);
    expect(said).toBe(`${file} line 1 (OPENAI_API_KEY): text after the closing quote (a comment there starts with " #"; the value is not shown)`);
  });

  it('a name that is not a setting is named in the warning only when it is written like one', () => {
    expect(problemWith('OPENAI_MODLE=gpt-4.1\n').said).toContain('OPENAI_MODLE (');
    const { said } = problemWith(`${KEY.replaceAll('-', '_')}=x\n`);
    expect(said).toContain('is not a setting of this program');
    for (const piece of piecesOf(KEY.replaceAll('-', '_'))) expect(said).not.toContain(piece);
  });
});

describe('the documentation of the settings', () => {
  const read = (name: string) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

  it('every commented setting in .env.example, uncommented as it stands, works or is refused naming it', () => {
    const lines = read('.env.example').split('\n');
    const commented = lines.map((line, i) => ({ line: i + 1, match: /^# ?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line) })).filter((l) => l.match);
    expect(commented.length).toBeGreaterThan(5);
    for (const { line, match } of commented) {
      const [, name, written] = match!;
      const where = `.env.example line ${line}: ${name}`;
      const file = envFile(`${name}=${written}\n`);
      let config: Record<string, unknown>;
      try {
        config = load({}, file).config;
      } catch (error) {
        expect(error, where).toBeInstanceOf(ConfigError);
        expect((error as Error).message, where).toContain(`${name} (from ${file} line 1)`);
        continue;
      }
      // A TOOL_ variable is no setting: prompts/tools/ files read it (config.toolVariables).
      const value = name!.startsWith('TOOL_') ? (config.toolVariables as Record<string, string>)[name!] : config[name!];
      // Nothing of the line is lost or taken into the value: what was written after "=" is the setting's value (a JSON
      // setting's, as it reads back).
      if (written === '') expect(value, where).toBeUndefined();
      else expect(typeof value === 'object' ? JSON.stringify(value) : String(value), where).toBe(written);
      expect(String(value ?? ''), `${where} is a placeholder`).not.toMatch(/\.\.\.|…/);
      if (name!.endsWith('_URL') && value !== undefined) {
        expect(String(value), where).toMatch(/^\S+$/);
        expect(() => new URL(String(value)), where).not.toThrow();
      }
    }
  });

  it('the settings .env.example leaves uncommented are the defaults', () => {
    const example = join(tempDir('env-'), '.env');
    writeFileSync(example, read('.env.example'));
    const { config, warnings } = load({}, example);
    expect(config).toEqual(load({}).config);
    expect(warnings).toEqual([]);
  });

  it('.env.example is a valid .env file that mentions every setting, and the README documents each one', () => {
    const example = read('.env.example');
    expect(() => parseEnvFile(example, '.env.example')).not.toThrow();
    const readme = read('README.md');
    for (const name of SETTING_NAMES) {
      expect(example, `${name} in .env.example`).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
      expect(readme, `${name} in the README`).toContain(`\`${name}\``);
    }
  });
});
