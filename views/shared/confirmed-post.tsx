import Html from '@kitajs/html';

/**
 * A form that is one secondary button: it POSTs to `action` once the page's data-confirm handler has asked
 * `confirm`. `fields` ride along as hidden inputs after the CSRF token.
 */
export function ConfirmedPost(props: { action: string; confirm: string; csrfToken: string; label: string; fields?: Record<string, string> }): JSX.Element {
  return (
    <form method="post" action={props.action} data-confirm={props.confirm}>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button class="secondary" safe>
        {props.label}
      </button>
    </form>
  );
}
