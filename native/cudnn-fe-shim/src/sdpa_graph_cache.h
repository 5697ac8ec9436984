// A bounded, thread-safe LRU cache of built SDPA graphs. The graph type stays opaque here (it is defined
// in sdpa.cpp, the only file that includes cudnn_frontend.h), so this file compiles fast.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "sdpa_graph_key.h"

namespace ringattn {

struct SdpaGraph;  // a built cudnn-frontend graph plus its variant pack; defined in sdpa.cpp

class SdpaGraphCache {
public:
    explicit SdpaGraphCache(size_t capacity);

    /** Returns the cached graph for `key` (and marks it most recently used, counting a hit) or nullptr. */
    std::shared_ptr<SdpaGraph> find(const SdpaGraphKey& key);

    /** Stores a newly built graph (counting a build) and evicts the least recently used beyond capacity. */
    void insert(const SdpaGraphKey& key, std::shared_ptr<SdpaGraph> graph);

    /** Changes the capacity (>= 1), evicting as needed. */
    void set_capacity(size_t capacity);

    /** Counters since creation: graphs built, lookups that hit, entries held now. */
    void stats(int64_t* builds, int64_t* hits, int64_t* entries) const;

private:
    using Entry = std::pair<SdpaGraphKey, std::shared_ptr<SdpaGraph>>;
    void evict_beyond_capacity();

    mutable std::mutex mutex_;
    size_t capacity_;
    std::list<Entry> lru_;  // front = most recently used
    std::unordered_map<SdpaGraphKey, std::list<Entry>::iterator, SdpaGraphKeyHash> index_;
    int64_t builds_ = 0;
    int64_t hits_ = 0;
};

}  // namespace ringattn
