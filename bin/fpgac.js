#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/cli.ts by `npm run build` (also run by `npm install` via prepare).
import { main } from '../dist/src/cli.js';

// A reader that stops early (`fpgac inspect m.onnx | head`) is not an error.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw e; });
main(process.argv).then((code) => { process.exitCode = code; });
