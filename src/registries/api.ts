// JSON API for registry credentials (curl users): /v1/registries. Members of an org see its registries with
// the password masked; admins create, change (a new password rotates it) and delete them.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { badRequest, HttpError, notFound } from '../http/errors';
import { Ok } from '../http/responses';
import { defaultOrg, requireOrg } from '../orgs/access';
import { createSecretBox } from '../security/encryption';
import { NAME_MAX, PASSWORD_MAX, SERVER_MAX, USERNAME_MAX } from './credentials';
import { requireRegistry } from './access';
import { changeRegistry, createRegistry, registryJson, removeRegistry, type RegistryOutcome } from './service';
import { ChangedRegistryJson, RegistryJson, RegistryList } from './responses';
import { redeliverRegistry } from './rotation';
import { listRegistries } from './store';

const Fields = {
  name: t.Optional(t.String({ maxLength: NAME_MAX + 1, description: 'DNS-1123 label, unique in the org; names the pull Secret in clusters' })),
  server: t.Optional(t.String({ maxLength: SERVER_MAX + 16, description: 'Registry host: ghcr.io, registry.example.com:5000, docker.io' })),
  username: t.Optional(t.String({ maxLength: USERNAME_MAX + 1 })),
  password: t.Optional(t.String({ maxLength: PASSWORD_MAX + 1, description: 'Password or access token; write-only (a new one rotates the credential)' })),
};

function refusal(res: Extract<RegistryOutcome, { ok: false }>): HttpError {
  if (res.status === 404) return notFound('registry');
  if (res.status === 409) return new HttpError(409, 'name_taken', res.message);
  return badRequest(res.message);
}

export function registriesApi(deps: AppDeps) {
  const { db } = deps;
  const box = createSecretBox(deps.config.secret);
  return new Elysia({ name: 'registries-api', prefix: '/v1' })
    .get(
      '/registries',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const orgIds = ctx.query.org ? [requireOrg(caller, ctx.query.org).id] : caller.scopeOrgIds;
        return { registries: (await listRegistries(db, orgIds)).map(registryJson) };
      },
      {
        query: t.Object({ org: t.Optional(t.String({ maxLength: 64, description: 'Only this org’s own registries' })) }),
        response: { 200: RegistryList },
        detail: { tags: ['registries'], summary: 'Registry credentials of the caller’s orgs (passwords masked)' },
      },
    )
    .post(
      '/registries',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { orgId, ...input } = ctx.body;
        const org = orgId ? requireOrg(caller, orgId, 'admin') : defaultOrg(caller);
        if (!org) throw notFound('organization');
        requireOrg(caller, org.id, 'admin');
        const res = await createRegistry(db, box, actorOf(caller, ctx, deps.config.trustProxy), org.id, input, new Date());
        if (!res.ok) throw refusal(res);
        ctx.set.status = 201;
        return registryJson(res.registry);
      },
      {
        body: t.Object(
          { orgId: t.Optional(t.String({ maxLength: 64, description: 'The org it belongs to (default: the current org)' })), ...Fields },
          { additionalProperties: false },
        ),
        response: { 201: RegistryJson },
        detail: { tags: ['registries'], summary: 'Store a registry credential (admin of its org); the password is sealed and never returned' },
      },
    )
    .get(
      '/registries/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return registryJson(await requireRegistry(db, caller, ctx.params.id));
      },
      { response: { 200: RegistryJson }, detail: { tags: ['registries'], summary: 'One registry (password masked)' } },
    )
    .patch(
      '/registries/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const registry = await requireRegistry(db, caller, ctx.params.id, 'admin');
        const actor = actorOf(caller, ctx, deps.config.trustProxy);
        const res = await changeRegistry(db, box, actor, registry, ctx.body, new Date());
        if (!res.ok) throw refusal(res);
        const redeliveries =
          ctx.body.password !== undefined ? await redeliverRegistry(db, deps.commandSignals, actor, caller.scopeOrgIds, res.registry, new Date()) : [];
        return { ...registryJson(res.registry), redeliveries };
      },
      {
        body: t.Object(Fields, { additionalProperties: false }),
        response: { 200: ChangedRegistryJson },
        detail: {
          tags: ['registries'],
          summary:
            'Change a registry (admin); a password rotates the credential and re-delivers its pull Secret to every cluster using it; a field left out keeps its value',
        },
      },
    )
    .delete(
      '/registries/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const registry = await requireRegistry(db, caller, ctx.params.id, 'admin');
        await removeRegistry(db, actorOf(caller, ctx, deps.config.trustProxy), registry);
        return { ok: true as const };
      },
      { response: { 200: Ok }, detail: { tags: ['registries'], summary: 'Delete a registry credential (admin)' } },
    );
}
