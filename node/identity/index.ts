export { createIdentity, KEY_FILE, CERT_FILE } from './create-identity.js';
export { fingerprintOf, identityFromPem, loadIdentity, signatureVerifier, verifySignature, SIGNATURE_BYTES, type Identity } from './identity.js';
