// Operator input for incidents, checked once for the API and the pages: a bad value is a 400 naming the
// field as the client sent it, before anything is written.
import type { Caller } from '../http/caller';
import { badRequest } from '../http/errors';
import { textProblem } from '../http/input';
import { requireOrg, defaultOrg } from '../orgs/access';
import { subtreeOf } from '../orgs/store';
import { findCluster } from '../clusters/store';
import { ENVIRONMENTS, type Environment } from '../clusters/vocabulary';
import type { Db } from '../db/client';
import type { NewSilence } from './silences';
import { INCIDENT_KINDS, THRESHOLD_BOUNDS, type IncidentKind, type IncidentThresholds } from './vocabulary';

/** A silence lasts at most this long (a longer one is a rule change, not a silence). */
export const MAX_SILENCE_MS = 90 * 24 * 3600 * 1000;
export const NOTE_MAX = 1000;
const WORKLOAD = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z]+\/[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/;

export type SilenceInput = {
  orgId?: string;
  clusterId?: string;
  kind?: string;
  workload?: string;
  environment?: string;
  startsAt?: string;
  endsAt?: string;
  /** Alternative to endsAt (the page's select): minutes from the start. */
  durationMinutes?: number | string;
  comment: string;
};

function text(field: string, value: string, max: number): string {
  const v = value.trim();
  if (v.length === 0) throw badRequest(`${field}: must not be empty`);
  if (v.length > max) throw badRequest(`${field}: at most ${max} characters`);
  const problem = textProblem(v);
  if (problem) throw badRequest(`${field}: ${problem}`);
  return v;
}

export function checkNote(note: string | undefined): string {
  return text('note', note ?? '', NOTE_MAX);
}

function instant(field: string, v: string): Date {
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) ? new Date(v) : null;
  if (!at || Number.isNaN(at.getTime())) throw badRequest(`${field}: must be an ISO 8601 time such as 2026-12-06T18:00:00Z`);
  return at;
}

/**
 * The silence to create, in one of the caller's orgs (member or above). Empty strings count as "not set"
 * (what an HTML form sends for "any"). At least one matcher; the period ends after it starts, within 90 days.
 */
export async function checkSilence(
  db: Db,
  caller: Caller,
  input: SilenceInput,
  now: Date,
): Promise<{ silence: Omit<NewSilence, 'createdBy'>; subtree: string[] }> {
  const set = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const orgId = set(input.orgId) ?? defaultOrg(caller)?.id;
  if (!orgId) throw badRequest('orgId: you are not a member of any organization');
  const org = requireOrg(caller, orgId, 'member');
  const subtree = subtreeOf(caller.orgs, org.id).map((o) => o.id);
  let clusterId: string | null = null;
  const clusterIn = set(input.clusterId);
  if (clusterIn) {
    const cluster = await findCluster(db, clusterIn, subtree);
    if (!cluster) throw badRequest(`clusterId: no cluster ${clusterIn} in ${org.name} or its descendants`);
    clusterId = cluster.id;
  }
  const kindIn = set(input.kind);
  if (kindIn && !(INCIDENT_KINDS as readonly string[]).includes(kindIn)) throw badRequest(`kind: must be one of ${INCIDENT_KINDS.join(', ')}`);
  const envIn = set(input.environment);
  if (envIn && !(ENVIRONMENTS as readonly string[]).includes(envIn)) throw badRequest(`environment: must be one of ${ENVIRONMENTS.join(', ')}`);
  const workload = set(input.workload) ?? null;
  if (workload && (workload.length > 400 || !WORKLOAD.test(workload))) throw badRequest('workload: must be "namespace/Kind/name", e.g. shop/Deployment/web');
  if (!clusterId && !kindIn && !workload && !envIn) throw badRequest('clusterId: set at least one matcher (clusterId, kind, workload or environment)');
  const startsAt = set(input.startsAt) ? instant('startsAt', input.startsAt!.trim()) : now;
  let endsAt: Date;
  const endIn = set(input.endsAt);
  const duration = typeof input.durationMinutes === 'string' ? set(input.durationMinutes) : input.durationMinutes;
  if (endIn) endsAt = instant('endsAt', endIn);
  else if (duration !== undefined) {
    const minutes = Number(duration);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_SILENCE_MS / 60_000)
      throw badRequest(`durationMinutes: a whole number of minutes from 1 to ${MAX_SILENCE_MS / 60_000}`);
    endsAt = new Date(startsAt.getTime() + minutes * 60_000);
  } else throw badRequest('endsAt: required (or durationMinutes)');
  if (endsAt <= startsAt) throw badRequest('endsAt: must be after startsAt');
  if (endsAt <= now) throw badRequest('endsAt: must be in the future');
  if (endsAt.getTime() - startsAt.getTime() > MAX_SILENCE_MS) throw badRequest('endsAt: a silence lasts at most 90 days');
  const comment = text('comment', input.comment ?? '', 500);
  return {
    silence: {
      orgId: org.id,
      clusterId,
      kind: (kindIn as IncidentKind | undefined) ?? null,
      workload,
      environment: (envIn as Environment | undefined) ?? null,
      startsAt,
      endsAt,
      comment,
    },
    subtree,
  };
}

/** Thresholds an org admin sets, in seconds (or minutes from the settings form). */
export function checkThresholds(input: { pendingAfterSeconds?: unknown; unavailableAfterSeconds?: unknown }, current: IncidentThresholds): IncidentThresholds {
  const one = (field: keyof IncidentThresholds): number => {
    const raw = input[field];
    if (raw === undefined || raw === '') return current[field];
    const n = Number(raw);
    if (!Number.isInteger(n) || n < THRESHOLD_BOUNDS.min || n > THRESHOLD_BOUNDS.max)
      throw badRequest(`${field}: a whole number of seconds from ${THRESHOLD_BOUNDS.min} to ${THRESHOLD_BOUNDS.max}`);
    return n;
  };
  return { pendingAfterSeconds: one('pendingAfterSeconds'), unavailableAfterSeconds: one('unavailableAfterSeconds') };
}
