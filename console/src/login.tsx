/** The token form: the token is checked with GET /v1/session before it is kept. */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from './api';
import { LanguageSwitch } from './language-switch';
import { type Session, storeToken } from './session';
import { ErrorBox } from './ui';

export function Login({ reason, onSignedIn }: { reason: ApiError | null; onSignedIn: (session: Session) => void }) {
  const { t } = useTranslation();
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(reason);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const session = await api<Session>('/v1/session', { token: token.trim() });
      if (session.role === 'ingest') throw new ApiError(403, 'FORBIDDEN_ROLE', t('login.ingest'));
      storeToken(token.trim());
      onSignedIn(session);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <div className="login-box">
        <h1>{t('app.title')}</h1>
        <p>{t('login.intro')}</p>
        {error !== null && error !== undefined && <ErrorBox error={error} />}
        <form onSubmit={submit}>
          <label htmlFor="token">{t('login.token')}</label>
          <input
            id="token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="mfg_operator_…"
          />
          <button type="submit" disabled={busy || token.trim() === ''}>
            {t('login.submit')}
          </button>
        </form>
        <p className="note">{t('login.storage')}</p>
        <LanguageSwitch />
      </div>
    </main>
  );
}
