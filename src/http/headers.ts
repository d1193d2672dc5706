import { Elysia, type AnyElysia } from 'elysia';

/**
 * What a browser may do with our pages. Scripts and styles come only from our origin (no inline script,
 * no eval: Alpine is its CSP build, htmx runs no expressions); `style` attributes stay allowed because the
 * server renders bar widths with them and morph swaps copy them, while `<style>` elements do not. Nothing
 * may frame us, forms post only to us (also after a redirect), and no plugin or `<base>` is honoured.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every response carries; HSTS only when the public URL is https (a plain-http dev server must stay reachable). */
export function securityHeaders(publicUrl: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
  if (publicUrl.startsWith('https://')) headers['strict-transport-security'] = 'max-age=31536000';
  return headers;
}

/**
 * Sets the security headers before anything else runs, so they reach every response: pages, JSON,
 * redirects, streams, static files and errors alike (Elysia merges `set.headers` into all of them).
 */
export function securityHeadersPlugin(publicUrl: string): AnyElysia {
  const headers = securityHeaders(publicUrl);
  return new Elysia({ name: 'security-headers' }).onRequest(({ set }) => {
    Object.assign(set.headers, headers);
  });
}
