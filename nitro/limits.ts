// Code-size limits of an Arbitrum chain (geth params.DefaultMaxCodeSize, EIP-170, and EIP-3860's
// initcode limit; nitro keeps the defaults). A Stylus program's compressed code is bound by the same.

/** MaxCodeSize: bytes of deployed code, for EVM contracts and Stylus programs alike. */
export const MAX_CODE_SIZE = 24576;
/** MaxInitCodeSize: twice MaxCodeSize. */
export const MAX_INIT_CODE_SIZE = 2 * MAX_CODE_SIZE;
