// Child process for client-node.test.ts: drives the real @kubernetes/client-node against a simulator.
// It must run in its own process because Bun reads NODE_EXTRA_CA_CERTS only at start.
//
//   bun sim/client-node-probe.ts kubeconfig            (KUBECONFIG names the simulator's kubeconfig)
//   bun sim/client-node-probe.ts in-cluster <root>     (KUBERNETES_SERVICE_HOST/PORT set, files under <root>)
//
// Prints one JSON object per line: {"step":"following"} once a log follow is open, {"step":"aborted"} after
// aborting it (the parent emits the lines in between), then {"step":"done", ...} or {"step":"error", message}.
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';

function say(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const [mode, root] = process.argv.slice(2);
  const kc = new k8s.KubeConfig();
  if (mode === 'in-cluster') kc.loadFromCluster(root);
  else kc.loadFromDefault();

  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pods = await core.listPodForAllNamespaces({ limit: 500 });
  const podMetrics = await new k8s.Metrics(kc).getPodMetrics('shop');
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const review = await authz.createSelfSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop' } },
    },
  });
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const configMap: k8s.V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe-settings', namespace: 'shop' }, data: { mode: 'fast' } };
  const applied = await objects.patch(configMap, undefined, undefined, 'niro', true, k8s.PatchStrategy.ServerSideApply);

  const web = pods.items.find((p) => p.metadata?.namespace === 'shop' && p.metadata.name?.startsWith('web-'));
  if (!web?.metadata?.name) throw new Error('no web pod');
  const sink = new PassThrough();
  let received = '';
  const marker = new Promise<void>((resolve) => {
    sink.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.includes('probe marker')) resolve();
    });
  });
  const abort = await new k8s.Log(kc).log('shop', web.metadata.name, 'nginx', sink, { follow: true, tailLines: 0 });
  say({ step: 'following', pod: web.metadata.name });
  await marker;
  abort.abort();
  say({ step: 'aborted' });

  say({
    step: 'done',
    pods: pods.items.length,
    podMetrics: podMetrics.items.length,
    canGetLogs: review.status?.allowed ?? null,
    appliedManagedBy: applied.metadata?.managedFields?.[0]?.manager ?? null,
    received,
  });
}

main().catch((error: unknown) => {
  say({ step: 'error', message: error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error) });
  process.exit(1);
});
