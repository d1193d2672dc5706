// A channel as an operator writes it (one flat input for the API and the form), checked field by field before
// anything is written, its secrets sealed with the server key, and as the API shows it (secrets masked).
import type { SecretBox } from '../security/encryption';
import { ENVIRONMENTS } from '../clusters/vocabulary';
import { INCIDENT_KINDS, SEVERITIES, type Severity } from '../incidents/vocabulary';
import type { NotificationChannel } from './schema';
import {
  DEFAULT_PAGERDUTY_URL,
  DEFAULT_RULE,
  MAX_GROUP_WAIT_SECONDS,
  MAX_REPEAT_MINUTES,
  MIN_REPEAT_MINUTES,
  SECRET_NAMES,
  SMTP_TLS_MODES,
  type ChannelSettings,
  type ChannelType,
  type RoutingRule,
  type SmtpTlsMode,
} from './vocabulary';

/** Every field a channel is written with; which apply depends on its type (the README lists them). */
export type ChannelInput = {
  name?: string;
  enabled?: boolean;
  /** webhook: where to POST; pagerduty: the Events API endpoint (default PagerDuty's). */
  url?: string;
  /** webhook: the HMAC secret. */
  secret?: string;
  /** slack: the incoming-webhook URL (a secret: whoever has it can post). */
  slackUrl?: string;
  /** pagerduty: the integration's routing key. */
  routingKey?: string;
  smtpHost?: string;
  smtpPort?: number;
  smtpTls?: string;
  smtpUser?: string;
  smtpPassword?: string;
  from?: string;
  to?: string[];
  minSeverity?: string;
  environments?: string[];
  kinds?: string[];
  clusterIds?: string[];
  onOpen?: boolean;
  onAcknowledge?: boolean;
  onResolve?: boolean;
  repeatMinutes?: number;
  groupWaitSeconds?: number;
};

export type CheckedChannel = {
  name: string;
  enabled: boolean;
  settings: ChannelSettings;
  /** Only the secrets the input set (an edit that leaves one out keeps the stored one). */
  secrets: Record<string, string>;
  rule: RoutingRule;
};

export type CheckResult = { ok: true; channel: CheckedChannel } | { ok: false; message: string };

const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;
const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[?[0-9a-fA-F:.]+\]?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_RECIPIENTS = 20;

/** An http(s) URL, or the problem with it. The host is not resolved here: see the README on SSRF. */
export function checkUrl(raw: string): string | null {
  if (raw.length > 2048) return 'must be at most 2048 characters';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must be an http or https URL (got ${u.protocol.replace(':', '')})`;
  if (!u.hostname) return 'must name a host';
  return null;
}

function fail(field: string, problem: string): CheckResult {
  return { ok: false, message: `${field}: ${problem}` };
}

/** Checks what one list field holds against a closed list of words. */
function checkWords(field: string, values: string[] | undefined, allowed: readonly string[]): string | null {
  if (!values) return null;
  if (values.length > 50) return `${field}: at most 50 values`;
  const bad = values.find((v) => !allowed.includes(v));
  return bad === undefined ? null : `${field}: "${bad.slice(0, 40)}" is not one of ${allowed.join(', ')}`;
}

function checkRule(input: ChannelInput, base: RoutingRule): { ok: true; rule: RoutingRule } | { ok: false; message: string } {
  if (input.minSeverity !== undefined && !SEVERITIES.includes(input.minSeverity as Severity))
    return { ok: false, message: `minSeverity: must be one of ${SEVERITIES.join(', ')}` };
  const words = checkWords('environments', input.environments, ENVIRONMENTS) ?? checkWords('kinds', input.kinds, INCIDENT_KINDS);
  if (words) return { ok: false, message: words };
  if (input.clusterIds && input.clusterIds.length > 100) return { ok: false, message: 'clusterIds: at most 100 clusters' };
  const badId = input.clusterIds?.find((id) => !UUID.test(id));
  if (badId !== undefined) return { ok: false, message: `clusterIds: "${badId.slice(0, 40)}" is not a cluster id` };
  const repeat = input.repeatMinutes ?? base.repeatMinutes;
  if (!Number.isInteger(repeat) || (repeat !== 0 && (repeat < MIN_REPEAT_MINUTES || repeat > MAX_REPEAT_MINUTES)))
    return { ok: false, message: `repeatMinutes: must be 0 (never) or a whole number from ${MIN_REPEAT_MINUTES} to ${MAX_REPEAT_MINUTES}` };
  const wait = input.groupWaitSeconds ?? base.groupWaitSeconds;
  if (!Number.isInteger(wait) || wait < 0 || wait > MAX_GROUP_WAIT_SECONDS)
    return { ok: false, message: `groupWaitSeconds: must be a whole number from 0 to ${MAX_GROUP_WAIT_SECONDS}` };
  return {
    ok: true,
    rule: {
      minSeverity: (input.minSeverity as Severity | undefined) ?? base.minSeverity,
      environments: input.environments ? [...new Set(input.environments)] : base.environments,
      kinds: input.kinds ? [...new Set(input.kinds)] : base.kinds,
      clusterIds: input.clusterIds ? [...new Set(input.clusterIds.map((c) => c.toLowerCase()))] : base.clusterIds,
      onOpen: input.onOpen ?? base.onOpen,
      onAcknowledge: input.onAcknowledge ?? base.onAcknowledge,
      onResolve: input.onResolve ?? base.onResolve,
      repeatMinutes: repeat,
      groupWaitSeconds: wait,
    },
  };
}

/** Fields that belong to another type: refused by name, so a typo never silently does nothing. */
const TYPE_FIELDS: Record<ChannelType, (keyof ChannelInput)[]> = {
  webhook: ['url', 'secret'],
  slack: ['slackUrl'],
  pagerduty: ['url', 'routingKey'],
  email: ['smtpHost', 'smtpPort', 'smtpTls', 'smtpUser', 'smtpPassword', 'from', 'to'],
};
const ALL_TYPE_FIELDS = [...new Set(Object.values(TYPE_FIELDS).flat())];

/**
 * Checks a new channel (`existing` null) or an edit of one (fields left out keep their value). Returns the
 * first problem, naming the field as the client sent it.
 */
export function checkChannel(type: ChannelType, input: ChannelInput, existing: NotificationChannel | null): CheckResult {
  const foreign = ALL_TYPE_FIELDS.find((f) => input[f] !== undefined && !TYPE_FIELDS[type].includes(f));
  if (foreign) return fail(foreign, `does not apply to a ${type} channel`);
  const name = (input.name ?? existing?.name ?? '').trim();
  if (!name) return fail('name', 'must not be empty');
  if (name.length > 100) return fail('name', 'must be at most 100 characters');
  const rule = checkRule(input, existing?.rule ?? DEFAULT_RULE);
  if (!rule.ok) return rule;
  const old = (existing?.settings ?? {}) as Record<string, unknown>;
  const secrets: Record<string, string> = {};
  const needSecret = (field: keyof ChannelInput, secretName: string, minLength: number): CheckResult | null => {
    const value = input[field] as string | undefined;
    if (value === undefined || value === '') return existing ? null : fail(field, 'is required');
    if (value.length < minLength) return fail(field, `must be at least ${minLength} characters`);
    if (value.length > 2048) return fail(field, 'must be at most 2048 characters');
    secrets[secretName] = value;
    return null;
  };
  let settings: ChannelSettings;
  if (type === 'webhook') {
    const url = input.url ?? (old.url as string | undefined) ?? '';
    if (!url) return fail('url', 'is required');
    const bad = checkUrl(url);
    if (bad) return fail('url', bad);
    const s = needSecret('secret', 'secret', 16);
    if (s) return s;
    settings = { url };
  } else if (type === 'slack') {
    if (input.slackUrl) {
      const bad = checkUrl(input.slackUrl);
      if (bad) return fail('slackUrl', bad);
    }
    const s = needSecret('slackUrl', 'url', 12);
    if (s) return s;
    settings = {};
  } else if (type === 'pagerduty') {
    const url = input.url ?? (old.url as string | undefined) ?? DEFAULT_PAGERDUTY_URL;
    const bad = checkUrl(url);
    if (bad) return fail('url', bad);
    const s = needSecret('routingKey', 'routingKey', 8);
    if (s) return s;
    settings = { url };
  } else {
    const host = (input.smtpHost ?? (old.host as string | undefined) ?? '').trim();
    if (!host) return fail('smtpHost', 'is required');
    if (!HOST.test(host)) return fail('smtpHost', 'must be a host name or IP address');
    const tls = (input.smtpTls ?? (old.tls as string | undefined) ?? 'starttls') as SmtpTlsMode;
    if (!SMTP_TLS_MODES.includes(tls)) return fail('smtpTls', `must be one of ${SMTP_TLS_MODES.join(', ')}`);
    const port = input.smtpPort ?? (old.port as number | undefined) ?? (tls === 'tls' ? 465 : 587);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return fail('smtpPort', 'must be a whole number from 1 to 65535');
    const user = input.smtpUser !== undefined ? input.smtpUser.trim() || null : ((old.user as string | null | undefined) ?? null);
    if (user && user.length > 254) return fail('smtpUser', 'must be at most 254 characters');
    if (input.smtpPassword) {
      if (input.smtpPassword.length > 1024) return fail('smtpPassword', 'must be at most 1024 characters');
      secrets.password = input.smtpPassword;
    }
    const from = (input.from ?? (old.from as string | undefined) ?? '').trim();
    if (!EMAIL.test(from) || from.length > 254) return fail('from', 'must be an e-mail address');
    const to = input.to ? input.to.map((a) => a.trim()).filter(Boolean) : ((old.to as string[] | undefined) ?? []);
    if (to.length === 0) return fail('to', 'must name at least one recipient');
    if (to.length > MAX_RECIPIENTS) return fail('to', `at most ${MAX_RECIPIENTS} recipients`);
    const badTo = to.find((a) => !EMAIL.test(a) || a.length > 254);
    if (badTo !== undefined) return fail('to', `"${badTo.slice(0, 60)}" is not an e-mail address`);
    settings = { host, port, tls, user, from, to };
  }
  return { ok: true, channel: { name, enabled: input.enabled ?? existing?.enabled ?? true, settings, secrets, rule: rule.rule } };
}

/** What a secret is sealed for: this channel's this secret (a sealed value copied elsewhere does not open). */
export function secretContext(channelId: string, name: string): string {
  return `notification-channel:${channelId}:${name}`;
}

export function sealSecrets(box: SecretBox, channelId: string, plain: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(plain).map(([name, value]) => [name, box.seal(value, secretContext(channelId, name))]));
}

export type OpenedSecrets = { ok: true; secrets: Record<string, string> } | { ok: false; name: string; reason: string };

export function openSecrets(box: SecretBox, channel: Pick<NotificationChannel, 'id' | 'secrets'>): OpenedSecrets {
  const out: Record<string, string> = {};
  for (const [name, envelope] of Object.entries(channel.secrets)) {
    const r = box.open(envelope, secretContext(channel.id, name));
    if (!r.ok) return { ok: false, name, reason: r.reason === 'other_key' ? 'sealed under another NIRO_SECRET' : r.reason };
    out[name] = r.plaintext;
  }
  return { ok: true, secrets: out };
}

/** "••••abcd": the last four characters of a long secret, so an operator can tell which one is set; nothing of a short one. */
export function maskSecret(plain: string): string {
  return plain.length >= 16 ? `••••${plain.slice(-4)}` : '••••';
}

/** Each secret the type has: masked when set, null when not (an SMTP server without a password). */
export function maskedSecrets(box: SecretBox, channel: Pick<NotificationChannel, 'id' | 'type' | 'secrets'>): Record<string, string | null> {
  const opened = openSecrets(box, channel);
  return Object.fromEntries(
    SECRET_NAMES[channel.type].map((name) => {
      if (!channel.secrets[name]) return [name, null];
      return [name, opened.ok ? maskSecret(opened.secrets[name]) : '•••• (cannot be opened: set it again)'];
    }),
  );
}
