#!/bin/sh
# Niro agent installer, served by the control plane at /install.sh with its URL and the agent image
# filled in (the server replaces the two placeholders below).
#
#   curl -fsSL https://niro.example.com/install.sh | NIRO_TOKEN=<token> sh     install and enroll
#   curl -fsSL https://niro.example.com/install.sh | NIRO_ENABLE_LOGS=1 sh     grant a capability
#   curl -fsSL https://niro.example.com/install.sh | NIRO_ENABLE_LOGS=0 sh     revoke it
#
# Capabilities: NIRO_ENABLE_LOGS, NIRO_ENABLE_APPLY, NIRO_ENABLE_SELF_UPDATE — 1 applies the opt-in
# role binding, 0 deletes it, unset leaves it as it is. Re-running never needs a new token: the agent
# keeps its key in Secret niro-system/niro-agent-key. Optional: NIRO_URL (override), NIRO_LOG_LEVEL,
# NIRO_MAX_PODS, KUBECTL (kubectl binary), and kubectl's own KUBECONFIG.
#
# Design: the manifests are embedded below, byte for byte the files of deploy/agent/ (a test keeps them
# identical), so this one file is all an operator pipes into sh — no second download, and no skew
# between the script and the manifests it applies.
set -eu

KUBECTL="${KUBECTL:-kubectl}"
NAMESPACE=niro-system
niro_url="${NIRO_URL:-__NIRO_URL__}"
agent_image='__AGENT_IMAGE__'

say() { printf 'niro: %s\n' "$*" >&2; }
fail() {
  say "error: $*"
  exit 1
}

case "$niro_url" in
  __*__) fail "this script was not served by a Niro control plane (NIRO_URL placeholder left); download it from your control plane" ;;
  http://* | https://*) ;;
  *) fail "NIRO_URL must start with http:// or https:// (got: $niro_url)" ;;
esac
case "$niro_url" in
  *[!A-Za-z0-9:/._~%?#@!\$\&\'\(\)\*+,\;=\[\]-]*) fail "NIRO_URL contains characters a URL cannot: $niro_url" ;;
esac
case "$agent_image" in
  __*__) fail "this script was not served by a Niro control plane (agent image placeholder left)" ;;
esac
case "${NIRO_MAX_PODS:-0}" in
  *[!0-9]*) fail "NIRO_MAX_PODS must be a whole number" ;;
esac
case "${NIRO_LOG_LEVEL:-info}" in
  debug | info | warn | error) ;;
  *) fail "NIRO_LOG_LEVEL must be debug, info, warn or error" ;;
esac
check_flag() {
  case "$2" in
    '' | 0 | 1) ;;
    *) fail "$1 must be 1 (enable) or 0 (revoke), got: $2" ;;
  esac
}
check_flag NIRO_ENABLE_PODS "${NIRO_ENABLE_PODS:-}"
check_flag NIRO_ENABLE_LOGS "${NIRO_ENABLE_LOGS:-}"
check_flag NIRO_ENABLE_APPLY "${NIRO_ENABLE_APPLY:-}"
check_flag NIRO_ENABLE_SELF_UPDATE "${NIRO_ENABLE_SELF_UPDATE:-}"

command -v "$KUBECTL" >/dev/null 2>&1 || fail "kubectl not found (set KUBECTL to its path)"
"$KUBECTL" get --raw /version >/dev/null 2>&1 || fail "kubectl cannot reach the cluster: check KUBECONFIG and the current context"

manifest_namespace() {
  cat <<'NIRO_EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: niro-system
  labels:
    app.kubernetes.io/name: niro-agent
    app.kubernetes.io/part-of: niro
NIRO_EOF
}

manifest_rbac() {
  cat <<'NIRO_EOF'
# The agent's identity and its roles. Bindings of the opt-in roles (logs, apply, self-update) are in
# capability-*.yaml, applied or deleted by install.sh's NIRO_ENABLE_* flags; a role without a binding
# grants nothing. The agent detects what it may do with SelfSubjectAccessReview (allowed for every
# authenticated identity by the default system:basic-user role), so granting or revoking by hand works too.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: niro-agent
  namespace: niro-system
  labels:
    app.kubernetes.io/name: niro-agent
---
# Read-only by default: exactly the documented rules.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: niro-agent
  labels:
    app.kubernetes.io/name: niro-agent
rules:
  - apiGroups: [""]
    resources: ["nodes", "pods", "namespaces", "events"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["apps"]
    resources: ["deployments", "statefulsets", "daemonsets", "replicasets"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["batch"]
    resources: ["jobs", "cronjobs"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["policy"]
    resources: ["poddisruptionbudgets"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["metrics.k8s.io"]
    resources: ["nodes", "pods"]
    verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: niro-agent
  labels:
    app.kubernetes.io/name: niro-agent
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: niro-agent
subjects:
  - kind: ServiceAccount
    name: niro-agent
    namespace: niro-system
---
# The agent keeps its key in Secret niro-agent-key. RBAC can't name an object that doesn't exist yet
# for "create", so create is unrestricted in this namespace; reading and updating are limited to the key.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: niro-agent-key
  namespace: niro-system
  labels:
    app.kubernetes.io/name: niro-agent
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["niro-agent-key"]
    verbs: ["get", "update"]
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: niro-agent-key
  namespace: niro-system
  labels:
    app.kubernetes.io/name: niro-agent
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: niro-agent-key
subjects:
  - kind: ServiceAccount
    name: niro-agent
    namespace: niro-system
---
# Opt-in (NIRO_ENABLE_LOGS=1): read container logs, and pod metrics.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: niro-agent-logs
  labels:
    app.kubernetes.io/name: niro-agent
rules:
  - apiGroups: [""]
    resources: ["pods/log"]
    verbs: ["get"]
  - apiGroups: ["metrics.k8s.io"]
    resources: ["pods"]
    verbs: ["get", "list"]
---
# Opt-in (NIRO_ENABLE_APPLY=1): write the namespaced resources Niro manages, and list/watch them so the
# agent sees drift on what it applied (it watches only objects labelled app.kubernetes.io/managed-by=niro,
# metadata only: it never reads a Secret's data). Namespaces may be created or patched by an apply, never
# deleted: the delete verb is absent on purpose.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: niro-agent-apply
  labels:
    app.kubernetes.io/name: niro-agent
rules:
  - apiGroups: [""]
    resources: ["services", "configmaps", "secrets", "serviceaccounts"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: ["apps"]
    resources: ["deployments", "statefulsets", "daemonsets"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: ["networking.k8s.io"]
    resources: ["ingresses"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: ["batch"]
    resources: ["jobs", "cronjobs"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: ["policy"]
    resources: ["poddisruptionbudgets"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: [""]
    resources: ["namespaces"]
    verbs: ["create", "update", "patch"]
---
# Opt-in (NIRO_ENABLE_SELF_UPDATE=1): patch the agent's own Deployment, nothing else.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: niro-agent-self-update
  namespace: niro-system
  labels:
    app.kubernetes.io/name: niro-agent
rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    resourceNames: ["niro-agent"]
    verbs: ["get", "patch"]
NIRO_EOF
}

manifest_deployment() {
  cat <<'NIRO_EOF'
# The agent. The image placeholder is replaced by the control plane when it serves install.sh. NIRO_URL and
# tuning come from ConfigMap niro-agent-config, the enrollment token from Secret niro-enrollment (only
# needed until the agent has stored its key in Secret niro-agent-key).
apiVersion: apps/v1
kind: Deployment
metadata:
  name: niro-agent
  namespace: niro-system
  labels:
    app.kubernetes.io/name: niro-agent
    app.kubernetes.io/part-of: niro
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: niro-agent
  strategy:
    # A self-update keeps the old agent until the new one runs: a bad image never leaves the cluster dark.
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: niro-agent
    spec:
      serviceAccountName: niro-agent
      automountServiceAccountToken: true
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: niro-agent
          image: __AGENT_IMAGE__
          imagePullPolicy: IfNotPresent
          env:
            # Bun's fetch only trusts an extra CA given at process start; this is the cluster's CA.
            - name: NODE_EXTRA_CA_CERTS
              value: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: NIRO_URL
              valueFrom:
                configMapKeyRef:
                  name: niro-agent-config
                  key: NIRO_URL
            - name: NIRO_LOG_LEVEL
              valueFrom:
                configMapKeyRef:
                  name: niro-agent-config
                  key: NIRO_LOG_LEVEL
                  optional: true
            - name: NIRO_MAX_PODS
              valueFrom:
                configMapKeyRef:
                  name: niro-agent-config
                  key: NIRO_MAX_PODS
                  optional: true
            - name: NIRO_TOKEN
              valueFrom:
                secretKeyRef:
                  name: niro-enrollment
                  key: token
                  optional: true
          # Memory grows with the cluster: ~70 MiB idle, ~110 MiB at 1000 pods, ~200 MiB at the 5000
          # pods a heartbeat carries at most (bun run bench agent); the limit leaves room above that.
          resources:
            requests:
              cpu: 50m
              memory: 96Mi
            limits:
              cpu: 500m
              memory: 320Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 16Mi
NIRO_EOF
}

manifest_capability_logs() {
  cat <<'NIRO_EOF'
# NIRO_ENABLE_LOGS=1 applies this binding; NIRO_ENABLE_LOGS=0 deletes it.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: niro-agent-logs
  labels:
    app.kubernetes.io/name: niro-agent
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: niro-agent-logs
subjects:
  - kind: ServiceAccount
    name: niro-agent
    namespace: niro-system
NIRO_EOF
}

manifest_capability_apply() {
  cat <<'NIRO_EOF'
# NIRO_ENABLE_APPLY=1 applies this binding; NIRO_ENABLE_APPLY=0 deletes it.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: niro-agent-apply
  labels:
    app.kubernetes.io/name: niro-agent
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: niro-agent-apply
subjects:
  - kind: ServiceAccount
    name: niro-agent
    namespace: niro-system
NIRO_EOF
}

manifest_capability_self_update() {
  cat <<'NIRO_EOF'
# NIRO_ENABLE_SELF_UPDATE=1 applies this binding; NIRO_ENABLE_SELF_UPDATE=0 deletes it.
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: niro-agent-self-update
  namespace: niro-system
  labels:
    app.kubernetes.io/name: niro-agent
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: niro-agent-self-update
subjects:
  - kind: ServiceAccount
    name: niro-agent
    namespace: niro-system
NIRO_EOF
}

# The agent's settings. Values are validated above, so quoting them in YAML is safe.
manifest_config() {
  cat <<NIRO_EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: niro-agent-config
  namespace: $NAMESPACE
  labels:
    app.kubernetes.io/name: niro-agent
data:
  NIRO_URL: "$niro_url"
  NIRO_LOG_LEVEL: "${NIRO_LOG_LEVEL:-info}"
NIRO_EOF
  if [ -n "${NIRO_MAX_PODS:-}" ]; then
    printf '  NIRO_MAX_PODS: "%s"\n' "$NIRO_MAX_PODS"
  fi
}

# Created (not applied) so the token never lands in a last-applied-configuration annotation, and fed
# on stdin so it never appears in a process list.
manifest_token() {
  cat <<NIRO_EOF
apiVersion: v1
kind: Secret
metadata:
  name: niro-enrollment
  namespace: $NAMESPACE
  labels:
    app.kubernetes.io/name: niro-agent
type: Opaque
data:
  token: $1
NIRO_EOF
}

# Applies the manifest given as $1; $configured says whether kubectl changed an existing object. Not fed
# through a pipe: the right side of a pipe runs in a subshell, which would lose $configured.
configured=no
apply() {
  output=$(printf '%s\n' "$1" | "$KUBECTL" apply -f -) || fail "kubectl apply failed"
  printf '%s\n' "$output" | sed 's/^/  /' >&2
  case "$output" in
    *" configured"*) configured=yes ;;
    *) configured=no ;;
  esac
}

# Settings reach the agent as environment, read at start: a changed ConfigMap or token needs a restart.
restart=no

say "installing the Niro agent (control plane: $niro_url)"
apply "$(manifest_namespace)"
apply "$(manifest_rbac)"
apply "$(manifest_config)"
restart=$configured

if [ -n "${NIRO_TOKEN:-}" ]; then
  encoded=$(printf '%s' "$NIRO_TOKEN" | base64 | tr -d '\n')
  current=$("$KUBECTL" -n "$NAMESPACE" get secret niro-enrollment -o 'jsonpath={.data.token}' 2>/dev/null || true)
  if [ "$encoded" != "$current" ]; then
    "$KUBECTL" -n "$NAMESPACE" delete secret niro-enrollment --ignore-not-found >/dev/null
    manifest_token "$encoded" | "$KUBECTL" create -f - >/dev/null || fail "cannot create Secret $NAMESPACE/niro-enrollment"
    say "enrollment token stored in Secret $NAMESPACE/niro-enrollment"
    restart=yes
  fi
fi

existed=no
if "$KUBECTL" -n "$NAMESPACE" get deployment niro-agent >/dev/null 2>&1; then existed=yes; fi
apply "$(manifest_deployment)"

# 1 applies the binding, 0 deletes it, empty (flag unset) leaves it alone.
set_capability() {
  value=$1 kind=$2 name=$3 manifest=$4
  case "$value" in
    1)
      apply "$("$manifest")"
      say "$name: enabled"
      ;;
    0)
      if [ "$kind" = rolebinding ]; then
        "$KUBECTL" -n "$NAMESPACE" delete rolebinding "$name" --ignore-not-found >/dev/null
      else
        "$KUBECTL" delete clusterrolebinding "$name" --ignore-not-found >/dev/null
      fi
      say "$name: revoked"
      ;;
  esac
}
set_capability "${NIRO_ENABLE_LOGS:-}" clusterrolebinding niro-agent-logs manifest_capability_logs
set_capability "${NIRO_ENABLE_APPLY:-}" clusterrolebinding niro-agent-apply manifest_capability_apply
set_capability "${NIRO_ENABLE_SELF_UPDATE:-}" rolebinding niro-agent-self-update manifest_capability_self_update
if [ "${NIRO_ENABLE_PODS:-}" = 0 ]; then
  say "note: pod inventory is part of the agent's read-only role and stays on"
fi

# A changed Deployment rolls out by itself; changed settings need a restart of an agent that was already
# running. Capabilities need neither — the agent re-checks its RBAC on every heartbeat.
if [ "$existed" = yes ] && [ "$restart" = yes ]; then
  "$KUBECTL" -n "$NAMESPACE" rollout restart deployment/niro-agent >/dev/null || fail "cannot restart the agent"
  say "agent restarted to pick up the new settings"
fi

say "done: the agent reports to $niro_url within about 15 seconds (kubectl -n $NAMESPACE logs deploy/niro-agent)"
