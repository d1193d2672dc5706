import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, clientIp, requireCaller } from '../http/caller';
import { badRequest } from '../http/errors';
import { recordAudit } from '../audit/store';
import { requireOrg } from './access';
import { addMember, changeMemberRole, removeMember } from './members';
import { createOrg, listChildOrgs, listMembers, updateOrg } from './store';
import { memberRefusal, orgRefusal } from './refusals';
import { PLANS, ROLES, type Org, type Role } from './schema';
import { Ok } from '../http/responses';
import { MemberAdded, MemberList, OrgJson, OrgList } from './responses';

const RoleT = t.Union(ROLES.map((r) => t.Literal(r)));
const PlanT = t.Union(PLANS.map((p) => t.Literal(p)));

export function orgJson(o: Org & { role?: Role }): OrgJson {
  return { id: o.id, name: o.name, parentId: o.parentId, plan: o.plan, depth: o.depth, role: o.role ?? null, createdAt: o.createdAt.toISOString() };
}

export function orgsApi(deps: AppDeps) {
  const { db } = deps;
  return new Elysia({ name: 'orgs-api', prefix: '/v1' })
    .get(
      '/orgs',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return { orgs: caller.orgs.map(orgJson) };
      },
      { response: { 200: OrgList }, detail: { tags: ['orgs'], summary: 'Every org the caller can see (memberships and their descendants)' } },
    )
    .get('/orgs/:id', async (ctx) => orgJson(requireOrg(await requireCaller(db, ctx), ctx.params.id)), {
      response: { 200: OrgJson },
      detail: { tags: ['orgs'], summary: 'One org' },
    })
    .post(
      '/orgs',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const parent = requireOrg(caller, ctx.body.parentId, 'admin');
        const name = ctx.body.name.trim();
        if (!name) throw badRequest('name: must not be empty');
        const res = await createOrg(db, { name, parent, plan: ctx.body.plan });
        if (!res.ok) throw orgRefusal(res);
        await recordAudit(db, {
          orgId: parent.id,
          actorUserId: caller.user.id,
          actor: caller.user.email,
          action: 'org.create',
          target: res.org.id,
          details: { name },
          ip: clientIp(ctx.request, ctx.server, deps.config.trustProxy),
        });
        ctx.set.status = 201;
        return orgJson({ ...res.org, role: parent.role });
      },
      {
        body: t.Object(
          { parentId: t.String({ maxLength: 64 }), name: t.String({ minLength: 1, maxLength: 100 }), plan: t.Optional(PlanT) },
          { additionalProperties: false },
        ),
        response: { 201: OrgJson },
        detail: { tags: ['orgs'], summary: "Create a child org (admin of the parent); its plan defaults to, and may not exceed, the parent's" },
      },
    )
    .patch(
      '/orgs/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.params.id, ctx.body.plan ? 'owner' : 'admin');
        const name = ctx.body.name?.trim();
        if (name === '') throw badRequest('name: must not be empty');
        const res = await updateOrg(db, org.id, { name, plan: ctx.body.plan });
        if (!res.ok) throw orgRefusal(res);
        const updated = res.org;
        await recordAudit(db, {
          orgId: org.id,
          actorUserId: caller.user.id,
          actor: caller.user.email,
          action: 'org.update',
          target: org.id,
          details: { name, plan: ctx.body.plan },
          ip: clientIp(ctx.request, ctx.server, deps.config.trustProxy),
        });
        return orgJson({ ...updated, role: org.role });
      },
      {
        body: t.Object({ name: t.Optional(t.String({ minLength: 1, maxLength: 100 })), plan: t.Optional(PlanT) }, { additionalProperties: false }),
        response: { 200: OrgJson },
        detail: { tags: ['orgs'], summary: "Rename an org (admin) or change its plan (owner; never above the parent's, nor below a child's)" },
      },
    )
    .get(
      '/orgs/:id/children',
      async (ctx) => {
        const org = requireOrg(await requireCaller(db, ctx), ctx.params.id);
        return { orgs: (await listChildOrgs(db, org.id)).map((o) => orgJson(o)) };
      },
      { response: { 200: OrgList }, detail: { tags: ['orgs'], summary: 'Direct child orgs' } },
    )
    .get(
      '/orgs/:id/members',
      async (ctx) => {
        const org = requireOrg(await requireCaller(db, ctx), ctx.params.id);
        const members = await listMembers(db, org.id);
        return { members: members.map((m) => ({ userId: m.userId, email: m.email, name: m.name, role: m.role, since: m.createdAt.toISOString() })) };
      },
      { response: { 200: MemberList }, detail: { tags: ['orgs'], summary: 'Direct members of an org' } },
    )
    .post(
      '/orgs/:id/members',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.params.id, 'admin');
        const res = await addMember(db, deps.passwordHashing, actorOf(caller, ctx, deps.config.trustProxy), org, ctx.body.email, ctx.body.role);
        if (!res.ok) throw memberRefusal(res.reason);
        ctx.set.status = 201;
        return res;
      },
      {
        body: t.Object({ email: t.String({ format: 'email', maxLength: 254 }), role: RoleT }, { additionalProperties: false }),
        response: { 201: MemberAdded },
        detail: { tags: ['orgs'], summary: 'Add a member by email (creates the account with a temporary password if needed)' },
      },
    )
    .patch(
      '/orgs/:id/members/:userId',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.params.id, 'admin');
        const res = await changeMemberRole(db, actorOf(caller, ctx, deps.config.trustProxy), org, ctx.params.userId, ctx.body.role).catch(() => ({
          ok: false as const,
          reason: 'not_member' as const,
        }));
        if (!res.ok) throw memberRefusal(res.reason);
        return { ok: true };
      },
      {
        body: t.Object({ role: RoleT }, { additionalProperties: false }),
        response: { 200: Ok },
        detail: { tags: ['orgs'], summary: "Change a member's role (only an owner makes or changes an owner)" },
      },
    )
    .delete(
      '/orgs/:id/members/:userId',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.params.id, 'admin');
        const res = await removeMember(db, actorOf(caller, ctx, deps.config.trustProxy), org, ctx.params.userId).catch(() => ({
          ok: false as const,
          reason: 'not_member' as const,
        }));
        if (!res.ok) throw memberRefusal(res.reason);
        return { ok: true };
      },
      { response: { 200: Ok }, detail: { tags: ['orgs'], summary: 'Remove a member (only an owner removes an owner)' } },
    );
}
