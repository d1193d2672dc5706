import Html from '@kitajs/html';
import { Document } from '../layout/layout';

/** `responses`: each success status with its content type and schema, as text. */
export type DocOperation = { method: string; path: string; summary: string; tag: string; parameters: string[]; body: string; responses: string };

/** One error code of the API's closed list, with its status and meaning. */
export type DocErrorCode = { code: string; status: number; meaning: string };

export function ApiDocsPage(props: { ops: DocOperation[]; errors: DocErrorCode[] }): JSX.Element {
  const tags = [...new Set(props.ops.map((o) => o.tag))];
  return (
    <Document title="API reference">
      <main>
        <h1>Niro API reference</h1>
        <p>
          Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a>. Authenticate with <code>Authorization: Bearer niro_pat_…</code>. Errors are{' '}
          <code>{'{"error":{"code","message"}}'}</code>, the code one of those below.
        </p>
        <section class="panel" id="error-codes">
          <h2>Error codes</h2>
          <table>
            <tbody>
              {props.errors.map((e) => (
                <tr>
                  <td class="mono" safe>
                    {e.code}
                  </td>
                  <td>{e.status}</td>
                  <td class="wrap" safe>
                    {e.meaning}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        {tags.map((tag) => (
          <section class="panel">
            <h2 safe>{tag}</h2>
            <table>
              <tbody>
                {props.ops
                  .filter((o) => o.tag === tag)
                  .map((o) => (
                    <tr>
                      <td class="mono">
                        <strong safe>{o.method}</strong>
                      </td>
                      <td class="mono" safe>
                        {o.path}
                      </td>
                      <td class="wrap">
                        <div safe>{o.summary}</div>
                        {o.parameters.length ? (
                          <div class="muted mono" safe>
                            {o.parameters.join(', ')}
                          </div>
                        ) : (
                          ''
                        )}
                        {o.body ? (
                          <details>
                            <summary class="muted">request body</summary>
                            <pre safe>{o.body}</pre>
                          </details>
                        ) : (
                          ''
                        )}
                        {o.responses ? (
                          <details>
                            <summary class="muted">responses</summary>
                            <pre safe>{o.responses}</pre>
                          </details>
                        ) : (
                          ''
                        )}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </section>
        ))}
      </main>
    </Document>
  );
}
