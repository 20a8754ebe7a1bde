/**
 * Adapts "write into this stream" producers (services.exportAudit) to a streamed reply. The reply
 * starts only once the producer has written something or finished, so an error raised before any
 * output still gets a proper error status; a later error aborts the connection, so a partial
 * export can never look complete.
 */
import { Transform, type Readable } from 'node:stream';

/**
 * @example reply.type('text/csv').send(await streamFrom((out) => services.audit.export('csv', out, {}), log))
 */
export function streamFrom(produce: (out: NodeJS.WritableStream) => Promise<void>, onLateError: (err: unknown) => void): Promise<Readable> {
  return new Promise((resolve, reject) => {
    let started = false;
    const out = new Transform({
      transform(chunk, _encoding, done) {
        start();
        done(null, chunk);
      },
    });
    function start(): void {
      if (started) return;
      started = true;
      resolve(out);
    }
    produce(out).then(
      () => {
        start();
        if (!out.writableEnded) out.end();
      },
      (err: unknown) => {
        if (started) {
          onLateError(err);
          out.destroy(err instanceof Error ? err : new Error(String(err)));
        } else {
          started = true;
          out.destroy();
          reject(err);
        }
      },
    );
  });
}
