export { createIdentity } from './create-identity.js';
export type { Identity } from './identity.js';
