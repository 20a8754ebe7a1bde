/** The canvas library's (@xyflow/react) own accessible names and announcements, in the chosen language: every diagram uses them. */
import type { AriaLabelConfig } from '@xyflow/react';
import type { TFunction } from 'i18next';

export const flowLabels = (t: TFunction): Partial<AriaLabelConfig> => ({
  'node.a11yDescription.default': t('flow.node'),
  'node.a11yDescription.keyboardDisabled': t('flow.nodeReadOnly'),
  'node.a11yDescription.ariaLiveMessage': ({ direction, x, y }) => t('flow.moved', { direction, x, y }),
  'edge.a11yDescription.default': t('flow.edge'),
  'controls.ariaLabel': t('flow.controls'),
  'controls.zoomIn.ariaLabel': t('flow.zoomIn'),
  'controls.zoomOut.ariaLabel': t('flow.zoomOut'),
  'controls.fitView.ariaLabel': t('flow.fitView'),
  'controls.interactive.ariaLabel': t('flow.interactive'),
  'minimap.ariaLabel': t('flow.minimap'),
  'handle.ariaLabel': t('flow.handle'),
});
