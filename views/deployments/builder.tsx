import Html from '@kitajs/html';
import { ENVIRONMENTS, type Environment } from '../../src/clusters/vocabulary';
import type { BuildFinding } from '../../src/deployments/builder-render';
import { SeverityBadge } from '../policies/findings';

/** The preview beside the form; its own route (POST /deployments/new/preview) answers this element's content. */
export const BUILDER_PREVIEW_ID = 'builder-preview';
export const BUILDER_FORM_ID = 'builder-form';
/** Rows of the repeated fields the form shows (blank rows are ignored). */
export const PORT_ROWS = 3;
export const ENV_ROWS = 5;

export type BuilderPreviewProps = { ok: true; yaml: string; findings: BuildFinding[] } | { ok: false; field: string; message: string };

/** The generated YAML and its build-time findings, or the first problem of the form, naming its field. */
export function BuilderPreview(props: BuilderPreviewProps): JSX.Element {
  if (!props.ok) {
    return (
      <div class="flash error" data-builder-error={props.field}>
        <strong safe>{props.field}</strong>: <span safe>{props.message}</span>
      </div>
    );
  }
  return (
    <>
      <h2>
        Policy findings <span class="muted small" safe>{`(${props.findings.length})`}</span>
      </h2>
      {props.findings.length === 0 ? (
        <p class="muted" data-no-findings>
          No findings: this passes every enabled rule.
        </p>
      ) : (
        <div data-findings>
          {props.findings.map((f) => (
            <details class="finding panel" data-rule={f.ruleId}>
              <summary class="row">
                <SeverityBadge severity={f.severity} />
                <strong safe>{f.title}</strong>
                <span class="muted small" safe>
                  {f.message}
                </span>
              </summary>
              <p safe>{f.why}</p>
              <pre class="fix" data-fix safe>
                {f.fix}
              </pre>
            </details>
          ))}
        </div>
      )}
      <h2>YAML</h2>
      <pre class="yaml" data-yaml safe>
        {props.yaml}
      </pre>
    </>
  );
}

export type BuilderChoices = {
  orgs: { id: string; name: string }[];
  registries: { id: string; name: string; server: string }[];
  clusters: { id: string; name: string; environment: string }[];
};

/** The form's values as the HTML inputs name them (`ports.0.containerPort`), strings throughout. */
export type BuilderValues = Record<string, string | string[]>;

export const NEW_BUILDER_VALUES: BuilderValues = { namespace: 'default', replicas: '1', 'service.type': 'ClusterIP', environment: 'production' };

function Field(props: {
  name: string;
  label: string;
  values: BuilderValues;
  type?: string;
  placeholder?: string;
  required?: boolean;
  max?: number;
}): JSX.Element {
  const v = props.values[props.name];
  return (
    <label>
      <span safe>{props.label}</span>
      <input
        type={props.type ?? 'text'}
        name={props.name}
        value={Array.isArray(v) ? (v[0] ?? '') : (v ?? '')}
        placeholder={props.placeholder ?? ''}
        required={props.required ?? false}
        maxlength={String(props.max ?? 253)}
        autocomplete="off"
      />
    </label>
  );
}

function Choice(props: { name: string; label: string; values: BuilderValues; options: readonly (readonly [string, string])[] }): JSX.Element {
  const v = props.values[props.name];
  const current = Array.isArray(v) ? v[0] : v;
  return (
    <label>
      <span safe>{props.label}</span>
      <select name={props.name}>
        {props.options.map(([value, text]) => (
          <option value={value} selected={current === value} safe>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function Probe(props: { name: 'livenessProbe' | 'readinessProbe'; label: string; values: BuilderValues }): JSX.Element {
  const p = props.name;
  return (
    <fieldset>
      <legend safe>{props.label}</legend>
      <div class="grid">
        <Choice
          name={`${p}.type`}
          label="Check"
          values={props.values}
          options={[
            ['none', 'none'],
            ['http', 'HTTP GET'],
            ['tcp', 'TCP connect'],
            ['exec', 'command'],
          ]}
        />
        <Field name={`${p}.path`} label="HTTP path" values={props.values} placeholder="/healthz" max={1024} />
        <Field name={`${p}.port`} label="Port" values={props.values} placeholder="8080" max={5} />
        <Field name={`${p}.command`} label="Command (space-separated)" values={props.values} placeholder="cat /tmp/healthy" max={1024} />
        <Field name={`${p}.periodSeconds`} label="Every (s)" values={props.values} placeholder="10" max={4} />
        <Field name={`${p}.initialDelaySeconds`} label="Initial delay (s)" values={props.values} placeholder="0" max={4} />
      </div>
    </fieldset>
  );
}

function isChecked(values: BuilderValues, name: string, value: string): boolean {
  const v = values[name];
  return Array.isArray(v) ? v.includes(value) : v === value;
}

/**
 * The builder: the form on the left, the YAML and findings on the right, refreshed as one types (debounced).
 * Submitting creates the deployment; nothing is applied before that.
 */
export function BuilderPage(props: {
  values: BuilderValues;
  choices: BuilderChoices;
  preview: BuilderPreviewProps;
  csrfToken: string;
  canCreate: boolean;
}): JSX.Element {
  const v = props.values;
  return (
    <>
      <div class="row page-head">
        <h1>New deployment</h1>
        <span class="spacer" />
        <a class="button secondary" href="/deployments">
          Back to deployments
        </a>
      </div>
      <div class="builder">
        <form
          id={BUILDER_FORM_ID}
          method="post"
          action="/deployments/new"
          class="builder-form"
          hx-post="/deployments/new/preview"
          hx-trigger="input delay:400ms, change delay:100ms"
          hx-target={`#${BUILDER_PREVIEW_ID}`}
          hx-swap="innerHTML"
        >
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <fieldset>
            <legend>Workload</legend>
            <div class="grid">
              {props.choices.orgs.length > 1 ? (
                <Choice name="orgId" label="Organization" values={v} options={props.choices.orgs.map((o) => [o.id, o.name] as const)} />
              ) : (
                <input type="hidden" name="orgId" value={props.choices.orgs[0]?.id ?? ''} />
              )}
              <Field name="name" label="Name" values={v} placeholder="web" required max={63} />
              <Field name="namespace" label="Namespace" values={v} placeholder="shop" required max={63} />
              <Field name="image" label="Image" values={v} placeholder="ghcr.io/acme/web:1.4.2" required max={512} />
              <Field name="replicas" label="Replicas" values={v} placeholder="1" max={4} />
            </div>
          </fieldset>
          <fieldset>
            <legend>Container ports</legend>
            {Array.from({ length: PORT_ROWS }, (_, i) => (
              <div class="grid">
                <Field name={`ports.${i}.containerPort`} label="Port" values={v} placeholder={i === 0 ? '8080' : ''} max={5} />
                <Field name={`ports.${i}.name`} label="Name" values={v} placeholder={i === 0 ? 'http' : ''} max={15} />
                <Choice
                  name={`ports.${i}.protocol`}
                  label="Protocol"
                  values={v}
                  options={[
                    ['TCP', 'TCP'],
                    ['UDP', 'UDP'],
                  ]}
                />
              </div>
            ))}
          </fieldset>
          <fieldset>
            <legend>Environment variables (a value, or a Secret and its key)</legend>
            {Array.from({ length: ENV_ROWS }, (_, i) => (
              <div class="grid">
                <Field name={`env.${i}.name`} label="Name" values={v} max={253} />
                <Field name={`env.${i}.value`} label="Value" values={v} max={32768} />
                <Field name={`env.${i}.secretName`} label="or Secret" values={v} max={253} />
                <Field name={`env.${i}.secretKey`} label="Key" values={v} max={253} />
              </div>
            ))}
          </fieldset>
          <fieldset>
            <legend>Resources</legend>
            <div class="grid">
              <Field name="resources.requests.cpu" label="CPU request" values={v} placeholder="100m" max={32} />
              <Field name="resources.requests.memory" label="Memory request" values={v} placeholder="128Mi" max={32} />
              <Field name="resources.limits.cpu" label="CPU limit" values={v} placeholder="500m" max={32} />
              <Field name="resources.limits.memory" label="Memory limit" values={v} placeholder="256Mi" max={32} />
            </div>
          </fieldset>
          <Probe name="livenessProbe" label="Liveness probe" values={v} />
          <Probe name="readinessProbe" label="Readiness probe" values={v} />
          <fieldset>
            <legend>Service and ingress (leave the port empty for none)</legend>
            <div class="grid">
              <Field name="service.port" label="Service port" values={v} placeholder="80" max={5} />
              <Field name="service.targetPort" label="Target port (default: first port)" values={v} max={5} />
              <Choice
                name="service.type"
                label="Type"
                values={v}
                options={[
                  ['ClusterIP', 'ClusterIP'],
                  ['NodePort', 'NodePort'],
                  ['LoadBalancer', 'LoadBalancer'],
                ]}
              />
              <Field name="ingress.host" label="Ingress host" values={v} placeholder="shop.example.com" max={253} />
              <Field name="ingress.path" label="Path" values={v} placeholder="/" max={1024} />
              <Field name="ingress.className" label="Ingress class" values={v} placeholder="traefik" max={253} />
            </div>
          </fieldset>
          <fieldset>
            <legend>Pull credentials (imagePullSecrets)</legend>
            {props.choices.registries.length === 0 ? (
              <p class="muted small">
                No registries yet: add one under <a href="/settings/registries">Settings → Registries</a> to pull private images.
              </p>
            ) : (
              props.choices.registries.map((r) => (
                <label class="inline">
                  <input type="checkbox" name="registries" value={r.id} checked={isChecked(v, 'registries', r.id)} />{' '}
                  <span safe>{`${r.name} (${r.server})`}</span>
                </label>
              ))
            )}
          </fieldset>
          <fieldset>
            <legend>Targets</legend>
            <Choice name="environment" label="Check findings as" values={v} options={ENVIRONMENTS.map((e) => [e, e] as const)} />
            <p class="muted small">Clusters this deployment goes to (chosen here, or every cluster of these environments):</p>
            <div class="row">
              {ENVIRONMENTS.filter((e: Environment) => e !== 'unspecified').map((e) => (
                <label class="inline">
                  <input type="checkbox" name="targets.environments" value={e} checked={isChecked(v, 'targets.environments', e)} /> <span>{e}</span>
                </label>
              ))}
            </div>
            <div class="row">
              {props.choices.clusters.map((c) => (
                <label class="inline">
                  <input type="checkbox" name="targets.clusterIds" value={c.id} checked={isChecked(v, 'targets.clusterIds', c.id)} />{' '}
                  <span safe>{`${c.name} (${c.environment})`}</span>
                </label>
              ))}
            </div>
          </fieldset>
          {props.canCreate ? (
            <div class="row actions">
              <button type="submit">Create deployment</button>
              <span class="muted small">Creates revision 1; applying it is the next step.</span>
            </div>
          ) : (
            ''
          )}
        </form>
        <section id={BUILDER_PREVIEW_ID} class="builder-preview" aria-live="polite">
          <BuilderPreview {...props.preview} />
        </section>
      </div>
    </>
  );
}
