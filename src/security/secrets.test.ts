// Presented secrets (CSRF tokens) are compared in constant time: equal only when equal, whatever the lengths.
import { expect, test } from 'bun:test';
import { constantTimeEqual } from './secrets';

test('constant-time comparison: equal only when equal, whatever the lengths', () => {
  const token = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4';
  expect(constantTimeEqual(token, token)).toBe(true);
  expect(constantTimeEqual(token, token.slice(0, -1) + 'y')).toBe(false);
  expect(constantTimeEqual(token, token.slice(0, 10))).toBe(false);
  expect(constantTimeEqual('', token)).toBe(false);
  expect(constantTimeEqual('', '')).toBe(true);
});
