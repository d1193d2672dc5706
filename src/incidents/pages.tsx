// /incidents: open and recent incidents with filters, the live part htmx polls, the navigation's count,
// one incident with its history, and the operator's forms (acknowledge, resolve with a note, silences).
// Every page embeds the fragment its poll route renders.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import type { Db } from '../db/client';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { isHtmx, redirect, renderPage, setFlash } from '../http/page';
import { findCluster, listScopeClusters } from '../clusters/store';
import { ENVIRONMENTS, type Environment } from '../clusters/vocabulary';
import { roleAtLeast, subtreeOf } from '../orgs/store';
import { requireOrg } from '../orgs/access';
import {
  IncidentsLive,
  IncidentsPage,
  NavIncidentCount,
  INCIDENTS_CHANGED_EVENT,
  filterQuery,
  type IncidentFilters,
  type IncidentRow,
  type IncidentsLiveProps,
} from '../../views/incidents/incidents';
import { IncidentDetailPage } from '../../views/incidents/detail';
import type { SilencesProps } from '../../views/incidents/silences';
import { requireIncident } from './api';
import { checkNote, checkSilence, checkThresholds } from './input';
import { badRequest } from '../http/errors';
import { IncidentSettingsPage } from '../../views/incidents/settings';
import { acknowledgeIncident, expireSilenceNow, resolveIncidentByHand, saveThresholds, silence } from './lifecycle';
import { findSilence, listSilences } from './silences';
import { countOpenInScope, listIncidents, listTransitions, thresholdsFor, type IncidentListRow } from './store';
import { INCIDENT_KINDS, SEVERITIES, worstSeverity, type IncidentKind, type Severity } from './vocabulary';

const PAGE_SIZE = 100;
const CLUSTER_CHOICES = 500;
const RECENT_RESOLVED = 10;

const ListQuery = t.Object({
  state: t.Optional(t.String({ maxLength: 20 })),
  severity: t.Optional(t.String({ maxLength: 20 })),
  kind: t.Optional(t.String({ maxLength: 40 })),
  cluster: t.Optional(t.String({ maxLength: 64 })),
  environment: t.Optional(t.String({ maxLength: 20 })),
  orgId: t.Optional(t.String({ maxLength: 64 })),
  cursor: t.Optional(t.String({ maxLength: 2048 })),
});
type ListQuery = typeof ListQuery.static;

/** Filters from the URL; values that aren't ours are ignored (a stale bookmark still loads). */
function filtersOf(caller: Caller, q: ListQuery): IncidentFilters {
  const one = <T extends string>(list: readonly T[], v: string | undefined): T | '' => ((list as readonly string[]).includes(v ?? '') ? (v as T) : '');
  return {
    state: q.state === 'resolved' ? 'resolved' : 'open',
    severity: one(SEVERITIES, q.severity),
    kind: one(INCIDENT_KINDS, q.kind),
    cluster: /^[0-9a-f-]{36}$/i.test(q.cluster ?? '') ? q.cluster! : '',
    environment: one(ENVIRONMENTS, q.environment),
    orgId: caller.scopeOrgIds.includes(q.orgId ?? '') ? q.orgId! : '',
  };
}

export function incidentRow(i: IncidentListRow): IncidentListRow & { count: number; pods: string[] } {
  const d = i.details as { count?: unknown; pods?: unknown };
  return {
    ...i,
    count: typeof d.count === 'number' ? d.count : 1,
    pods: Array.isArray(d.pods) ? d.pods.filter((p): p is string => typeof p === 'string') : [],
  };
}

const csrf = (caller: Caller): string => caller.session?.csrfToken ?? '';
const canAct = (caller: Caller): boolean => caller.orgs.some((o) => caller.scopeOrgIds.includes(o.id) && roleAtLeast(o.role, 'member'));

async function loadLive(db: Db, caller: Caller, q: ListQuery): Promise<IncidentsLiveProps> {
  const filters = filtersOf(caller, q);
  // A cluster outside the scope narrows to nothing: the page never says whether it exists.
  const cluster = filters.cluster ? await findCluster(db, filters.cluster, caller.scopeOrgIds) : null;
  const scope = filters.cluster && !cluster ? [] : caller.scopeOrgIds;
  const before = q.cursor ? decodeCursor(q.cursor, ['time', 'uuid']) : undefined;
  const filter = {
    severity: (filters.severity || undefined) as Severity | undefined,
    kind: (filters.kind || undefined) as IncidentKind | undefined,
    clusterId: cluster?.id,
    environment: (filters.environment || undefined) as Environment | undefined,
    orgId: filters.orgId || undefined,
  };
  const [rows, counts, recent] = await Promise.all([
    listIncidents(db, scope, { state: filters.state, ...filter }, { limit: PAGE_SIZE, before: before ? { openedAt: before[0], id: before[1] } : undefined }),
    countOpenInScope(db, caller.scopeOrgIds),
    // Beside the first page of open ones, what just went away.
    filters.state === 'open' && !before ? listIncidents(db, scope, { state: 'resolved', ...filter }, { limit: RECENT_RESOLVED }) : Promise.resolve([]),
  ]);
  const last = rows[rows.length - 1];
  return {
    rows: rows.map(incidentRow),
    recentlyResolved: recent.map(incidentRow),
    counts,
    filters,
    liveUrl: `/incidents/live${filterQuery(filters, q.cursor ? { cursor: q.cursor } : {})}`,
    nextPageUrl: rows.length === PAGE_SIZE ? `/incidents${filterQuery(filters, { cursor: encodeCursor([last.openedAt.toISOString(), last.id]) })}` : null,
    canAct: canAct(caller),
    csrfToken: csrf(caller),
    // Whole seconds: the poll's body (and so its ETag) stays the same within a second.
    now: new Date(Math.floor(Date.now() / 1000) * 1000),
  };
}

async function choices(db: Db, caller: Caller): Promise<{ clusters: { value: string; label: string }[]; orgs: { value: string; label: string }[] }> {
  const clusters = await listScopeClusters(db, caller.scopeOrgIds, { limit: CLUSTER_CHOICES });
  const orgs = caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id));
  return { clusters: clusters.map((c) => ({ value: c.id, label: c.name })), orgs: orgs.map((o) => ({ value: o.id, label: o.name })) };
}

async function loadSilences(db: Db, caller: Caller, opts: Awaited<ReturnType<typeof choices>>): Promise<SilencesProps> {
  const now = new Date();
  const names = new Map(caller.orgs.map((o) => [o.id, o.name]));
  const rows = await listSilences(db, caller.scopeOrgIds, { activeOnly: true, limit: 200, now });
  return {
    silences: rows.map((s) => ({ ...s, orgName: names.get(s.orgId) ?? '', active: s.startsAt <= now })),
    canAct: canAct(caller),
    csrfToken: csrf(caller),
    orgs: opts.orgs,
    clusters: opts.clusters,
  };
}

/** Where a form goes back to: one of our own pages only. */
function backTo(back: string | undefined, fallback: string): string {
  return back && /^\/incidents(\/[0-9a-f-]{36})?(#silences)?$/.test(back) ? back : fallback;
}

export function incidentsPages(deps: AppDeps) {
  const { db, config } = deps;
  const Form = t.Object({ _csrf: t.Optional(t.String()) });
  /** An action's answer: to htmx, nothing but "refresh now"; to a plain form, back to the page with a flash. */
  const done = (ctx: { request: Request; cookie: Parameters<typeof setFlash>[0] }, text: string, back: string): Response => {
    if (isHtmx(ctx.request)) return new Response(null, { status: 204, headers: { 'hx-trigger': INCIDENTS_CHANGED_EVENT } });
    setFlash(ctx.cookie, { kind: 'ok', text });
    return redirect(back);
  };
  return new Elysia({ name: 'incidents-pages' })
    .get(
      '/incidents',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const opts = await choices(db, caller);
        const [live, silences] = await Promise.all([loadLive(db, caller, ctx.query), loadSilences(db, caller, opts)]);
        const body = <IncidentsPage live={live} clusters={opts.clusters} orgs={opts.orgs} silences={silences} />;
        return renderPage(caller, ctx.cookie, { title: 'Incidents', active: 'incidents', body });
      },
      { query: ListQuery },
    )
    .get('/incidents/live', async (ctx) => <IncidentsLive {...(await loadLive(db, await requireCaller(db, ctx), ctx.query))} />, { query: ListQuery })
    .get('/incidents/count', async (ctx) => {
      const counts = await countOpenInScope(db, (await requireCaller(db, ctx)).scopeOrgIds);
      const worst = worstSeverity(SEVERITIES.filter((s) => counts.bySeverity[s] > 0));
      return <NavIncidentCount total={counts.total} worst={worst} />;
    })
    .get('/incidents/:id', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const incident = await requireIncident(deps, caller, ctx.params.id);
      const [transitions, opts] = await Promise.all([listTransitions(db, incident.id), choices(db, caller)]);
      const body = (
        <IncidentDetailPage
          incident={incidentRow(incident)}
          transitions={transitions.map((r) => ({ kind: r.kind, severity: r.severity, at: r.at, actor: r.actorEmail, note: r.note }))}
          canAct={caller.orgs.some((o) => o.id === incident.orgId && roleAtLeast(o.role, 'member'))}
          csrfToken={csrf(caller)}
          {...opts}
        />
      );
      return renderPage(caller, ctx.cookie, { title: incident.title, active: 'incidents', body });
    })
    .post(
      '/incidents/:id/acknowledge',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const incident = await requireIncident(deps, caller, ctx.params.id, 'member');
        const res = await acknowledgeIncident(db, actorOf(caller, ctx, config.trustProxy), incident, new Date());
        return done(ctx, res.ok ? 'Incident acknowledged.' : 'Already acknowledged or resolved.', `/incidents/${incident.id}`);
      },
      { body: Form },
    )
    .post(
      '/incidents/:id/resolve',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const note = checkNote(ctx.body.note);
        const incident = await requireIncident(deps, caller, ctx.params.id, 'member');
        const res = await resolveIncidentByHand(db, actorOf(caller, ctx, config.trustProxy), incident, note, new Date());
        return done(ctx, res.ok ? 'Incident resolved.' : 'The incident was resolved already.', `/incidents/${incident.id}`);
      },
      { body: t.Object({ note: t.String({ maxLength: 1000 }), _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/incidents/silences',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const now = new Date();
        const checked = await checkSilence(db, caller, ctx.body, now);
        await silence(db, actorOf(caller, ctx, config.trustProxy), checked.silence, checked.subtree, now);
        return done(ctx, 'Silence created.', backTo(ctx.body.back, '/incidents#silences'));
      },
      {
        body: t.Object({
          orgId: t.Optional(t.String({ maxLength: 64 })),
          clusterId: t.Optional(t.String({ maxLength: 64 })),
          kind: t.Optional(t.String({ maxLength: 64 })),
          workload: t.Optional(t.String({ maxLength: 400 })),
          environment: t.Optional(t.String({ maxLength: 20 })),
          durationMinutes: t.Optional(t.String({ maxLength: 10 })),
          comment: t.String({ maxLength: 500 }),
          back: t.Optional(t.String({ maxLength: 200 })),
          _csrf: t.Optional(t.String()),
        }),
      },
    )
    .post(
      '/incidents/silences/:id/expire',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const found = await findSilence(db, caller.scopeOrgIds, ctx.params.id);
        if (found) {
          requireOrg(caller, found.orgId, 'member');
          const subtree = (o: string) => subtreeOf(caller.orgs, o).map((x) => x.id);
          await expireSilenceNow(db, actorOf(caller, ctx, config.trustProxy), caller.scopeOrgIds, found.id, subtree, new Date());
        }
        return done(ctx, found ? 'Silence expired.' : 'No such silence.', '/incidents#silences');
      },
      { body: Form },
    )
    .get('/settings/incidents', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const rows = await Promise.all(
        caller.orgs.map(async (o) => ({ orgId: o.id, orgName: o.name, canEdit: roleAtLeast(o.role, 'admin'), ...(await thresholdsFor(db, o.id)) })),
      );
      return renderPage(caller, ctx.cookie, {
        title: 'Incident settings',
        active: 'settings',
        body: <IncidentSettingsPage rows={rows} csrfToken={csrf(caller)} />,
      });
    })
    .post(
      '/settings/incidents',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.body.orgId, 'admin');
        const seconds = (field: string, v: string | undefined): number | undefined => {
          if (v === undefined || v.trim() === '') return undefined;
          if (!/^\d{1,6}$/.test(v.trim())) throw badRequest(`${field}: a whole number of minutes`);
          return Number(v) * 60;
        };
        const value = checkThresholds(
          {
            pendingAfterSeconds: seconds('pendingMinutes', ctx.body.pendingMinutes),
            unavailableAfterSeconds: seconds('unavailableMinutes', ctx.body.unavailableMinutes),
          },
          await thresholdsFor(db, org.id),
        );
        await saveThresholds(db, actorOf(caller, ctx, config.trustProxy), org.id, value);
        setFlash(ctx.cookie, { kind: 'ok', text: `Thresholds of ${org.name} saved.` });
        return redirect('/settings/incidents');
      },
      {
        body: t.Object({
          orgId: t.String({ maxLength: 64 }),
          pendingMinutes: t.Optional(t.String({ maxLength: 10 })),
          unavailableMinutes: t.Optional(t.String({ maxLength: 10 })),
          _csrf: t.Optional(t.String()),
        }),
      },
    );
}
