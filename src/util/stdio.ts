/**
 * @fileoverview The CLI's stdout and stderr, written straight to file descriptors 1 and 2 with fs.writeSync.
 * Touching process.stdout creates a stream object, which loads Node's stream modules: ~5 ms of a ~50 ms `fpgac
 * sim DIR`, for one line. Writing the descriptor directly keeps the order of lines (every write completes before
 * the next), as Node's own streams do for files, pipes and terminals on Linux.
 *
 * Two cases differ. A descriptor opened non-blocking by whoever started us (EAGAIN when the reader is slow) goes to
 * the stream, which queues and retries, for the rest of the run. A reader that has gone away (EPIPE, as in `fpgac
 * inspect m.onnx | head`) is not an error: later output to it is dropped and the command ends as it would have,
 * with its own exit code (a failed `verify | head` still exits 3).
 */
import { writeSync } from 'node:fs';

type Mode = 'direct' | 'stream' | 'closed';
const mode: Record<1 | 2, Mode> = { 1: 'direct', 2: 'direct' };

export function writeText(fd: 1 | 2, text: string): void {
  const stream = () => (fd === 1 ? process.stdout : process.stderr);
  if (mode[fd] === 'closed') return;
  if (mode[fd] === 'stream') {
    stream().write(text);
    return;
  }
  const buf = Buffer.from(text, 'utf8');
  let at = 0;
  while (at < buf.length) {
    try {
      at += writeSync(fd, buf, at, buf.length - at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        mode[fd] = 'closed';
        return;
      }
      if (code !== 'EAGAIN') throw e;
      mode[fd] = 'stream';
      // The stream reports a reader gone away as an 'error' event: the same as EPIPE above, not a crash.
      stream().on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
        mode[fd] = 'closed';
      });
      stream().write(buf.subarray(at));
      return;
    }
  }
}
