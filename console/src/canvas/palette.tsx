/** The components, by kind: drag one onto the canvas, or focus it and press Enter to add it. */
import { useTranslation } from 'react-i18next';
import type { Component } from './model';

export const PALETTE_MIME = 'application/x-mofang-component';
const KINDS = ['entry', 'judgment', 'control', 'action'] as const;

export function Palette({ components, onAdd }: { components: Component[]; onAdd: (type: string) => void }) {
  const { t } = useTranslation();
  return (
    <aside className="palette" aria-label={t('canvas.palette')}>
      <h2>{t('canvas.palette')}</h2>
      <p className="help">{t('canvas.paletteHelp')}</p>
      {KINDS.map((kind) => (
        <section key={kind} aria-label={t(`kind.${kind}`)}>
          <h3>{t(`kind.${kind}`)}</h3>
          <ul>
            {components
              .filter((c) => c.kind === kind)
              .map((c) => (
                <li key={c.type}>
                  <button
                    type="button"
                    draggable
                    className={`palette-item kind-${kind}`}
                    data-type={c.type}
                    title={c.summary}
                    onDragStart={(e) => {
                      e.dataTransfer.setData(PALETTE_MIME, c.type);
                      e.dataTransfer.effectAllowed = 'copy';
                    }}
                    onClick={() => onAdd(c.type)}
                  >
                    {t(`component.${c.type}`, { defaultValue: c.type })}
                  </button>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}
