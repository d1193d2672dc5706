// Where every table would live on a distributed Postgres (Citus): the single source of truth behind docs/scale.md,
// checked against the migrated schema by distribution.test.ts. Nothing at run time reads it; it exists so a new
// table, key or constraint cannot quietly make the schema harder to shard.
//
// Two co-location groups. Fleet data is distributed by cluster: a heartbeat (the cluster row, its inventory, usage,
// incidents, findings, timeline) then touches one shard in one transaction. Tenant-owned configuration that grows with
// tenants is distributed by org. Small tables read beside fleet data on every path (the org tree, users, per-org
// settings) are reference tables, copied to every node; sessions, leases and queues stay local on the coordinator.
//
// Citus's rules the test applies: a distributed table's primary key and every unique index include its distribution
// column; a foreign key between distributed tables stays inside one co-location group and pairs the two distribution
// columns; a distributed table may reference a reference table, never a local one; a reference table may reference only
// reference (or local) tables; a local table may reference reference or local tables, never distributed ones. What
// breaks a rule today is listed in `exceptions` (index or constraint name → the Citus migration it needs), and the test
// asserts that list exactly, so a fixed one must be removed and a new one must be written down.

/** The two co-location groups, named by the column that routes a row to its shard. */
export type DistributionKey = 'cluster_id' | 'org_id';

export type Placement =
  | {
      kind: 'distributed';
      by: DistributionKey;
      /** The table's own column holding the key, when it is not named `by` (clusters: its `id`). */
      column?: string;
      why: string;
      /** The table has no such column yet: what adding it takes. */
      lacksColumn?: string;
      exceptions?: Record<string, string>;
    }
  | { kind: 'reference'; why: string; exceptions?: Record<string, string> }
  | { kind: 'local'; why: string; exceptions?: Record<string, string> };

/** The Citus migration of a distributed table whose primary key is a bare id (uuid or bigserial). */
const PK_WITH_KEY = 'primary key becomes (key, id): ids stay unique, lookups by id alone fan out unless they also name the key';

const FK_CROSS_GROUP = 'crosses co-location groups: drop the constraint and delete the children explicitly where the parent is deleted';

export const DISTRIBUTION: Readonly<Record<string, Placement>> = {
  // --- Fleet data: distributed by cluster (co-located with clusters.id). ---
  clusters: {
    kind: 'distributed',
    by: 'cluster_id',
    column: 'id',
    why: 'one row per cluster, updated by every beat in the same transaction as the beat’s inventory and usage',
    exceptions: {
      clusters_org_name_idx:
        'names unique per org cannot be a shard-local index: check under a per-org advisory lock, or keep (org_id, name) in a table distributed by org',
      clusters_agent_key_public_id_unique:
        'the agent key must carry the cluster id (niro_agent_<clusterId>_<secret>) so auth is a router query; today the lookup by public id fans out',
    },
  },
  enrollment_tokens: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'belongs to one cluster, cascades with it',
    exceptions: {
      enrollment_tokens_pkey: PK_WITH_KEY,
      enrollment_tokens_public_id_unique: 'token redeemed by public id before any cluster is known: carry the cluster id in the token, as for agent keys',
    },
  },
  cluster_timeline: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'per-cluster feed written by beats and jobs of that cluster',
    exceptions: { cluster_timeline_pkey: PK_WITH_KEY },
  },
  cluster_nodes: { kind: 'distributed', by: 'cluster_id', why: 'node inventory of a cluster’s latest beat' },
  cluster_pods: { kind: 'distributed', by: 'cluster_id', why: 'pod inventory of a cluster’s latest beat, the widest fleet table' },
  cluster_workloads: { kind: 'distributed', by: 'cluster_id', why: 'workload inventory of a cluster’s latest beat' },
  managed_objects: { kind: 'distributed', by: 'cluster_id', why: 'objects Niro applied, as one cluster’s agent reports them' },
  usage_samples: { kind: 'distributed', by: 'cluster_id', why: 'one row per cluster per beat: the fastest-growing table' },
  usage_rollups: { kind: 'distributed', by: 'cluster_id', why: '10-minute usage buckets per cluster' },
  usage_key_sets: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'the pod and node keys a cluster’s samples index into (the id digests the cluster id)',
    exceptions: { usage_key_sets_pkey: PK_WITH_KEY + '; joins from samples must add k.cluster_id = s.cluster_id' },
  },
  usage_key_set_uses: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'retention’s last-use index of a cluster’s key sets',
    exceptions: { usage_key_set_uses_pkey: 'primary key becomes (cluster_id, keys_id); its upsert’s conflict target with it' },
  },
  fleet_pods: { kind: 'distributed', by: 'cluster_id', why: 'the /pods index, synced per cluster by the pod index job' },
  fleet_pod_usage: { kind: 'distributed', by: 'cluster_id', why: 'latest usage per fleet_pods row, same key' },
  fleet_pod_state: { kind: 'distributed', by: 'cluster_id', why: 'per-cluster bookkeeping of the pod index' },
  org_cluster_counts: {
    kind: 'distributed',
    by: 'org_id',
    why: 'clusters per organization, kept by a row trigger on clusters at insert, delete and a change of organization: the enrolling or deleting transaction writes one row on its organization’s shard (Citus runs such a trigger only with citus.enable_unsafe_triggers; cluster creation and deletion could apply it themselves)',
  },
  fleet_pod_org_counts: {
    kind: 'distributed',
    by: 'org_id',
    why: 'pods per status per organization, kept by a trigger on fleet_pod_state: each pod index batch adds to its organizations’ rows across shards (Citus runs such a trigger only with citus.enable_unsafe_triggers; the job could apply the same sums itself)',
  },
  commands: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'a cluster’s command queue: the long-poll claims by cluster',
    exceptions: { commands_pkey: PK_WITH_KEY },
  },
  policy_findings: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'written by the beat’s rule evaluation of that cluster’s workloads',
    exceptions: { policy_findings_pkey: PK_WITH_KEY },
  },
  policy_waivers: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'read with a cluster’s findings',
    exceptions: { policy_waivers_pkey: PK_WITH_KEY },
  },
  incidents: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'opened and resolved inside the beat’s transaction; by org would make those beats two-shard transactions',
    exceptions: { incidents_pkey: PK_WITH_KEY },
  },
  incident_transitions: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'written in the same transaction as the incident change',
    exceptions: {
      incident_transitions_pkey: PK_WITH_KEY,
      incident_transitions_incident_id_incidents_id_fk: 'becomes (cluster_id, incident_id) → incidents (cluster_id, id) once that is its primary key',
    },
  },
  log_streams: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'the audit of live tails, opened against one cluster; the per-cluster cap is a router count',
    exceptions: { log_streams_pkey: PK_WITH_KEY },
  },
  deployment_targets: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'a deployment on one cluster: moved by that cluster’s command results',
    exceptions: {
      deployment_targets_deployment_id_deployments_id_fk: FK_CROSS_GROUP + ' (deployments)',
      deployment_targets_command_id_commands_id_fk:
        'becomes (cluster_id, command_id) → commands (cluster_id, id) with ON DELETE SET NULL (command_id) (Postgres 15), once that is commands’ primary key',
    },
  },
  deployment_heals: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'self-heal back-off of a deployment on one cluster, read when that cluster reports drift',
    exceptions: { deployment_heals_deployment_id_deployments_id_fk: FK_CROSS_GROUP + ' (deployments)' },
  },
  deployment_rollout_clusters: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'one cluster’s place in a deployment rollout, moved by that cluster’s results',
    // The constraint's name as Postgres keeps it: cut at 63 bytes.
    exceptions: { deployment_rollout_clusters_rollout_id_deployment_rollouts_id_f: FK_CROSS_GROUP + ' (deployment_rollouts)' },
  },
  agent_rollout_targets: {
    kind: 'distributed',
    by: 'cluster_id',
    why: 'the beat asks “is this cluster told to update?” by cluster',
    exceptions: { agent_rollout_targets_rollout_id_agent_rollouts_id_fk: FK_CROSS_GROUP + ' (agent_rollouts)' },
  },

  // --- Tenant-owned configuration: distributed by org. ---
  deployments: {
    kind: 'distributed',
    by: 'org_id',
    why: 'an org’s deployments, listed and named per org',
    exceptions: { deployments_pkey: PK_WITH_KEY },
  },
  deployment_revisions: {
    kind: 'distributed',
    by: 'org_id',
    why: 'a deployment’s manifests: the largest tenant rows, read with their deployment',
    lacksColumn: 'add org_id (backfilled from deployments), primary key (org_id, deployment_id, number), foreign key (org_id, deployment_id) → deployments',
    exceptions: {
      deployment_revisions_deployment_id_number_pk: 'gains org_id with the column',
      deployment_revisions_deployment_id_deployments_id_fk: 'gains org_id with the column',
    },
  },
  deployment_self_heal: {
    kind: 'distributed',
    by: 'org_id',
    why: 'a deployment’s self-heal switch',
    lacksColumn: 'add org_id (backfilled from deployments), primary key (org_id, deployment_id); or fold the switch into deployments',
    exceptions: {
      deployment_self_heal_pkey: 'gains org_id with the column',
      deployment_self_heal_deployment_id_deployments_id_fk: 'gains org_id with the column',
    },
  },
  deployment_rollouts: {
    kind: 'distributed',
    by: 'org_id',
    why: 'carries its deployment’s org for tenancy; listed per deployment',
    exceptions: {
      deployment_rollouts_pkey: PK_WITH_KEY,
      deployment_rollouts_one_active_idx: 'becomes (org_id, deployment_id): a deployment never changes org',
      deployment_rollouts_deployment_id_deployments_id_fk: 'becomes (org_id, deployment_id) → deployments (org_id, id)',
    },
  },
  agent_rollouts: {
    kind: 'distributed',
    by: 'org_id',
    why: 'an org’s agent self-update rollouts, one active per org',
    exceptions: { agent_rollouts_pkey: PK_WITH_KEY },
  },
  registries: {
    kind: 'distributed',
    by: 'org_id',
    why: 'an org’s pull credentials, opened when a command referencing one is delivered',
    exceptions: { registries_pkey: PK_WITH_KEY },
  },
  git_sources: {
    kind: 'distributed',
    by: 'org_id',
    why: 'a deployment’s Git source; carries the org',
    exceptions: {
      git_sources_pkey: PK_WITH_KEY + '; the webhook URL then needs the org (or the scheduler a fan-out) to find it',
      git_sources_deployment_idx: 'becomes (org_id, deployment_id)',
      git_sources_deployment_id_deployments_id_fk: 'becomes (org_id, deployment_id) → deployments (org_id, id)',
    },
  },
  git_webhook_deliveries: {
    kind: 'distributed',
    by: 'org_id',
    why: 'replay protection per Git source, pruned after a week',
    lacksColumn: 'add org_id (backfilled from git_sources), primary key (org_id, source_id, delivery_id)',
    exceptions: {
      git_webhook_deliveries_source_id_delivery_id_pk: 'gains org_id with the column',
      git_webhook_deliveries_source_id_git_sources_id_fk: 'gains org_id with the column',
    },
  },
  git_pull_requests: {
    kind: 'distributed',
    by: 'org_id',
    why: 'pull requests checked for a Git source',
    lacksColumn: 'add org_id (backfilled from git_sources), primary key (org_id, source_id, number)',
    exceptions: {
      git_pull_requests_source_id_number_pk: 'gains org_id with the column',
      git_pull_requests_source_id_git_sources_id_fk: 'gains org_id with the column',
    },
  },
  github_connections: {
    kind: 'distributed',
    by: 'org_id',
    why: 'one GitHub connection per org',
    exceptions: { github_connections_pkey: PK_WITH_KEY },
  },

  // --- Reference tables: small, read beside fleet data on every node. ---
  orgs: { kind: 'reference', why: 'the tree every scope walks with a recursive query, which Citus runs only over reference or local tables' },
  memberships: { kind: 'reference', why: 'joined with orgs in the same recursive scope query on every request' },
  users: { kind: 'reference', why: 'target of every created_by / acknowledged_by key; emails joined into lists' },
  incident_settings: { kind: 'reference', why: 'per-org thresholds joined with clusters and incidents in the status job' },
  policy_org_settings: { kind: 'reference', why: 'per-org rule settings read along the org’s ancestors by every beat’s rule evaluation' },
  incident_silences: {
    kind: 'reference',
    why: 'a handful per org, matched against incidents of every cluster',
    exceptions: {
      incident_silences_cluster_id_clusters_id_fk:
        'a reference table cannot reference a distributed one: drop it, and delete a cluster’s silences where the cluster is deleted',
    },
  },
  notification_channels: { kind: 'reference', why: 'a few per org, matched against every incident transition by the router' },

  // --- Local to the coordinator: sessions, leases, queues, bookkeeping. ---
  sessions: { kind: 'local', why: 'looked up by hash on every signed-in request; never joined with fleet data' },
  api_tokens: { kind: 'local', why: 'looked up by public id on every API request' },
  login_throttle: { kind: 'local', why: 'sign-in rate limiting shared by replicas' },
  setup_tokens: { kind: 'local', why: 'at most one row, until the first owner exists' },
  retired_agent_keys: { kind: 'local', why: 'looked up when an unknown agent key shows up' },
  log_tails: { kind: 'local', why: 'open workload tails: a few rows of stream coordination' },
  audit_events: {
    kind: 'local',
    why: 'append-only; org_id is null for events without an org, so it cannot be a distribution key (to distribute: a system org and (org_id, id) as key)',
  },
  notification_messages: { kind: 'local', why: 'the delivery queue: workers lease due rows across all orgs' },
  notification_outbox: {
    kind: 'local',
    why: 'what each channel owes, made from transitions by the router (one replica) and drained into messages',
    exceptions: {
      notification_outbox_incident_id_incidents_id_fk:
        'a local table cannot reference a distributed one: drop it, and delete an incident’s outbox rows where the incident is deleted',
    },
  },
  'drizzle.__drizzle_migrations': { kind: 'local', why: 'migration bookkeeping, applied once under the migrate lock' },
};
