// The executable entry (bundled to dist/cli.js): run the command line, exit with its code.
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`stylus-ml: internal error: ${e}\n`);
    process.exit(70);
  },
);
