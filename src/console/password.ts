// Operators' passwords: scrypt (node:crypto), memory-hard, with a salt of its own per account and its parameters kept
// beside the hash, so that stronger parameters can be chosen later without breaking the hashes already stored.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** The shortest password accepted: long enough that the sign-in throttle leaves guessing hopeless. */
export const MIN_PASSWORD_CHARS = 10;
/** scrypt hashes any length; the bound only keeps a pasted file out of the hash. */
export const MAX_PASSWORD_CHARS = 1024;

/**
 * N = 2^15, r = 8, p = 1: 32 MiB and some tens of milliseconds per hash. OWASP suggests N = 2^17 (128 MiB), which a
 * small server signing in several operators at once cannot spare; the throttle bounds guessing online, and the
 * parameters are stored with each hash, so that they can be raised later without breaking the hashes kept.
 */
const PARAMETERS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

const derive = (password: string, salt: Buffer, options: { N: number; r: number; p: number }) =>
  new Promise<Buffer>((resolve, reject) => {
    const settings: ScryptOptions = { ...options, maxmem: 256 * options.N * options.r + 1024 * 1024 };
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, settings, (error, key) => (error ? reject(error) : resolve(key)));
  });

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < MIN_PASSWORD_CHARS) return `a password needs at least ${MIN_PASSWORD_CHARS} characters`;
  if (password.length > MAX_PASSWORD_CHARS) return `a password may have at most ${MAX_PASSWORD_CHARS} characters`;
  return null;
}

/** "scrypt$N$r$p$salt$hash" with salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PARAMETERS);
  const { N, r, p } = PARAMETERS;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether the password matches the stored hash; false for a hash this version cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || !salt || !hash || !Object.values(options).every((v) => Number.isSafeInteger(v) && v > 0)) return false;
  if (password.length > MAX_PASSWORD_CHARS) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), options);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of no account's password, checked when the name is unknown, so that a wrong name takes as long as a wrong
 * password and the time taken does not tell which names exist.
 */
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex')));
