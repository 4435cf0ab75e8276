// The CLI's output written straight to file descriptors 1 and 2 (src/util/stdio.ts), in child processes running
// the compiled module: a reader that goes away is no error (the exit code stays the command's, nothing on
// stderr, later output dropped), output larger than a pipe's buffer arrives whole and in order through a slow reader, and a
// descriptor left non-blocking by whoever started us (EAGAIN) still gets every byte.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/harness.js';

const STDIO = path.join(REPO, 'dist', 'src', 'util', 'stdio.js');
/** A child that writes `lines` numbered lines of 100 bytes through writeText(1, ...), then exits with `code`. */
const writer = (lines: number, code: number) => `
  import(${JSON.stringify(STDIO)}).then(({ writeText }) => {
    for (let i = 0; i < ${lines}; i++) writeText(1, String(i).padStart(99, '.') + '\\n');
    process.exitCode = ${code};
  });`;
const expected = (lines: number) => Array.from({ length: lines }, (_, i) => String(i).padStart(99, '.') + '\n').join('');

/** Collects a readable stream, pausing 2 ms after each chunk (a slow reader). */
function slowRead(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (b: Buffer) => { parts.push(b); stream.pause(); setTimeout(() => stream.resume(), 2); });
    stream.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    stream.on('error', reject);
  });
}

describe('writeText: the CLI output on file descriptors', () => {
  it('a reader that stops after its first chunk: the child exits with its own code (3) and prints nothing on stderr', async () => {
    const child = spawn(process.execPath, ['-e', writer(100_000, 3)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(3);
  });

  it('10 MB through a pipe with a slow reader arrive whole and in order', async () => {
    const child = spawn(process.execPath, ['-e', writer(100_000, 0)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const got = await slowRead(child.stdout);
    await new Promise((resolve) => child.on('close', resolve));
    expect(got.length).toBe(100 * 100_000);
    expect(got === expected(100_000)).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('a descriptor already non-blocking (EAGAIN under a slow reader) still receives every byte, in order', async () => {
    // Creating process.stdout on a pipe makes descriptor 1 non-blocking (libuv), as a parent sharing the pipe may.
    const child = spawn(process.execPath, ['-e', `process.stdout; ${writer(100_000, 0)}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const got = await slowRead(child.stdout);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(got.length).toBe(100 * 100_000);
    expect(got === expected(100_000)).toBe(true);
  });
});
