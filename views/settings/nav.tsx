import Html from '@kitajs/html';

export type SettingsTab = 'profile' | 'tokens' | 'members' | 'orgs' | 'incidents' | 'notifications' | 'registries' | 'integrations' | 'audit';

const TABS: { key: SettingsTab; href: string; label: string }[] = [
  { key: 'profile', href: '/settings/profile', label: 'Profile' },
  { key: 'tokens', href: '/settings/tokens', label: 'API tokens' },
  { key: 'members', href: '/settings/members', label: 'Members' },
  { key: 'orgs', href: '/settings/orgs', label: 'Organizations' },
  { key: 'incidents', href: '/settings/incidents', label: 'Incidents' },
  { key: 'notifications', href: '/settings/notifications', label: 'Notifications' },
  { key: 'registries', href: '/settings/registries', label: 'Registries' },
  { key: 'integrations', href: '/settings/integrations', label: 'Integrations' },
  { key: 'audit', href: '/settings/audit', label: 'Audit log' },
];

export function SettingsNav(props: { active: SettingsTab }): JSX.Element {
  return (
    <nav class="tabs">
      {TABS.map((t) => (
        <a href={t.href} class={t.key === props.active ? 'active' : ''} safe>
          {t.label}
        </a>
      ))}
    </nav>
  );
}
