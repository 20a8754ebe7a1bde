/**
 * One `@openmined/psi.js` run, as its README does it: server and client in this process, messages
 * serialised and deserialised in memory (no network, no TLS — this favours the anchor). Prints one
 * JSON line (AnchorResult). Inputs: n client and m server identifiers shaped like normalised phone
 * numbers (+861 and 10 digits), `overlap` of them shared.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface Input {
  n: number;
  m: number;
  overlap: number;
  revealIntersection: boolean;
  fpr: number;
  anchorDir: string;
}
const input = JSON.parse(process.argv[2]) as Input;

// Distinct 10-digit suffixes: i ↦ i·0x9E3779B1 mod 2^32 is a bijection on 32-bit integers.
const phone = (i: number) => `+861${String(Math.imul(i, 0x9e3779b1) >>> 0).padStart(10, '0')}`;

interface Message {
  serializeBinary(): Uint8Array;
}
interface PsiLibrary {
  server: {
    createWithNewKey(reveal: boolean): {
      createSetupMessage(fpr: number, n: number, inputs: string[]): Message;
      processRequest(r: Message): Message;
      delete(): void;
    };
  };
  client: {
    createWithNewKey(reveal: boolean): {
      createRequest(inputs: string[]): Message;
      getIntersection(s: Message, r: Message): number[];
      getIntersectionSize(s: Message, r: Message): number;
      delete(): void;
    };
  };
  serverSetup: { deserializeBinary(b: Uint8Array): Message };
  request: { deserializeBinary(b: Uint8Array): Message };
  response: { deserializeBinary(b: Uint8Array): Message };
}

const require = createRequire(join(input.anchorDir, 'anchor.cjs'));
const load = require('@openmined/psi.js') as () => Promise<PsiLibrary>;
const psi = await load();

const { n, m, overlap, revealIntersection: reveal, fpr } = input;
const clientInputs = Array.from({ length: n }, (_, i) => phone(i));
// The server's identifiers start `overlap` before the client's end.
const serverInputs = Array.from({ length: m }, (_, j) => phone(n - overlap + j));

const t0 = performance.now();
const server = psi.server.createWithNewKey(reveal);
const client = psi.client.createWithNewKey(reveal);
const setup = server.createSetupMessage(fpr, n, serverInputs).serializeBinary();
const t1 = performance.now();
const request = client.createRequest(clientInputs).serializeBinary();
const t2 = performance.now();
const response = server.processRequest(psi.request.deserializeBinary(request)).serializeBinary();
const t3 = performance.now();
const s = psi.serverSetup.deserializeBinary(setup);
const r = psi.response.deserializeBinary(response);
const result = reveal ? client.getIntersection(s, r).length : client.getIntersectionSize(s, r);
const t4 = performance.now();
server.delete();
client.delete();

console.log(
  JSON.stringify({
    n,
    m,
    revealIntersection: reveal,
    fpr,
    result,
    expected: overlap,
    totalMs: t4 - t0,
    phasesMs: { serverSetup: t1 - t0, clientRequest: t2 - t1, serverResponse: t3 - t2, clientResult: t4 - t3 },
    bytes: { request: request.length, setup: setup.length, response: response.length },
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
