/**
 * What a call centre reports about a call, and what each report means for the call: a customer
 * who picked up has `replied`; one not reached (or who asked to be called back) stays on the list
 * for another attempt; anything else closes the call.
 */
export const CALL_OUTCOMES = ['reached', 'interested', 'not_interested', 'callback', 'no_answer', 'busy', 'voicemail', 'wrong_number'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** The customer was on the line. */
export const REACHED: ReadonlySet<CallOutcome> = new Set(['reached', 'interested', 'not_interested', 'callback']);
/** The call goes back to the list, unclaimed, for another attempt. */
export const CALL_AGAIN: ReadonlySet<CallOutcome> = new Set(['callback', 'no_answer', 'busy', 'voicemail']);
