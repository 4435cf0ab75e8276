#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/cli.ts by `npm run build` (also run by `npm install` via prepare).
import { main } from '../dist/src/cli.js';
main(process.argv).then((code) => { process.exitCode = code; });
