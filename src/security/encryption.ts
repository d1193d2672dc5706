// Secrets at rest (registry credentials, notification channel secrets, Git tokens): AES-256-GCM under a key
// derived from NIRO_SECRET, in a versioned text envelope that fits a text column.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * `niro:v1:<keyId>:<iv>:<ciphertext+tag>` (base64url parts). The version fixes the algorithm (AES-256-GCM,
 * 96-bit random IV, 128-bit tag, HKDF-SHA256 key); the key id names the key that sealed it, so a value sealed
 * under another NIRO_SECRET is reported as such instead of as corrupt, and a later rotation can keep the
 * previous key for opening.
 */
const VERSION = 'niro:v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What the key derived from NIRO_SECRET is for; another purpose gets an unrelated key. */
const PURPOSE = 'niro secrets at rest v1';

export type SecretBox = {
  /** The key's public id (8 hex digits of a hash of the key; reveals nothing about it). */
  keyId: string;
  /**
   * Encrypts `plaintext` for the record named by `context` (e.g. `registry:<id>:password`). The context is
   * authenticated, not stored: a sealed value copied into another record does not open there.
   */
  seal(plaintext: string, context: string): string;
  open(envelope: string, context: string): OpenResult;
};

export type OpenResult = { ok: true; plaintext: string } | { ok: false; reason: 'malformed' | 'other_key' | 'tampered' };

/** The encryption key for secrets at rest: HKDF-SHA256 of the server secret (any length ≥ 32 characters). */
export function deriveEncryptionKey(serverSecret: string): Buffer {
  if (serverSecret.length < 32) throw new Error('the server secret must be at least 32 characters');
  return Buffer.from(hkdfSync('sha256', Buffer.from(serverSecret, 'utf8'), Buffer.from('niro', 'utf8'), Buffer.from(PURPOSE, 'utf8'), 32));
}

export function createSecretBox(serverSecret: string): SecretBox {
  const key = deriveEncryptionKey(serverSecret);
  const keyId = createHash('sha256').update('niro key id').update(key).digest('hex').slice(0, 8);
  const aad = (context: string) => Buffer.from(`${VERSION}:${keyId}:${context}`, 'utf8');

  return {
    keyId,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}:${keyId}:${iv.toString('base64url')}:${body.toString('base64url')}`;
    },
    open(envelope, context) {
      const parts = envelope.split(':');
      if (parts.length !== 5 || `${parts[0]}:${parts[1]}` !== VERSION) return { ok: false, reason: 'malformed' };
      const [, , id, ivText, bodyText] = parts;
      if (id !== keyId) return { ok: false, reason: 'other_key' };
      const iv = Buffer.from(ivText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) return { ok: false, reason: 'malformed' };
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(context));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const plaintext = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
        return { ok: true, plaintext };
      } catch {
        return { ok: false, reason: 'tampered' };
      }
    },
  };
}
