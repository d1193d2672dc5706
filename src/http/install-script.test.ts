// GET /install.sh: deploy/install.sh with the public URL and agent image substituted, as a shell script; no placeholder left, no way to inject shell through the URL.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { Elysia } from 'elysia';
import { INSTALL_SCRIPT_PATH, installScriptRoutes, renderInstallScript } from './install-script';
import { DEFAULT_AGENT_IMAGE, loadConfig } from '../config';

const template = readFileSync(INSTALL_SCRIPT_PATH, 'utf8');

describe('/install.sh', () => {
  test('served with the URL and image filled in, as text/x-shellscript', async () => {
    const app = new Elysia().use(installScriptRoutes({ publicUrl: 'https://niro.example.com', agentImage: 'registry.example.com/niro/agent:1.2.3' }));
    const res = await app.handle(new Request('https://niro.example.com/install.sh'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/x-shellscript; charset=utf-8');
    const body = await res.text();
    expect(body).toContain('niro_url="${NIRO_URL:-https://niro.example.com}"');
    expect(body).toContain("agent_image='registry.example.com/niro/agent:1.2.3'");
    expect(body).toContain('image: registry.example.com/niro/agent:1.2.3');
    expect(body).not.toMatch(/__[A-Z_]+__/);
    expect(body.length).toBeGreaterThan(template.length - 100);
  });

  test('shell metacharacters in the URL are percent-encoded, never executed', () => {
    const out = renderInstallScript(template, 'https://niro.example.com/a"$(touch /tmp/x)`id`\\', 'niro-agent:1');
    expect(out).toContain('niro_url="${NIRO_URL:-https://niro.example.com/a%22%24(touch%20/tmp/x)%60id%60%5C}"');
    expect(() => renderInstallScript(template, 'https://x', "evil'; rm -rf /")).toThrow();
  });

  test('the image comes from NIRO_AGENT_IMAGE, defaulting to the Dockerfile’s local tag; a bad reference is a config error', () => {
    const base = { NIRO_SECRET: 'x'.repeat(40), NIRO_DATA_DIR: '/nonexistent' };
    const def = loadConfig(base);
    expect(def.ok && def.config.agentImage).toBe(DEFAULT_AGENT_IMAGE);
    const set = loadConfig({ ...base, NIRO_AGENT_IMAGE: 'ghcr.io/acme/niro-agent:0.2.0' });
    expect(set.ok && set.config.agentImage).toBe('ghcr.io/acme/niro-agent:0.2.0');
    const bad = loadConfig({ ...base, NIRO_AGENT_IMAGE: 'a b' });
    expect(bad.ok ? [] : bad.errors.join()).toContain('NIRO_AGENT_IMAGE');
  });
});
