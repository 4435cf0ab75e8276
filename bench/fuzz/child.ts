/**
 * @fileoverview A fuzz case's child process: the CLI, exactly as `fpgac` runs it, plus its peak memory as the last
 * line of stderr (`FUZZ-RSS <KiB>`), which the parent strips before checking the output.
 */
import { main } from '../../src/cli.js';

main(['node', 'fpgac', ...process.argv.slice(2)]).then((code) => {
  process.stderr.write(`\nFUZZ-RSS ${process.resourceUsage().maxRSS}\n`);
  process.exitCode = code;
});
