/** The eight channels a reach node can send on (docs/journeys.md, `reach`), for filters. */
export const CHANNELS = ['sms', 'email', 'push', 'inbox', 'wechat', 'call', 'branch_task', 'webhook'] as const;
