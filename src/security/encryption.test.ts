// Secrets at rest: AES-256-GCM under an HKDF key from NIRO_SECRET; round trips, binds the record it was
// sealed for, detects tampering and another server secret, and never stores the plaintext.
import { describe, expect, test } from 'bun:test';
import { createSecretBox, deriveEncryptionKey } from './encryption';

const SECRET = 'a'.repeat(16) + 'server-secret-for-tests-0123456789';

describe('secret box', () => {
  const box = createSecretBox(SECRET);

  test('seals and opens, with a fresh IV every time', () => {
    for (const plaintext of ['hunter2', '', 'ünïcødé ✓ \u0000 and a NUL', 'x'.repeat(100_000)]) {
      const sealed = box.seal(plaintext, 'registry:1:password');
      expect(sealed).toStartWith(`niro:v1:${box.keyId}:`);
      if (plaintext.length > 3) expect(sealed).not.toContain(plaintext);
      expect(box.open(sealed, 'registry:1:password')).toEqual({ ok: true, plaintext });
    }
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  test('a value sealed for one record does not open for another', () => {
    const sealed = box.seal('token', 'git:1:token');
    expect(box.open(sealed, 'git:2:token')).toEqual({ ok: false, reason: 'tampered' });
  });

  test('any flipped bit is detected', () => {
    const sealed = box.seal('webhook-secret', 'channel:9');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[4], 'base64url');
    for (const i of [0, body.length - 1]) {
      const flipped = Buffer.from(body);
      flipped[i] ^= 1;
      expect(box.open([...parts.slice(0, 4), flipped.toString('base64url')].join(':'), 'channel:9')).toEqual({ ok: false, reason: 'tampered' });
    }
    const iv = Buffer.from(parts[3], 'base64url');
    iv[0] ^= 1;
    expect(box.open([...parts.slice(0, 3), iv.toString('base64url'), parts[4]].join(':'), 'channel:9')).toEqual({ ok: false, reason: 'tampered' });
  });

  test('a value sealed under another NIRO_SECRET says so', () => {
    const other = createSecretBox('b'.repeat(48));
    expect(other.keyId).not.toBe(box.keyId);
    expect(other.open(box.seal('x', 'c'), 'c')).toEqual({ ok: false, reason: 'other_key' });
  });

  test('malformed envelopes are refused, never thrown', () => {
    for (const bad of ['', 'plain text', 'niro:v2:abcd:AAAA:AAAA', `niro:v1:${box.keyId}:AAAA:AAAA`, `niro:v1:${box.keyId}::`, 'niro:v1:a:b:c:d']) {
      const res = box.open(bad, 'c');
      expect(res.ok).toBe(false);
    }
  });

  test('the key is derived (HKDF), not the secret itself, and is stable for one secret', () => {
    const key = deriveEncryptionKey(SECRET);
    expect(key.length).toBe(32);
    expect(key.equals(deriveEncryptionKey(SECRET))).toBe(true);
    expect(key.toString('utf8')).not.toContain(SECRET.slice(0, 32));
    expect(() => deriveEncryptionKey('short')).toThrow();
    // A box made later (another replica, a restart) opens what this one sealed.
    expect(createSecretBox(SECRET).open(createSecretBox(SECRET).seal('v', 'c'), 'c')).toEqual({ ok: true, plaintext: 'v' });
  });
});
