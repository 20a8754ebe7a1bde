/**
 * A real SMTP server on loopback (smtp-server) acting as the bank's relay: it parses every
 * message it accepts with mailparser and answers from a script — `replies` holds the next answers
 * to DATA in order (accept, a 4xx or 5xx code with its text, or `hold`: answer only after the
 * client has given up) — then accepts.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

type RelayReply = { accept: true } | { code: number; text: string } | { holdMs: number };

export interface SmtpRelay {
  endpoint: string;
  received: ParsedMail[];
  replies: RelayReply[];
  close(): Promise<void>;
}

export async function smtpRelay(): Promise<SmtpRelay> {
  const received: ParsedMail[] = [];
  const replies: RelayReply[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const reply = replies.shift() ?? { accept: true };
      simpleParser(stream).then(
        (mail) => {
          if ('code' in reply) return callback(Object.assign(new Error(reply.text), { responseCode: reply.code }));
          received.push(mail);
          if ('holdMs' in reply) setTimeout(() => callback(), reply.holdMs);
          else callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    endpoint: `smtp://127.0.0.1:${port}`,
    received,
    replies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
