import { rolloutsApi } from './rollouts/api';
import { rolloutsPages } from './rollouts/pages';
import { Elysia, type AnyElysia } from 'elysia';
import { html } from '@elysiajs/html';
import type { AppDeps } from './deps';
import { accessLog } from './http/access-log';
import { responseEncoding } from './http/encoding';
import { errorBoundary } from './http/boundary';
import { bodyGuard } from './http/body-guard';
import { inputGuard } from './http/input';
import { assetRoutes } from './http/assets';
import { securityHeadersPlugin } from './http/headers';
import { healthRoutes } from './http/health';
import { metricsRoutes } from './http/metrics';
import { openapiRoutes } from './http/openapi';
import { accountsPages } from './accounts/pages';
import { accountsApi } from './accounts/api';
import { setupPages } from './accounts/setup-pages';
import { orgsPages } from './orgs/pages';
import { orgsApi } from './orgs/api';
import { auditPages } from './audit/pages';
import { auditApi } from './audit/api';
import { clustersApi } from './clusters/api';
import { agentApi } from './agents/api';
import { clustersPages } from './clusters/pages';
import { incidentsApi } from './incidents/api';
import { incidentsPages } from './incidents/pages';
import { policiesApi } from './policies/api';
import { policiesPages } from './policies/pages';
import { deploymentsPages } from './deployments/pages';
import { deploymentsApi } from './deployments/api';
import { builderApi } from './deployments/builder-api';
import { builderPages } from './deployments/builder-pages';
import { gitopsApi } from './gitops/api';
import { gitopsPages } from './gitops/pages';
import { deploymentWavesApi } from './deployments/waves-api';
import { deploymentWavesPages } from './deployments/waves-pages';
import { commandsApi } from './commands/api';
import { commandsAgentApi } from './agents/commands-api';
import { commandsPages } from './commands/pages';
import { installScriptRoutes } from './http/install-script';
import { streamsApi } from './streams/api';
import { tailsApi } from './streams/tail-api';
import { followApi } from './streams/follow';
import { agentStreamSocket, AGENT_WEBSOCKET_OPTIONS } from './agents/stream-socket';
import { streamsPages } from './streams/pages';
import { podsApi } from './pods/api';
import { podsPages } from './pods/pages';
import { notificationsApi } from './notifications/api';
import { notificationsPages } from './notifications/pages';
import { registriesApi } from './registries/api';
import { registriesPages } from './registries/pages';

export function createApp(deps: AppDeps): AnyElysia {
  // normalize: false — unknown body fields are rejected (400 naming them), never silently dropped.
  const app: AnyElysia = new Elysia({ name: 'niro', normalize: false, websocket: AGENT_WEBSOCKET_OPTIONS })
    // Before html(): the first mapResponse hook that answers wins, and responseEncoding renders, tags and
    // compresses pages, fragments and JSON itself.
    .use(responseEncoding())
    .use(html({ autoDetect: true }))
    // First, so every response carries the headers, the boundary's early 413s included.
    .use(securityHeadersPlugin(deps.config.publicUrl))
    .use(accessLog(deps.log))
    .use(errorBoundary({ log: deps.log, maxBodyBytes: deps.config.maxBodyBytes, db: deps.db }))
    // Before any plugin that parses bodies: large ones only from callers who proved who they are.
    .use(bodyGuard(deps))
    .use(inputGuard())
    .use(assetRoutes())
    .use(healthRoutes(deps))
    .use(metricsRoutes(deps))
    .use(accountsPages(deps))
    .use(accountsApi(deps))
    .use(setupPages(deps))
    .use(orgsPages(deps))
    .use(orgsApi(deps))
    .use(auditPages(deps))
    .use(auditApi(deps))
    .use(clustersApi(deps))
    .use(agentApi(deps))
    .use(clustersPages(deps))
    .use(incidentsPages(deps))
    .use(incidentsApi(deps))
    .use(policiesPages(deps))
    .use(policiesApi(deps))
    .use(deploymentsPages(deps))
    .use(deploymentsApi(deps))
    .use(builderApi(deps))
    .use(builderPages(deps))
    .use(gitopsApi(deps))
    .use(gitopsPages(deps))
    .use(deploymentWavesApi(deps))
    .use(deploymentWavesPages(deps))
    .use(commandsApi(deps))
    .use(commandsAgentApi(deps))
    .use(commandsPages(deps))
    .use(streamsApi(deps))
    .use(followApi(deps))
    .use(tailsApi(deps))
    .use(agentStreamSocket(deps))
    .use(streamsPages(deps))
    .use(podsApi(deps))
    .use(podsPages(deps))
    .use(notificationsApi(deps))
    .use(notificationsPages(deps))
    .use(registriesApi(deps))
    .use(registriesPages(deps))
    .use(rolloutsApi(deps))
    .use(rolloutsPages(deps))
    .use(installScriptRoutes(deps.config))
    .use(openapiRoutes((): AnyElysia => app, deps.db));
  return app;
}

export type App = AnyElysia;
