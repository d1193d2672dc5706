import Html from '@kitajs/html';
import { assetUrl } from '../../src/http/assets';

export type NavKey = 'fleet' | 'pods' | 'incidents' | 'policies' | 'deployments' | 'settings' | 'none';

/** Who the shell is drawn for: a signed-in user gets the org switcher and their menu. */
export type ShellViewer = {
  user: { email: string; name: string };
  csrfToken: string;
  orgs: { id: string; name: string; depth: number }[];
  currentOrgId: string | null;
};

export type ShellProps = {
  title: string;
  active: NavKey;
  /** Null on pages anyone may see (an error page, the API reference) when nobody is signed in. */
  viewer: ShellViewer | null;
  flash?: { kind: 'ok' | 'error' | 'info'; text: string } | null;
  /** Extra scripts the page needs (asset names), e.g. uplot.js. */
  scripts?: string[];
  children?: JSX.Element | JSX.Element[] | string;
};

const NAV: { key: NavKey; href: string; label: string }[] = [
  { key: 'fleet', href: '/', label: 'Fleet' },
  { key: 'pods', href: '/pods', label: 'Pods' },
  { key: 'incidents', href: '/incidents', label: 'Incidents' },
  { key: 'policies', href: '/policies', label: 'Policies' },
  { key: 'deployments', href: '/deployments', label: 'Deployments' },
  { key: 'settings', href: '/settings', label: 'Settings' },
];

export function Document(props: { title: string; csrfToken?: string; scripts?: string[]; children?: JSX.Element | JSX.Element[] | string }): JSX.Element {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          {props.csrfToken ? <meta name="csrf-token" content={props.csrfToken} /> : ''}
          <title safe>{props.title} · Niro</title>
          <link rel="icon" href={assetUrl('favicon.svg')} />
          <link rel="stylesheet" href={assetUrl('app.css')} />
          {/* Not deferred: remembered table preferences apply before the first paint. */}
          <script src={assetUrl('prefs.js')}></script>
          <script src={assetUrl('htmx.js')} defer></script>
          <script src={assetUrl('hx-sse.js')} defer></script>
          <script src={assetUrl('app.js')} defer></script>
          {(props.scripts ?? []).map((s) => (s.endsWith('.css') ? <link rel="stylesheet" href={assetUrl(s)} /> : <script src={assetUrl(s)} defer></script>))}
          <script src={assetUrl('alpine.js')} defer></script>
        </head>
        <body>{props.children as 'safe'}</body>
      </html>
    </>
  );
}

/** The shell: top nav, org switcher and user menu (or a sign-in link), flash message, then the page. */
export function Shell(props: ShellProps): JSX.Element {
  const v = props.viewer;
  return (
    <Document title={props.title} csrfToken={v?.csrfToken} scripts={props.scripts}>
      <header class="top">
        <a class="brand" href="/">
          <img src={assetUrl('favicon.svg')} width="22" height="22" alt="" /> Niro
        </a>
        <nav>
          {NAV.map((n) => (
            <>
              <a href={n.href} class={n.key === props.active ? 'active' : ''} safe>
                {n.label}
              </a>
              {/* The live count of open incidents, beside its link: loaded once, then it polls itself (NavIncidentCount). */}
              {n.key === 'incidents' && v ? <span class="nav-count" hx-get="/incidents/count" hx-trigger="load" hx-swap="innerHTML" data-nav-count></span> : ''}
            </>
          ))}
        </nav>
        {v ? (
          <div class="user">
            <form method="post" action="/org-switch" class="row">
              <input type="hidden" name="_csrf" value={v.csrfToken} />
              <input type="hidden" name="back" value="" data-current-path />
              <select name="orgId" aria-label="Organization" data-autosubmit>
                <option value="" selected={v.currentOrgId === null}>
                  All organizations
                </option>
                {v.orgs.map((o) => (
                  <option value={o.id} selected={o.id === v.currentOrgId} safe>
                    {'\u00a0\u00a0'.repeat(o.depth) + o.name}
                  </option>
                ))}
              </select>
              <noscript>
                <button class="secondary">Switch</button>
              </noscript>
            </form>
            <a href="/settings/profile" class="who" title={v.user.email} safe>
              {v.user.email}
            </a>
            <form method="post" action="/logout">
              <input type="hidden" name="_csrf" value={v.csrfToken} />
              <button class="link">Sign out</button>
            </form>
          </div>
        ) : (
          <div class="user">
            <a href="/login">Sign in</a>
          </div>
        )}
      </header>
      <main>
        <div id="flash">{props.flash ? <Flash kind={props.flash.kind} text={props.flash.text} /> : ''}</div>
        {props.children as 'safe'}
      </main>
    </Document>
  );
}

export function Flash(props: { kind: 'ok' | 'error' | 'info'; text: string }): JSX.Element {
  return (
    <div class={`flash ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'} safe>
      {props.text}
    </div>
  );
}

/** An error as a page, in the shell: the navigation stays, so the way on is one click. */
export function ErrorPage(props: { status: number; message: string; viewer: ShellViewer | null }): JSX.Element {
  return (
    <Shell title={`Error ${props.status}`} active="none" viewer={props.viewer}>
      <div class="center-card panel" data-error-page>
        <h1 safe>{`Error ${props.status}`}</h1>
        <p safe>{props.message}</p>
        <p>{props.viewer ? <a href="/">Back to the fleet</a> : <a href="/login">Sign in</a>}</p>
      </div>
    </Shell>
  );
}
