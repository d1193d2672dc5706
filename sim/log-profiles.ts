// Believable container output, one profile per kind of program: access logs, JSON services, JVM stack traces,
// Python tracebacks, klog, coloured Node output, and the occasional very long line. Deterministic per container seed.
// The profiles themselves live by family in log-profiles-apps.ts and log-profiles-infra.ts (built from
// log-lines.ts); this file names them and picks one for an image.
import type { LineGenerator, Profile } from './log-lines.ts';
import { goJson, java, nginx, nodeJs, python } from './log-profiles-apps.ts';
import { coredns, fluentBit, helm, klipperLb, klog, logfmt, niroAgent, postgres, redis, traefik } from './log-profiles-infra.ts';
import type { Random } from './random.ts';

const PROFILES: Record<string, Profile> = {
  nginx,
  goJson,
  java,
  python,
  nodeJs,
  postgres,
  redis,
  coredns,
  traefik,
  klog,
  logfmt,
  helm,
  klipperLb,
  fluentBit,
  niroAgent,
};

export function createGenerator(profile: string, random: Random, name: string): LineGenerator {
  return (PROFILES[profile] ?? goJson)(random, name);
}

/** Guess what a container runs from its image, so applied workloads get believable output too. */
export function profileForImage(image: string): string {
  const rules: [RegExp, string][] = [
    [/nginx|httpd|caddy/, 'nginx'],
    [/postgres|mysql|mariadb/, 'postgres'],
    [/redis|valkey|memcached/, 'redis'],
    [/coredns/, 'coredns'],
    [/traefik/, 'traefik'],
    [/metrics-server|kube-state|prometheus|node-exporter/, 'klog'],
    [/local-path|provisioner/, 'logfmt'],
    [/klipper-helm|helm/, 'helm'],
    [/klipper-lb/, 'klipperLb'],
    [/fluent|vector|promtail/, 'fluentBit'],
    [/niro/, 'niroAgent'],
    [/java|spring|jdk|jre|kotlin/, 'java'],
    [/python|celery|django|flask/, 'python'],
    [/node|next|express/, 'nodeJs'],
  ];
  for (const [pattern, profile] of rules) if (pattern.test(image)) return profile;
  return 'goJson';
}
