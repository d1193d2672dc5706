// GET /install.sh: deploy/install.sh with this control plane's public URL and agent image filled in.
// The script embeds every manifest it applies, so nothing else needs serving: operators pipe this one
// file into sh (`curl -fsSL <url>/install.sh | NIRO_TOKEN=… sh`).
import { Elysia } from 'elysia';
import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import { INSTALL_SCRIPT, serverFile } from '../files';

export const INSTALL_SCRIPT_PATH = serverFile(INSTALL_SCRIPT);

/**
 * Characters that mean something inside the script's double quotes (or the YAML it writes) are
 * percent-encoded: the URL stays the same URL, and no configuration value can inject shell.
 */
function shellSafeUrl(url: string): string {
  return url.replace(/[\s"$`\\']/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** The script as served. The image is validated by config (an image reference: no quotes, no spaces). */
export function renderInstallScript(template: string, publicUrl: string, agentImage: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(agentImage)) throw new Error(`agent image is not a plain image reference: ${agentImage}`);
  return template.replaceAll('__NIRO_URL__', shellSafeUrl(publicUrl)).replaceAll('__AGENT_IMAGE__', agentImage);
}

export function installScriptRoutes(config: Pick<Config, 'publicUrl' | 'agentImage'>) {
  // Rendered once: both values are fixed for the life of the process.
  const body = renderInstallScript(readFileSync(INSTALL_SCRIPT_PATH, 'utf8'), config.publicUrl, config.agentImage);
  return new Elysia({ name: 'install-script' }).get(
    '/install.sh',
    () =>
      new Response(body, {
        headers: { 'content-type': 'text/x-shellscript; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
      }),
    { detail: { hide: true } },
  );
}
