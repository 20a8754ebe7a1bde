/**
 * The local provider `npm run bench:reach` sends to, in a process of its own so that it runs on
 * the other core: `http` — a node:http server answering every POST with 200 and a short JSON id,
 * as a fast gateway would; `smtp` — an smtp-server relay that reads each message to its end and
 * accepts it. Prints `port <n>` when listening; exits when its stdin closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

const kind = process.argv[2];
let port: number;
if (kind === 'http') {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"m"}'));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
} else if (kind === 'smtp') {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 1000,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
} else {
  console.error('usage: reach-servers.js http|smtp');
  process.exit(2);
}
console.log(`port ${port}`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
