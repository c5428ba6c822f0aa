// The executable entry (bundled to dist/cli.js): run the command line, exit with its code.
import { main } from './main';

/**
 * Exits once stdout and stderr have flushed: when they are pipes whose reader is slower than us (an
 * editor reading `--json`), an immediate process.exit would cut the output at the pipe's 64 KiB buffer.
 */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitAfterFlush, (e) => {
  process.stderr.write(`stylus-ml: internal error: ${e}\n`);
  exitAfterFlush(70);
});
