// The devnode core/chain's connect() starts in this process (`inProcess`), for the command-line layer:
// loaded on first use, so commands that never start one do not load the EVM. core/chain itself does not
// import devnode/ (see eslint.config.mjs).
import type { InProcessDevnode } from '../chain/embedded';

export const inProcessDevnode: InProcessDevnode = async (opts) => (await import('../../devnode/index')).startEmbeddedDevnode(opts);
