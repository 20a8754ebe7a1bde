/**
 * The two string catalogues. The shell's strings are in locales/<language>.json; each page keeps
 * its own in locales/<language>/<page>.json, under the page's name as the top-level key, so pages
 * grow without touching one shared file. The catalogue test checks both languages hold the same keys.
 */
import enAnalytics from './locales/en/analytics.json' with { type: 'json' };
import en from './locales/en.json' with { type: 'json' };
import zhAnalytics from './locales/zh-CN/analytics.json' with { type: 'json' };
import zh from './locales/zh-CN.json' with { type: 'json' };
import enAgreements from './locales/en/agreements.json' with { type: 'json' };
import zhAgreements from './locales/zh-CN/agreements.json' with { type: 'json' };
import enData from './locales/en/data.json' with { type: 'json' };
import zhData from './locales/zh-CN/data.json' with { type: 'json' };
import enJoint from './locales/en/joint.json' with { type: 'json' };
import zhJoint from './locales/zh-CN/joint.json' with { type: 'json' };
import enWidgets from './locales/en/widgets.json' with { type: 'json' };
import zhWidgets from './locales/zh-CN/widgets.json' with { type: 'json' };
import enInsight from './locales/en/insight.json' with { type: 'json' };
import zhInsight from './locales/zh-CN/insight.json' with { type: 'json' };
import enExperiment from './locales/en/experiment.json' with { type: 'json' };
import zhExperiment from './locales/zh-CN/experiment.json' with { type: 'json' };
import enHistory from './locales/en/history.json' with { type: 'json' };
import zhHistory from './locales/zh-CN/history.json' with { type: 'json' };
import enTemplates from './locales/en/templates.json' with { type: 'json' };
import zhTemplates from './locales/zh-CN/templates.json' with { type: 'json' };
import enReach from './locales/en/reach.json' with { type: 'json' };
import zhReach from './locales/zh-CN/reach.json' with { type: 'json' };

export const CATALOGUES = {
  'zh-CN': {
    ...zh,
    data: zhData,
    agreements: zhAgreements,
    joint: zhJoint,
    insight: zhInsight,
    analytics: zhAnalytics,
    reach: zhReach,
    widgets: zhWidgets,
    experiment: zhExperiment,
    history: zhHistory,
    templates: zhTemplates,
  },
  en: {
    ...en,
    data: enData,
    agreements: enAgreements,
    joint: enJoint,
    insight: enInsight,
    analytics: enAnalytics,
    reach: enReach,
    widgets: enWidgets,
    experiment: enExperiment,
    history: enHistory,
    templates: enTemplates,
  },
} as const;
