/**
 * Insight: the segment builder and the segments, layering as a mind map, flows as a Sankey and a
 * trend, decision trees whose leaves become segments, and shared segment sets by unit. Each is a
 * section below /console/insight/ (`segments/<name>` edits a segment, `layering/<name>`,
 * `flows/<name>`, `trees/<id>` open one). Operators change; compliance reads.
 */
import { useTranslation } from 'react-i18next';
import { Flows } from '../insight/flows';
import { Layerings } from '../insight/layering';
import { Segments } from '../insight/segments';
import { SharedSets } from '../insight/shared-sets';
import { Trees } from '../insight/trees';
import type { PageProps } from '../pages';
import { navigate } from '../router';
import '../insight/insight.css';

const SECTIONS = ['segments', 'layering', 'flows', 'trees', 'shared'] as const;
type Section = (typeof SECTIONS)[number];

export function Insight({ session, rest }: PageProps) {
  const { t } = useTranslation();
  const section: Section = SECTIONS.find((s) => s === rest[0]) ?? 'segments';
  const selected = rest[1] ? decodeURIComponent(rest[1]) : null;
  const editable = session.role === 'operator';
  return (
    <>
      <h1>{t('insight.nav')}</h1>
      {/* A list of links, not a second <nav>: the shell's <nav> is the page's navigation. */}
      <ul className="tabs" aria-label={t('insight.sections')}>
        {SECTIONS.map((s) => (
          <li key={s}>
            <a
              href={`/console/insight/${s}`}
              aria-current={s === section ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate(`insight/${s}`);
              }}
            >
              {t(`insight.section.${s}`)}
            </a>
          </li>
        ))}
      </ul>
      {section === 'segments' && <Segments session={session} editing={selected} />}
      {section === 'layering' && <Layerings selected={selected} editable={editable} />}
      {section === 'flows' && <Flows selected={selected} editable={editable} />}
      {section === 'trees' && <Trees selected={selected} editable={editable} />}
      {section === 'shared' && <SharedSets session={session} />}
    </>
  );
}
