/**
 * The two string catalogues. The shell's strings are in locales/<language>.json; each page keeps
 * its own in locales/<language>/<page>.json, under the page's name as the top-level key, so pages
 * grow without touching one shared file. The catalogue test checks both languages hold the same keys.
 */
import en from './locales/en.json' with { type: 'json' };
import enAgreements from './locales/en/agreements.json' with { type: 'json' };
import enData from './locales/en/data.json' with { type: 'json' };
import zh from './locales/zh-CN.json' with { type: 'json' };
import zhAgreements from './locales/zh-CN/agreements.json' with { type: 'json' };
import zhData from './locales/zh-CN/data.json' with { type: 'json' };

export const CATALOGUES = {
  'zh-CN': { ...zh, data: zhData, agreements: zhAgreements },
  en: { ...en, data: enData, agreements: enAgreements },
} as const;
