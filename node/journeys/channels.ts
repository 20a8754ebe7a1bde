/**
 * The channels a reach node can send on. Apart from the component schemas (TypeBox), so the
 * config loader, which every CLI command runs, can read them without loading a schema library.
 */
/** The eight reach channels (docs/journeys.md, Channels); the reach module sends on them. */
export const CHANNELS = ['sms', 'email', 'push', 'inbox', 'wechat', 'call', 'branch_task', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];
