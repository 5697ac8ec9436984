// The cache key of an SDPA graph: every attribute that changes the cuDNN graph, and nothing else.
// Kept as a zero-initialised POD so that padding bytes are deterministic and memcmp/hash over the raw
// bytes are exact (the same idea as PyTorch's MHAParams).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ringattn {

/** Which graph of the pair a key describes. */
enum class SdpaDirection : int32_t { kForward = 0, kBackward = 1 };

/** Index of each tensor's strides in SdpaGraphKey::strides. */
enum SdpaTensorSlot : int { kSlotQ = 0, kSlotK, kSlotV, kSlotO, kSlotDO, kSlotDQ, kSlotDK, kSlotDV, kSlotCount };

/** Diagonal alignments of SdpaGraphKey::alignment. */
enum SdpaAlignment : int32_t { kAlignTopLeft = 0, kAlignBottomRight = 1 };

/** SdpaGraphKey::right_bound when the band has no right bound (cuDNN needs R >= 0 when set). */
constexpr int64_t kNoRightBound = -1;

struct SdpaGraphKey {
    int32_t direction;
    int32_t device;
    int32_t dtype;
    // The mask in canonical form (canonical_mask in sdpa.cpp), so that equal masks written differently share a
    // graph: kAlignTopLeft or kAlignBottomRight, and cuDNN's own bounds.
    int32_t alignment;
    int64_t batch, q_heads, kv_heads, s_q, s_kv, head_dim;
    int64_t left_bound;     // cuDNN diagonal_band_left_bound (keys kept up to and including the diagonal); 0: none
    int64_t right_bound;    // cuDNN diagonal_band_right_bound; kNoRightBound: none (no mask when left_bound is 0 too)
    uint32_t scale_bits;    // the resolved scale's bit pattern (a float key would compare -0 == +0)
    int32_t deterministic;  // backward only, 0 in forward keys
    int32_t with_stats;     // forward only, 0 in backward keys
    int32_t reserved;       // explicit padding, always 0
    int64_t strides[kSlotCount][4];  // unused slots stay 0

    SdpaGraphKey() { std::memset(this, 0, sizeof(*this)); }

    bool operator==(const SdpaGraphKey& other) const { return std::memcmp(this, &other, sizeof(*this)) == 0; }
};

/** FNV-1a over the key's bytes. */
struct SdpaGraphKeyHash {
    size_t operator()(const SdpaGraphKey& key) const noexcept {
        const unsigned char* bytes = reinterpret_cast<const unsigned char*>(&key);
        uint64_t hash = 1469598103934665603ull;
        for (size_t i = 0; i < sizeof(key); ++i) {
            hash ^= bytes[i];
            hash *= 1099511628211ull;
        }
        return static_cast<size_t>(hash);
    }
};

}  // namespace ringattn
