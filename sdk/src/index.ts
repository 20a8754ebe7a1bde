/** The Mofang event SDK: see sdk/README.md. Runs in browsers and Node 20+, with no dependencies. */
export { createTracker, type Tracker } from './tracker.js';
export type { TrackOptions } from './event.js';
export type { BackoffOptions, FetchLike, TrackerOptions } from './options.js';
export type { DeliveryError, DropReason, TrackerStats } from './report.js';
