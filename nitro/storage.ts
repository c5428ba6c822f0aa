// ArbOS storage prices: what the storage burner charges precompiles for each access to ArbOS state
// (arbos/storage/storage.go StorageReadCost, StorageWriteCost, StorageWriteZeroCost, StorageCodeHashCost).

export const STORAGE_READ_COST = 800n;
export const STORAGE_WRITE_COST = 20000n;
export const STORAGE_WRITE_ZERO_COST = 5000n;
export const STORAGE_CODEHASH_COST = 2600n;
