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
    expect(() => load({}, file)).toThrow(`${file} line 2 is not a setting (expected NAME=value)`);
  });

  it('a quote that never closes is refused instead of dropping or corrupting the value', () => {
    const file = envFile('OPENAI_API_KEY="sk-abc\nPORT=3100\n');
    expect(() => load({}, file)).toThrow(`${file} line 1: the value opens a " quote that is never closed`);
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

describe('the documentation of the settings', () => {
  const read = (name: string) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

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
