// LRU bookkeeping of the SDPA graph cache. Evicting a graph only drops this cache's reference: a call that
// is executing it holds its own shared_ptr, so eviction never frees a graph in use.
#include "sdpa_graph_cache.h"

namespace ringattn {

SdpaGraphCache::SdpaGraphCache(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

std::shared_ptr<SdpaGraph> SdpaGraphCache::find(const SdpaGraphKey& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    ++hits_;
    return it->second->second;
}

void SdpaGraphCache::insert(const SdpaGraphKey& key, std::shared_ptr<SdpaGraph> graph) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++builds_;
    auto it = index_.find(key);
    if (it != index_.end()) {  // another thread built the same graph first: keep the newest
        it->second->second = std::move(graph);
        lru_.splice(lru_.begin(), lru_, it->second);
        return;
    }
    lru_.emplace_front(key, std::move(graph));
    index_.emplace(key, lru_.begin());
    evict_beyond_capacity();
}

void SdpaGraphCache::set_capacity(size_t capacity) {
    std::lock_guard<std::mutex> lock(mutex_);
    capacity_ = capacity < 1 ? 1 : capacity;
    evict_beyond_capacity();
}

void SdpaGraphCache::stats(int64_t* builds, int64_t* hits, int64_t* entries) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (builds != nullptr) *builds = builds_;
    if (hits != nullptr) *hits = hits_;
    if (entries != nullptr) *entries = static_cast<int64_t>(lru_.size());
}

void SdpaGraphCache::evict_beyond_capacity() {
    while (lru_.size() > capacity_) {
        index_.erase(lru_.back().first);
        lru_.pop_back();
    }
}

}  // namespace ringattn
