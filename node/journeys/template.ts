/**
 * Message templates (the parser is shared with the channels that render them:
 * adapters/channels/template.ts). Validation checks each variable is available where the
 * template is used, so a send never finds one missing.
 */
export { templateVariables } from '../../adapters/channels/template.js';

/** The journey context every node sees. */
export const JOURNEY_VARIABLES: readonly string[] = ['name', 'version'];
