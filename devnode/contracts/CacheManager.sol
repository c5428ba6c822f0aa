// SPDX-License-Identifier: MIT
// Stylus ML's CacheManager: an auction for the chain's Stylus program cache, with the public interface
// (functions, events, errors) and the bidding rules of Arbitrum's CacheManager (nitro-contracts
// src/chain/CacheManager.sol), written from its documented behaviour:
//  - a program's size is its ArbWasm.codehashAsmSize, counted as at least 4,096 bytes;
//  - a bid is msg.value plus block.timestamp · decay, so older bids lose weight over time;
//  - a bid that does not fit evicts the lowest bids (ties: the lower entry index first) until it fits,
//    and reverts BidTooSmall when it is below the last bid it would evict;
//  - caching and evicting go through ArbWasmCache, which accepts them from registered cache managers.
// The devnode installs one at genesis and registers it (what nitro-devnode's setup script does); the
// compiled code is committed in cache-manager.ts and a test recompiles this file and compares.
pragma solidity ^0.8.24;

interface IArbOwnerPublic {
    function isChainOwner(address addr) external view returns (bool);
    function getNetworkFeeAccount() external view returns (address);
}

interface IArbWasm {
    function codehashAsmSize(bytes32 codehash) external view returns (uint32);
}

interface IArbWasmCache {
    function codehashIsCached(bytes32 codehash) external view returns (bool);
    function cacheProgram(address addr) external;
    function evictCodehash(bytes32 codehash) external;
}

contract CacheManager {
    IArbOwnerPublic internal constant ARB_OWNER_PUBLIC = IArbOwnerPublic(address(0x6b));
    IArbWasm internal constant ARB_WASM = IArbWasm(address(0x71));
    IArbWasmCache internal constant ARB_WASM_CACHE = IArbWasmCache(address(0x72));
    uint64 internal constant MAX_MAKE_SPACE = 5 * 1024 * 1024;
    uint64 internal constant MIN_CODESIZE = 4096;

    struct Entry {
        bytes32 code;
        uint64 size;
        uint192 bid;
    }

    /// the bids as a binary min-heap of (bid << 64 | entry index)
    uint256[] internal heap;
    Entry[] public entries;

    uint64 public cacheSize;
    uint64 public queueSize;
    uint64 public decay;
    bool public isPaused;

    address internal immutable deployer;
    bool internal initialized;

    error NotChainOwner(address sender);
    error AsmTooLarge(uint256 asm, uint256 queueSize, uint256 cacheSize);
    error AlreadyCached(bytes32 codehash);
    error BidTooLarge(uint256 bid);
    error BidTooSmall(uint192 bid, uint192 min);
    error BidsArePaused();
    error MakeSpaceTooLarge(uint64 size, uint64 limit);

    event InsertBid(bytes32 indexed codehash, address program, uint192 bid, uint64 size);
    event DeleteBid(bytes32 indexed codehash, uint192 bid, uint64 size);
    event SetCacheSize(uint64 size);
    event SetDecayRate(uint64 decay);
    event Pause();
    event Unpause();
    event Initialized(uint8 version);

    constructor() {
        deployer = msg.sender;
    }

    /// Sets the cache size (bytes) and the decay rate (wei per second); once, by the deployer.
    function initialize(uint64 initCacheSize, uint64 initDecay) external {
        require(msg.sender == deployer && !initialized, "CacheManager: already initialized or not the deployer");
        initialized = true;
        cacheSize = initCacheSize;
        decay = initDecay;
        emit Initialized(1);
    }

    modifier onlyOwner() {
        if (!ARB_OWNER_PUBLIC.isChainOwner(msg.sender)) revert NotChainOwner(msg.sender);
        _;
    }

    function setCacheSize(uint64 newSize) external onlyOwner {
        cacheSize = newSize;
        emit SetCacheSize(newSize);
    }

    function setDecayRate(uint64 newDecay) external onlyOwner {
        decay = newDecay;
        emit SetDecayRate(newDecay);
    }

    /// Stops new bids.
    function paused() external onlyOwner {
        isPaused = true;
        emit Pause();
    }

    function unpause() external onlyOwner {
        isPaused = false;
        emit Unpause();
    }

    function evictAll() external onlyOwner {
        _evict(type(uint256).max);
        delete entries;
    }

    /// Evicts up to `count` programs, lowest bids first.
    function evictPrograms(uint256 count) external onlyOwner {
        _evict(count);
    }

    function getEntries() external view returns (Entry[] memory) {
        return entries;
    }

    /// The `k` lowest bids' entries in ascending order (all of them when there are fewer).
    function getSmallestEntries(uint256 k) public view returns (Entry[] memory result) {
        uint256 n = heap.length;
        if (k > n) k = n;
        uint256[] memory h = heap;
        result = new Entry[](k);
        for (uint256 i = 0; i < k; i++) {
            uint256 top = h[0];
            n -= 1;
            h[0] = h[n];
            _siftDownMemory(h, n);
            result[i] = entries[uint64(top)];
        }
    }

    /// The least msg.value a bid for a program of `size` bytes needs to be accepted now.
    function getMinBid(uint64 size) public view returns (uint192 min) {
        if (size > cacheSize) revert AsmTooLarge(size, 0, cacheSize);
        if (size < MIN_CODESIZE) size = MIN_CODESIZE;
        uint256 total = uint256(queueSize) + size;
        if (total <= cacheSize) return 0;
        uint256 needToFree = total - cacheSize;
        // entries are at least MIN_CODESIZE bytes: this many of the lowest bids always free enough
        Entry[] memory lowest = getSmallestEntries((needToFree + MIN_CODESIZE - 1) / MIN_CODESIZE);
        for (uint256 i = 0; i < lowest.length; i++) {
            if (needToFree <= lowest[i].size) {
                min = lowest[i].bid;
                break;
            }
            needToFree -= lowest[i].size;
        }
        uint256 decayed = _decayNow();
        return min < decayed ? 0 : min - uint192(decayed);
    }

    function getMinBid(bytes32 codehash) public view returns (uint192 min) {
        return getMinBid(_asmSize(codehash));
    }

    function getMinBid(address program) external view returns (uint192 min) {
        return getMinBid(program.codehash);
    }

    /// Sends what the bids paid to the network fee account.
    function sweepFunds() external {
        (bool ok, bytes memory data) = ARB_OWNER_PUBLIC.getNetworkFeeAccount().call{value: address(this).balance}("");
        if (!ok) {
            assembly {
                revert(add(data, 32), mload(data))
            }
        }
    }

    /// Bids msg.value to cache the program at `program`; evicts lower bids to make room.
    function placeBid(address program) external payable {
        if (isPaused) revert BidsArePaused();
        bytes32 codehash = program.codehash;
        if (ARB_WASM_CACHE.codehashIsCached(codehash)) revert AlreadyCached(codehash);
        uint64 size = _asmSize(codehash);
        (uint192 bid, uint64 index) = _makeSpace(size);
        if (uint256(queueSize) + size > cacheSize) revert AsmTooLarge(size, queueSize, cacheSize);
        ARB_WASM_CACHE.cacheProgram(program);
        _push((uint256(bid) << 64) | index);
        queueSize += size;
        Entry memory entry = Entry({code: codehash, size: size, bid: bid});
        if (index == entries.length) entries.push(entry);
        else entries[index] = entry;
        emit InsertBid(codehash, program, bid, size);
    }

    /// Evicts until `size` bytes are free, if msg.value outbids what is evicted; returns the space left.
    function makeSpace(uint64 size) external payable returns (uint64 space) {
        if (isPaused) revert BidsArePaused();
        if (size > MAX_MAKE_SPACE) revert MakeSpaceTooLarge(size, MAX_MAKE_SPACE);
        _makeSpace(size);
        return cacheSize - queueSize;
    }

    function _decayNow() internal view returns (uint256) {
        return block.timestamp * decay;
    }

    /// The bid msg.value makes now, and the entry slot it takes (a freed one, else a new one).
    function _makeSpace(uint64 size) internal returns (uint192 bid, uint64 index) {
        uint256 weighted = msg.value + _decayNow();
        if (weighted > type(uint192).max) revert BidTooLarge(weighted);
        bid = uint192(weighted);
        index = uint64(entries.length);
        uint192 min;
        while (uint256(queueSize) + size > cacheSize && heap.length != 0) {
            uint256 top = _pop();
            min = uint192(top >> 64);
            index = uint64(top);
            _deleteEntry(min, index);
        }
        if (bid < min) revert BidTooSmall(bid, min);
    }

    function _evict(uint256 count) internal {
        while (heap.length != 0 && count > 0) {
            uint256 top = _pop();
            _deleteEntry(uint192(top >> 64), uint64(top));
            count -= 1;
        }
    }

    function _deleteEntry(uint192 bid, uint64 index) internal {
        Entry memory entry = entries[index];
        ARB_WASM_CACHE.evictCodehash(entry.code);
        queueSize -= entry.size;
        emit DeleteBid(entry.code, bid, entry.size);
        delete entries[index];
    }

    function _asmSize(bytes32 codehash) internal view returns (uint64) {
        uint32 size = ARB_WASM.codehashAsmSize(codehash);
        return size >= MIN_CODESIZE ? size : MIN_CODESIZE;
    }

    // ---- the min-heap ----

    function _push(uint256 item) internal {
        heap.push(item);
        uint256 i = heap.length - 1;
        while (i > 0) {
            uint256 parent = (i - 1) / 2;
            uint256 p = heap[parent];
            if (p <= item) break;
            heap[i] = p;
            i = parent;
        }
        heap[i] = item;
    }

    function _pop() internal returns (uint256 top) {
        top = heap[0];
        uint256 last = heap[heap.length - 1];
        heap.pop();
        uint256 n = heap.length;
        if (n == 0) return top;
        uint256 i = 0;
        while (true) {
            uint256 child = 2 * i + 1;
            if (child >= n) break;
            uint256 c = heap[child];
            if (child + 1 < n && heap[child + 1] < c) {
                child += 1;
                c = heap[child];
            }
            if (last <= c) break;
            heap[i] = c;
            i = child;
        }
        heap[i] = last;
    }

    /// Restores the heap order of h[0..n) after h[0] was replaced.
    function _siftDownMemory(uint256[] memory h, uint256 n) internal pure {
        if (n == 0) return;
        uint256 item = h[0];
        uint256 i = 0;
        while (true) {
            uint256 child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && h[child + 1] < h[child]) child += 1;
            if (item <= h[child]) break;
            h[i] = h[child];
            i = child;
        }
        h[i] = item;
    }
}
