/** Login, then the shell: navigation for the token's role, the page, and sign-out. */
import { type ComponentType, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type ApiError, api, whenUnauthorised } from './api';
import { LanguageSwitch } from './language-switch';
import { Login } from './login';
import { type PagePath, type PageProps, pagesFor } from './pages';
import { Agreements } from './pages/agreements';
import { Analytics } from './pages/analytics';
import { Compliance } from './pages/compliance';
import { Data } from './pages/data';
import { Insight } from './pages/insight';
import { Joint } from './pages/joint';
import { Overview } from './pages/overview';
import { Reach } from './pages/reach';
import { Strategy } from './pages/strategy';
import { navigate, usePath } from './router';
import { forgetToken, type Session, storedToken } from './session';
import { ErrorBox, Loading } from './ui';

const VIEWS: Record<PagePath, ComponentType<PageProps>> = {
  overview: Overview,
  analytics: Analytics,
  insight: Insight,
  data: Data,
  agreements: Agreements,
  strategy: Strategy,
  joint: Joint,
  reach: Reach,
  compliance: Compliance,
};

export function App() {
  const { t } = useTranslation();
  const [session, setSession] = useState<Session | null>(null);
  const [reason, setReason] = useState<ApiError | null>(null);
  const [restoring, setRestoring] = useState(storedToken() !== null);
  const path = usePath();

  useEffect(() => {
    whenUnauthorised((why) => {
      setSession(null);
      setReason(why);
    });
    if (!storedToken()) return;
    api<Session>('/v1/session').then(
      (s) => (setSession(s), setRestoring(false)),
      () => setRestoring(false),
    );
  }, []);

  if (restoring) return <Loading />;
  if (!session) return <Login reason={reason} onSignedIn={(s) => (setReason(null), setSession(s))} />;

  const pages = pagesFor(session.role);
  const [section = '', ...rest] = path.split('/');
  const page = pages.find((p) => p.path === section) ?? pages[0];
  const View = page && VIEWS[page.path];
  const signOut = () => {
    forgetToken();
    setSession(null);
    setReason(null);
  };
  return (
    <div className="shell">
      <header className="top">
        <span className="brand">{t('app.title')}</span>
        <nav aria-label={t('nav.label')}>
          <ul>
            {pages.map((p) => (
              <li key={p.path}>
                <a
                  href={`/console/${p.path}`}
                  aria-current={p === page ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(p.path);
                  }}
                >
                  {t(`${p.path}.nav`)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {t('session.who', { actor: session.actor, role: t(`role.${session.role}`) })}
          {session.unit !== null && ` · ${t('session.unit', { unit: session.unit })}`}
        </span>
        <LanguageSwitch />
        <button type="button" onClick={signOut}>
          {t('session.signOut')}
        </button>
      </header>
      <main className="page">{View ? <View key={page?.path} session={session} rest={rest} /> : <ErrorBox error={new Error(t('session.noPages'))} />}</main>
    </div>
  );
}
