// JSON API for incidents (curl users): list and read with history, acknowledge, resolve with a note,
// silences, and an org's thresholds. Everything scoped to the caller's orgs; another org's id is a 404.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { findCluster } from '../clusters/store';
import { ENVIRONMENTS } from '../clusters/vocabulary';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { PageCursor, PageLimit, decodeCursor, encodeCursor } from '../http/cursor';
import { HttpError, notFound } from '../http/errors';
import { OneOf } from '../http/responses';
import { requireOrg } from '../orgs/access';
import { subtreeOf } from '../orgs/store';
import { checkNote, checkSilence, checkThresholds } from './input';
import { acknowledgeIncident, expireSilenceNow, resolveIncidentByHand, saveThresholds, silence, type ActionResult } from './lifecycle';
import { findSilence, listSilences, type SilenceRow } from './silences';
import { findIncident, listIncidents, listTransitions, thresholdsFor, type IncidentListRow, type TransitionRow } from './store';
import { IncidentDetail, IncidentJson, IncidentPage, SilenceJson, SilenceList, ThresholdsJson } from './responses';
import { INCIDENT_KINDS, SEVERITIES } from './vocabulary';

export function incidentJson(i: IncidentListRow): IncidentJson {
  const d = i.details as { count?: unknown; pods?: unknown };
  return {
    id: i.id,
    orgId: i.orgId,
    cluster: { id: i.clusterId, name: i.clusterName, environment: i.environment },
    kind: i.kind,
    severity: i.severity,
    state: i.state === 'resolved' ? 'resolved' : 'open',
    subject: i.subject,
    title: i.title,
    count: typeof d.count === 'number' ? d.count : 1,
    pods: Array.isArray(d.pods) ? d.pods.filter((p): p is string => typeof p === 'string') : [],
    details: i.details,
    openedAt: i.openedAt.toISOString(),
    lastSeenAt: i.lastSeenAt.toISOString(),
    resolvedAt: i.resolvedAt?.toISOString() ?? null,
    resolvedBy: i.resolvedByEmail,
    resolveNote: i.resolveNote,
    acknowledgedAt: i.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: i.acknowledgedByEmail,
    silencedUntil: i.silencedUntil?.toISOString() ?? null,
    reopenCount: i.reopenCount,
  };
}

export function silenceJson(s: SilenceRow, now: Date): SilenceJson {
  return {
    id: s.id,
    orgId: s.orgId,
    clusterId: s.clusterId,
    clusterName: s.clusterName,
    kind: s.kind,
    workload: s.workload,
    environment: s.environment,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    comment: s.comment,
    createdBy: s.creatorEmail,
    createdAt: s.createdAt.toISOString(),
    active: s.startsAt <= now && now < s.endsAt,
  };
}

const transitionJson = (r: TransitionRow) => ({ kind: r.kind, severity: r.severity, at: r.at.toISOString(), actor: r.actorEmail, note: r.note });

/** The API's answer to a refused action. */
export function refusal(r: Exclude<ActionResult, { ok: true }>): HttpError {
  return r.reason === 'not_open'
    ? new HttpError(409, 'incident_not_open', 'the incident is resolved already')
    : new HttpError(409, 'already_acknowledged', 'the incident is acknowledged already');
}

/** An incident the caller may act on (member of its org or an ancestor). */
export async function requireIncident(
  deps: Pick<AppDeps, 'db'>,
  caller: Caller,
  id: string,
  minRole: 'viewer' | 'member' = 'viewer',
): Promise<IncidentListRow> {
  const incident = await findIncident(deps.db, caller.scopeOrgIds, id);
  if (!incident) throw notFound('incident');
  requireOrg(caller, incident.orgId, minRole);
  return incident;
}

export function incidentsApi(deps: AppDeps) {
  const { db, config } = deps;
  const IdParams = t.Object({ id: t.String({ maxLength: 64 }) });
  return new Elysia({ name: 'incidents-api', prefix: '/v1' })
    .get(
      '/incidents',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const q = ctx.query;
        const cluster = q.cluster ? await findCluster(db, q.cluster, caller.scopeOrgIds) : null;
        if (q.cluster && !cluster) throw notFound('cluster');
        if (q.orgId && !caller.scopeOrgIds.includes(q.orgId)) throw notFound('organization');
        const limit = q.limit ?? 50;
        let before: { openedAt: Date; id: string } | undefined;
        if (q.cursor) {
          const [openedAt, id] = decodeCursor(q.cursor, ['time', 'uuid']);
          before = { openedAt, id };
        }
        const rows = await listIncidents(
          db,
          caller.scopeOrgIds,
          { state: q.state ?? 'open', severity: q.severity, kind: q.kind, clusterId: cluster?.id, environment: q.environment, orgId: q.orgId },
          { limit, before },
        );
        const last = rows[rows.length - 1];
        return { incidents: rows.map(incidentJson), nextCursor: rows.length === limit ? encodeCursor([last.openedAt.toISOString(), last.id]) : null };
      },
      {
        query: t.Object({
          state: t.Optional(OneOf(['open', 'resolved'] as const, { description: 'open (default) or resolved' })),
          severity: t.Optional(OneOf(SEVERITIES)),
          kind: t.Optional(OneOf(INCIDENT_KINDS)),
          environment: t.Optional(OneOf(ENVIRONMENTS, { description: 'The cluster’s environment' })),
          cluster: t.Optional(t.String({ maxLength: 64, description: 'Only this cluster’s incidents' })),
          orgId: t.Optional(t.String({ maxLength: 64, description: 'Only this organization’s own incidents' })),
          limit: PageLimit(200),
          cursor: PageCursor,
        }),
        response: { 200: IncidentPage },
        detail: { tags: ['incidents'], summary: 'Incidents of the clusters in the caller’s orgs (and their descendants), newest first' },
      },
    )
    .get(
      '/incidents/:id',
      async (ctx) => {
        const incident = await requireIncident(deps, await requireCaller(db, ctx), ctx.params.id);
        return { incident: incidentJson(incident), transitions: (await listTransitions(db, incident.id)).map(transitionJson) };
      },
      {
        params: IdParams,
        response: { 200: IncidentDetail },
        detail: { tags: ['incidents'], summary: 'One incident with its history (opened, reopened, acknowledged, resolved)' },
      },
    )
    .post(
      '/incidents/:id/acknowledge',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const incident = await requireIncident(deps, caller, ctx.params.id, 'member');
        const res = await acknowledgeIncident(db, actorOf(caller, ctx, config.trustProxy), incident, new Date());
        if (!res.ok) throw refusal(res);
        return incidentJson((await findIncident(db, caller.scopeOrgIds, incident.id))!);
      },
      {
        params: IdParams,
        response: { 200: IncidentJson },
        detail: { tags: ['incidents'], summary: 'Acknowledge an open incident (member): someone is on it' },
      },
    )
    .post(
      '/incidents/:id/resolve',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const note = checkNote(ctx.body.note);
        const incident = await requireIncident(deps, caller, ctx.params.id, 'member');
        const res = await resolveIncidentByHand(db, actorOf(caller, ctx, config.trustProxy), incident, note, new Date());
        if (!res.ok) throw refusal(res);
        return incidentJson((await findIncident(db, caller.scopeOrgIds, incident.id))!);
      },
      {
        params: IdParams,
        body: t.Object({ note: t.String({ maxLength: 1000, description: 'Why (required)' }) }, { additionalProperties: false }),
        response: { 200: IncidentJson },
        detail: { tags: ['incidents'], summary: 'Resolve an open incident by hand with a note (member); it stays resolved until its condition clears once' },
      },
    )
    .get(
      '/incident-silences',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const now = new Date();
        const rows = await listSilences(db, caller.scopeOrgIds, { activeOnly: ctx.query.state !== 'all', limit: 200, now });
        return { silences: rows.map((s) => silenceJson(s, now)) };
      },
      {
        query: t.Object({ state: t.Optional(OneOf(['active', 'all'] as const, { description: 'active (default: not yet over) or all' })) }),
        response: { 200: SilenceList },
        detail: { tags: ['incidents'], summary: 'Silences of the caller’s orgs, newest first (at most 200)' },
      },
    )
    .post(
      '/incident-silences',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const now = new Date();
        const checked = await checkSilence(db, caller, ctx.body, now);
        const created = await silence(db, actorOf(caller, ctx, config.trustProxy), checked.silence, checked.subtree, now);
        ctx.set.status = 201;
        return silenceJson((await findSilence(db, caller.scopeOrgIds, created.id))!, now);
      },
      {
        body: t.Object(
          {
            orgId: t.Optional(t.String({ maxLength: 64, description: 'Applies to this org’s subtree; default the caller’s current org' })),
            clusterId: t.Optional(t.String({ maxLength: 64 })),
            kind: t.Optional(t.String({ maxLength: 64, description: `One of ${INCIDENT_KINDS.join(', ')}` })),
            workload: t.Optional(t.String({ maxLength: 400, description: '"namespace/Kind/name"' })),
            environment: t.Optional(t.String({ maxLength: 20 })),
            startsAt: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601; default now' })),
            endsAt: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601; or durationMinutes' })),
            durationMinutes: t.Optional(t.Integer({ description: 'Minutes from startsAt, up to 90 days' })),
            comment: t.String({ maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: SilenceJson },
        detail: { tags: ['incidents'], summary: 'Silence matching incidents for a period (member): cluster, kind, workload, environment; at least one' },
      },
    )
    .get(
      '/incident-silences/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const found = await findSilence(db, caller.scopeOrgIds, ctx.params.id);
        if (!found) throw notFound('silence');
        return silenceJson(found, new Date());
      },
      { params: IdParams, response: { 200: SilenceJson }, detail: { tags: ['incidents'], summary: 'One silence' } },
    )
    .delete(
      '/incident-silences/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const found = await findSilence(db, caller.scopeOrgIds, ctx.params.id);
        if (!found) throw notFound('silence');
        requireOrg(caller, found.orgId, 'member');
        const now = new Date();
        await expireSilenceNow(
          db,
          actorOf(caller, ctx, config.trustProxy),
          caller.scopeOrgIds,
          found.id,
          (o) => subtreeOf(caller.orgs, o).map((x) => x.id),
          now,
        );
        return silenceJson((await findSilence(db, caller.scopeOrgIds, found.id))!, now);
      },
      {
        params: IdParams,
        response: { 200: SilenceJson },
        detail: { tags: ['incidents'], summary: 'Expire a silence now (member); an expired one stays listed under state=all' },
      },
    )
    .get(
      '/orgs/:id/incident-settings',
      async (ctx) => {
        const org = requireOrg(await requireCaller(db, ctx), ctx.params.id);
        return { orgId: org.id, ...(await thresholdsFor(db, org.id)) };
      },
      {
        params: IdParams,
        response: { 200: ThresholdsJson },
        detail: { tags: ['incidents'], summary: 'The org’s incident thresholds (pending too long, workload unavailable)' },
      },
    )
    .put(
      '/orgs/:id/incident-settings',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.params.id, 'admin');
        const value = checkThresholds(ctx.body, await thresholdsFor(db, org.id));
        await saveThresholds(db, actorOf(caller, ctx, config.trustProxy), org.id, value);
        return { orgId: org.id, ...value };
      },
      {
        params: IdParams,
        body: t.Object({ pendingAfterSeconds: t.Optional(t.Integer()), unavailableAfterSeconds: t.Optional(t.Integer()) }, { additionalProperties: false }),
        response: { 200: ThresholdsJson },
        detail: { tags: ['incidents'], summary: 'Set the org’s incident thresholds in seconds, 60 to 86400 (admin)' },
      },
    );
}
