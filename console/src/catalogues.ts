/**
 * The two string catalogues. The shell's strings are in locales/<language>.json; each page keeps
 * its own in locales/<language>/<page>.json, under the page's name as the top-level key, so pages
 * grow without touching one shared file. The catalogue test checks both languages hold the same keys.
 */
import en from './locales/en.json' with { type: 'json' };
import enInsight from './locales/en/insight.json' with { type: 'json' };
import zh from './locales/zh-CN.json' with { type: 'json' };
import zhInsight from './locales/zh-CN/insight.json' with { type: 'json' };

export const CATALOGUES = {
  'zh-CN': { ...zh, insight: zhInsight },
  en: { ...en, insight: enInsight },
} as const;
