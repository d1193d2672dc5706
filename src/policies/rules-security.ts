// Pod security rules: the Pod Security Standards (baseline and restricted) and Polaris's security checks.
// Containers of every type count where the standard says so (app, init and ephemeral containers).
import type { Rule } from './rule';
import { containerRule } from './rule';
import { containersOf, effective, list, obj, podSecurityContext, str, strings, num, type ContainerView } from './pod-view';
import type { PolicyInput, Violation } from './vocabulary';

/** Capabilities PSS baseline allows a container to add; anything else added is dangerous. */
export const BASELINE_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/** Sysctls PSS baseline calls safe (namespaced, cannot affect other pods). */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];

/** Volume sources PSS restricted allows. */
export const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

/** "CAP_SYS_ADMIN" and "sys_admin" name the same capability. */
function capName(s: string): string {
  return s.toUpperCase().replace(/^CAP_/, '');
}

function capabilities(c: ContainerView): { add: string[]; drop: string[] } {
  const caps = obj(c.sc.capabilities);
  return { add: strings(caps.add).map(capName), drop: strings(caps.drop).map(capName) };
}

function seLinuxBad(v: unknown): boolean {
  const o = obj(v);
  return !SELINUX_TYPES.includes(str(o.type) ?? '') || (str(o.user) ?? '') !== '' || (str(o.role) ?? '') !== '';
}

/** The pre-1.30 AppArmor annotation, one per container; PSS baseline allows only these values in it. */
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

function appArmorAnnotationsBad(input: PolicyInput): string[] {
  return Object.entries(input.template.annotations ?? {})
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION) && v !== 'runtime/default' && !v.startsWith('localhost/'))
    .map(([k, v]) => `${k.slice(APPARMOR_ANNOTATION.length)}=${v}`);
}

function podLevel(input: PolicyInput, bad: boolean, message: string): Violation | null {
  return bad ? { message, containers: [] } : null;
}

export const SECURITY_RULES: Rule[] = [
  {
    id: 'privileged',
    category: 'security',
    severity: 'high',
    title: 'Privileged container',
    why: 'A privileged container has every capability and the host’s devices: escaping to the node is one step away, and with it every other pod on the node.',
    fix: 'securityContext:\n  privileged: false',
    source: 'PSS baseline',
    check: (i) => containerRule(i, (c) => c.sc.privileged === true, 'privileged'),
  },
  {
    id: 'host-namespaces',
    category: 'security',
    severity: 'high',
    title: 'Shares the host’s network, PID or IPC namespace',
    why: 'With the host’s namespaces a pod sees the node’s network traffic and processes and can talk to host-local services, bypassing network policies.',
    fix: 'spec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false',
    source: 'PSS baseline',
    check: (i) => {
      const set = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => i.template.spec[f] === true);
      return podLevel(i, set.length > 0, `The pod sets ${set.join(', ')}`);
    },
  },
  {
    id: 'host-path-volumes',
    category: 'security',
    severity: 'high',
    title: 'Mounts a hostPath volume',
    why: 'A hostPath volume exposes the node’s file system: a pod can read other pods’ secrets or write to the node’s binaries.',
    fix: 'volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data   # or emptyDir: {} for scratch space',
    source: 'PSS baseline',
    check: (i) => {
      const vols = list(i.template.spec.volumes).filter((v) => v.hostPath !== undefined && v.hostPath !== null);
      return podLevel(i, vols.length > 0, `hostPath volumes: ${vols.map((v) => `"${str(v.name) ?? '?'}" (${str(obj(v.hostPath).path) ?? '?'})`).join(', ')}`);
    },
  },
  {
    id: 'host-ports',
    category: 'security',
    severity: 'medium',
    title: 'Binds a host port',
    why: 'A hostPort ties the pod to a port on its node: it bypasses network policies, limits where the pod can be scheduled and collides on rollouts.',
    fix: 'ports:\n  - containerPort: 8080   # no hostPort; expose it through a Service',
    source: 'PSS baseline',
    check: (i) => containerRule(i, (c) => list(c.raw.ports).some((p) => (num(p.hostPort) ?? 0) !== 0), 'hostPort set'),
  },
  {
    id: 'host-process',
    category: 'security',
    severity: 'high',
    title: 'Windows HostProcess container',
    why: 'A HostProcess container runs directly on the Windows node with the host’s privileges.',
    fix: 'securityContext:\n  windowsOptions:\n    hostProcess: false',
    source: 'PSS baseline',
    check: (i) =>
      obj(podSecurityContext(i.template.spec).windowsOptions).hostProcess === true
        ? { message: 'The pod runs as a Windows HostProcess', containers: [] }
        : containerRule(i, (c) => obj(c.sc.windowsOptions).hostProcess === true, 'Windows HostProcess'),
  },
  {
    id: 'privilege-escalation',
    category: 'security',
    severity: 'medium',
    title: 'Allows privilege escalation',
    why: 'Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent (setuid binaries), which turns a compromise into root in the container.',
    fix: 'securityContext:\n  allowPrivilegeEscalation: false',
    source: 'PSS restricted',
    check: (i) => containerRule(i, (c) => c.sc.allowPrivilegeEscalation !== false, 'allowPrivilegeEscalation is not false'),
  },
  {
    id: 'run-as-non-root',
    category: 'security',
    severity: 'medium',
    title: 'May run as root',
    why: 'Without runAsNonRoot the image decides the user, and most images run as root: a container escape then starts as root on the node.',
    fix: 'securityContext:   # pod level, or per container\n  runAsNonRoot: true\n  runAsUser: 10001',
    source: 'PSS restricted',
    check: (i) => containerRule(i, (c) => effective(c, i.template.spec, 'runAsNonRoot') !== true, 'runAsNonRoot is not true at pod or container level'),
  },
  {
    id: 'run-as-uid-0',
    category: 'security',
    severity: 'high',
    title: 'Runs as UID 0',
    why: 'runAsUser: 0 runs the process as root explicitly; root in a container is root on the node after any escape.',
    fix: 'securityContext:\n  runAsUser: 10001\n  runAsNonRoot: true',
    source: 'PSS restricted',
    check: (i) => containerRule(i, (c) => effective(c, i.template.spec, 'runAsUser') === 0, 'runAsUser is 0'),
  },
  {
    id: 'dangerous-capabilities',
    category: 'security',
    severity: 'high',
    title: 'Adds dangerous capabilities',
    why: 'Capabilities such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE give a container most of root’s power over the node’s kernel.',
    fix: 'securityContext:\n  capabilities:\n    drop: ["ALL"]\n    add: ["NET_BIND_SERVICE"]   # only what the process needs',
    source: 'PSS baseline',
    check: (i) => {
      const bad = (c: ContainerView) => capabilities(c).add.filter((a) => !BASELINE_CAPABILITIES.includes(a));
      const v = containerRule(i, (c) => bad(c).length > 0, 'capabilities added beyond the baseline');
      if (!v) return null;
      const added = [...new Set(containersOf(i.template.spec).flatMap(bad))];
      return { ...v, message: `${v.message} (${added.join(', ')})` };
    },
  },
  {
    id: 'capabilities-drop-all',
    category: 'security',
    severity: 'medium',
    title: 'Does not drop all capabilities',
    why: 'Containers start with a default set of Linux capabilities they rarely need; dropping ALL (adding back only NET_BIND_SERVICE if needed) shrinks what an attacker inherits.',
    fix: 'securityContext:\n  capabilities:\n    drop: ["ALL"]',
    source: 'PSS restricted',
    check: (i) =>
      containerRule(
        i,
        (c) => {
          const caps = capabilities(c);
          return !caps.drop.includes('ALL') || caps.add.some((a) => a !== 'NET_BIND_SERVICE');
        },
        'ALL capabilities not dropped, or more than NET_BIND_SERVICE added back',
      ),
  },
  {
    id: 'seccomp-profile',
    category: 'security',
    severity: 'medium',
    title: 'No seccomp profile',
    why: 'Without a seccomp profile every system call is allowed, including the rarely used ones most kernel exploits go through.',
    fix: 'securityContext:   # pod level\n  seccompProfile:\n    type: RuntimeDefault',
    source: 'PSS restricted',
    check: (i) => {
      if (str(obj(podSecurityContext(i.template.spec).seccompProfile).type) === 'Unconfined')
        return { message: 'The pod sets seccompProfile Unconfined', containers: [] };
      const ok = ['RuntimeDefault', 'Localhost'];
      return containerRule(
        i,
        (c) => !ok.includes(str(obj(effective(c, i.template.spec, 'seccompProfile')).type) ?? ''),
        'no RuntimeDefault or Localhost seccomp profile at pod or container level',
      );
    },
  },
  {
    id: 'apparmor-profile',
    category: 'security',
    severity: 'medium',
    title: 'AppArmor unconfined',
    why: 'An Unconfined AppArmor profile removes the mandatory access control the node applies to containers by default.',
    fix: 'securityContext:\n  appArmorProfile:\n    type: RuntimeDefault   # not Unconfined; the old annotation form: runtime/default or localhost/<profile>',
    source: 'PSS baseline',
    check: (i) => {
      if (str(obj(podSecurityContext(i.template.spec).appArmorProfile).type) === 'Unconfined')
        return { message: 'The pod sets appArmorProfile Unconfined', containers: [] };
      const annotated = appArmorAnnotationsBad(i);
      if (annotated.length) return { message: `AppArmor annotations other than runtime/default or localhost/*: ${annotated.join(', ')}`, containers: [] };
      return containerRule(i, (c) => str(obj(c.sc.appArmorProfile).type) === 'Unconfined', 'appArmorProfile Unconfined');
    },
  },
  {
    id: 'selinux-options',
    category: 'security',
    severity: 'medium',
    title: 'Custom SELinux options',
    why: 'A custom SELinux user, role or type can lift the confinement the container runtime applies.',
    fix: 'securityContext:\n  seLinuxOptions: {}   # or type: container_t, without user or role',
    source: 'PSS baseline',
    check: (i) =>
      seLinuxBad(podSecurityContext(i.template.spec).seLinuxOptions)
        ? { message: 'The pod sets custom seLinuxOptions', containers: [] }
        : containerRule(i, (c) => seLinuxBad(c.sc.seLinuxOptions), 'custom seLinuxOptions'),
  },
  {
    id: 'proc-mount',
    category: 'security',
    severity: 'medium',
    title: 'Unmasked /proc',
    why: 'procMount: Unmasked exposes kernel paths under /proc that are masked to keep containers from reading or changing the host.',
    fix: 'securityContext:\n  procMount: Default',
    source: 'PSS baseline',
    check: (i) => containerRule(i, (c) => c.sc.procMount !== undefined && c.sc.procMount !== 'Default', 'procMount is not Default'),
  },
  {
    id: 'unsafe-sysctls',
    category: 'security',
    severity: 'medium',
    title: 'Unsafe sysctls',
    why: 'Sysctls outside the safe set change kernel settings shared with every other pod on the node.',
    fix: 'securityContext:\n  sysctls: []   # only kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, … (the safe set)',
    source: 'PSS baseline',
    check: (i) => {
      const bad = list(podSecurityContext(i.template.spec).sysctls)
        .map((s) => str(s.name) ?? '?')
        .filter((n) => !SAFE_SYSCTLS.includes(n));
      return podLevel(i, bad.length > 0, `The pod sets unsafe sysctls: ${bad.join(', ')}`);
    },
  },
  {
    id: 'restricted-volume-types',
    category: 'security',
    severity: 'low',
    title: 'Volume type outside the restricted set',
    why: 'Restricted pods use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes; other types reach node or network storage directly.',
    fix: 'volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data',
    source: 'PSS restricted',
    check: (i) => {
      const bad = list(i.template.spec.volumes).filter((v) => Object.keys(v).some((k) => k !== 'name' && !RESTRICTED_VOLUME_TYPES.includes(k)));
      return podLevel(
        i,
        bad.length > 0,
        `Volumes of other types: ${bad
          .map(
            (v) =>
              `"${str(v.name) ?? '?'}" (${Object.keys(v)
                .filter((k) => k !== 'name' && !RESTRICTED_VOLUME_TYPES.includes(k))
                .join(', ')})`,
          )
          .join(', ')}`,
      );
    },
  },
  {
    id: 'read-only-root-filesystem',
    category: 'security',
    severity: 'low',
    title: 'Writable root file system',
    why: 'A writable root file system lets an attacker drop tools or change binaries inside the container; write only to mounted volumes.',
    fix: 'securityContext:\n  readOnlyRootFilesystem: true\n# and mount an emptyDir where the app writes, e.g. /tmp',
    source: 'Polaris',
    check: (i) =>
      containerRule(i, (c) => c.sc.readOnlyRootFilesystem !== true, 'root file system writable (readOnlyRootFilesystem is not true)', ['container', 'init']),
  },
  {
    id: 'automount-service-account-token',
    category: 'security',
    severity: 'low',
    title: 'Service account token mounted',
    why: 'Unless automountServiceAccountToken is false, every pod gets a token for its service account: a workload that never calls the Kubernetes API only hands whoever breaks into it a credential for the cluster. Advisory: it is fine for controllers, operators and agents that use the API, and when the ServiceAccount itself sets automountServiceAccountToken: false (the rule sees the pod template, not the ServiceAccount) — waive it then.',
    fix: 'spec:   # the pod template\n  automountServiceAccountToken: false\n# or on the ServiceAccount, for every pod that uses it:\n# automountServiceAccountToken: false',
    source: 'Polaris',
    check: (i) =>
      podLevel(
        i,
        i.template.spec.automountServiceAccountToken !== false,
        'The pod mounts its service account token (automountServiceAccountToken is not false)',
      ),
  },
];
