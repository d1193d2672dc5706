import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets shaped `<prefix>_<publicId>_<secret>`: the public id finds the row by index,
 * the secret (32 random bytes) is compared against its stored SHA-256 in constant time.
 * A fast hash is right here: the secret is high-entropy, so there is nothing to brute-force.
 */
export type MintedSecret = { token: string; publicId: string; secretHash: string };

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function mintSecret(prefix: string): MintedSecret {
  const publicId = randomString(12);
  const secret = randomBytes(32).toString('base64url');
  return { token: `${prefix}_${publicId}_${secret}`, publicId, secretHash: sha256Hex(secret) };
}

/** Splits a presented token; null when it is not one of ours with this prefix. */
export function parseSecret(prefix: string, token: string | null | undefined): { publicId: string; secret: string } | null {
  if (!token || token.length > 200 || !token.startsWith(prefix + '_')) return null;
  const rest = token.slice(prefix.length + 1);
  const m = /^([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/.exec(rest);
  return m ? { publicId: m[1], secret: m[2] } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(sha256Hex(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An opaque random value (session ids, CSRF tokens). */
export function randomId(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Compares two strings in time that does not depend on where they differ (CSRF tokens and other
 * presented secrets). Both sides are hashed first, so their lengths do not leak either.
 */
export function constantTimeEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
