/**
 * Languages: zh-CN (the default) and English. Every string the console shows comes from one of
 * the two catalogues; the choice is remembered in localStorage (a preference, not a secret).
 * Dates and numbers go through Intl in the chosen language.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { CATALOGUES } from './catalogues';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const KEY = 'mofang.language';

const remembered = (): Language => {
  const saved = localStorage.getItem(KEY);
  return LANGUAGES.includes(saved as Language) ? (saved as Language) : 'zh-CN';
};

export function initI18n(): void {
  void i18next.use(initReactI18next).init({
    resources: { 'zh-CN': { translation: CATALOGUES['zh-CN'] }, en: { translation: CATALOGUES.en } },
    lng: remembered(),
    fallbackLng: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = i18next.language;
}

export function setLanguage(language: Language): void {
  localStorage.setItem(KEY, language);
  void i18next.changeLanguage(language);
  document.documentElement.lang = language;
}

export const formatDate = (iso: string | null | undefined): string =>
  iso ? new Intl.DateTimeFormat(i18next.language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '—';

export const formatNumber = (n: number, options?: Intl.NumberFormatOptions): string => new Intl.NumberFormat(i18next.language, options).format(n);
