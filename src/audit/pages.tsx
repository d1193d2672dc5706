import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { requireCaller } from '../http/caller';
import { renderPage } from '../http/page';
import { roleAtLeast, subtreeOf } from '../orgs/store';
import { AuditPage } from '../../views/audit/audit';
import { listAudit } from './store';

export function auditPages(deps: AppDeps) {
  const { db } = deps;
  return new Elysia({ name: 'audit-pages' }).get(
    '/settings/audit',
    async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const scope = caller.currentOrg ? subtreeOf(caller.orgs, caller.currentOrg.id) : caller.orgs;
      const admin = scope.filter((o) => roleAtLeast(o.role, 'admin'));
      const before = ctx.query.cursor && /^\d{1,15}$/.test(ctx.query.cursor) ? Number(ctx.query.cursor) : undefined;
      const limit = 100;
      const rows = await listAudit(
        db,
        admin.map((o) => o.id),
        { limit, before },
      );
      const names = new Map(caller.orgs.map((o) => [o.id, o.name]));
      const view = rows.map((r) => ({
        id: r.id,
        orgName: names.get(r.orgId ?? '') ?? '',
        actor: r.actor,
        action: r.action,
        target: r.target,
        ip: r.ip,
        at: r.createdAt,
        details: r.details,
      }));
      const body = <AuditPage rows={view} allowed={admin.length > 0} nextCursor={rows.length === limit ? String(rows[rows.length - 1].id) : null} />;
      return renderPage(caller, ctx.cookie, { title: 'Audit log', active: 'settings', body });
    },
    { query: t.Object({ cursor: t.Optional(t.String({ maxLength: 32 })) }) },
  );
}
