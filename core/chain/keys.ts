// Signing keys for core/chain: the devnode's well-known dev key, or a key file. A key is never put in
// an error message, a log line or JSON output; errors name the file and what is wrong with it.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors';

/** nitro-devnode's pre-funded dev account (nitro-devnode README). Public by design: local chains only. */
export const DEV_PRIVATE_KEY = '0xb6b15c8cb491557369f3c7d2c287b053eb229daa9c22138887752191c9520659' as const;
export const DEV_ADDRESS = '0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E' as const;

export type Hex = `0x${string}`;

/** Validates a private key given as text (64 hex digits, optional 0x, surrounding whitespace ignored). */
export function parsePrivateKey(text: string, source: string): Hex {
  const t = text.trim();
  const body = t.startsWith('0x') || t.startsWith('0X') ? t.slice(2) : t;
  if (!/^[0-9a-fA-F]{64}$/.test(body)) {
    throw new UserError(`${source}: not a private key (expected 64 hex digits, optionally 0x-prefixed, on one line)`);
  }
  if (/^0+$/.test(body)) throw new UserError(`${source}: the private key is zero`);
  return `0x${body.toLowerCase()}`;
}

/** Reads a key file (cargo-stylus --private-key-path format: the key alone). */
export function readKeyFile(path: string): Hex {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`key file ${path}: ${code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? 'error'})`}`);
  }
  return parsePrivateKey(text, `key file ${path}`);
}
