import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { requireCaller } from '../http/caller';
import { badRequest } from '../http/errors';
import { requireOrg } from '../orgs/access';
import { roleAtLeast } from '../orgs/store';
import { listAudit } from './store';
import { AuditPage } from './responses';

export function auditApi(deps: AppDeps) {
  const { db } = deps;
  return new Elysia({ name: 'audit-api', prefix: '/v1' }).get(
    '/audit',
    async (ctx) => {
      const caller = await requireCaller(db, ctx);
      // Admins see the audit log of the orgs they administer (and their descendants).
      const orgIds = ctx.query.orgId
        ? [requireOrg(caller, ctx.query.orgId, 'admin').id]
        : caller.orgs.filter((o) => roleAtLeast(o.role, 'admin')).map((o) => o.id);
      const limit = ctx.query.limit ?? 50;
      let before: number | undefined;
      if (ctx.query.cursor) {
        // An event id in plain decimal (Number() would also take `0x10` or ` 6e1 `).
        if (!/^[1-9][0-9]{0,14}$/.test(ctx.query.cursor)) throw badRequest('cursor: malformed');
        before = Number(ctx.query.cursor);
      }
      const rows = await listAudit(db, orgIds, { limit, before, action: ctx.query.action });
      return {
        events: rows.map((r) => ({
          id: r.id,
          orgId: r.orgId,
          actor: r.actor,
          action: r.action,
          target: r.target,
          details: r.details,
          ip: r.ip,
          at: r.createdAt.toISOString(),
        })),
        nextCursor: rows.length === limit ? String(rows[rows.length - 1].id) : null,
      };
    },
    {
      query: t.Object({
        orgId: t.Optional(t.String({ maxLength: 64 })),
        action: t.Optional(t.String({ maxLength: 64 })),
        limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
        cursor: t.Optional(t.String({ maxLength: 32 })),
      }),
      response: { 200: AuditPage },
      detail: { tags: ['audit'], summary: 'Audit events of the orgs the caller administers, newest first' },
    },
  );
}
