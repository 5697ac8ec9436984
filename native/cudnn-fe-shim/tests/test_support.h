// Helpers shared by the shim's tests: host-side bf16/fp16 conversion, device buffers through the shim's
// own CUDA API, random data, layouts as strides, and float64 CPU references for attention.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mini_test.h"
#include "ringattn_shim.h"

namespace ringattn_test {

/** Asserts a shim call succeeded, printing its message otherwise. */
#define RA_OK(call)                                                                  \
    do {                                                                             \
        int32_t ra_status_ = (call);                                                 \
        ASSERT_EQ(ra_status_, RINGATTN_STATUS_OK) << #call << ringattn_last_error(); \
    } while (0)

// ---- element conversions (round to nearest even), independent of CUDA's host headers ----
uint16_t float_to_bf16(float f);
float bf16_to_float(uint16_t h);
uint16_t float_to_fp16(float f);
float fp16_to_float(uint16_t h);
/** Rounds through the dtype (bf16/fp16/fp32) and back. */
float round_to(int32_t dtype, float f);
size_t dtype_bytes(int32_t dtype);

/** Owns device memory from ringattn_cuda_malloc. */
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t bytes);
    ~DeviceBuffer();
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& other) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
    void* get() const { return ptr_; }
    template <class T>
    T* as() const {
        return static_cast<T*>(ptr_);
    }
    size_t bytes() const { return bytes_; }
    void upload(const void* host, size_t bytes);
    void download(void* host, size_t bytes) const;
    /** Fills every byte with `value` (poison before a kernel writes, so unwritten elements show). */
    void fill_bytes(int value);

private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

/** Uploads floats stored as `dtype` elements (index i of `values` goes to element i). */
DeviceBuffer upload_as(int32_t dtype, const std::vector<float>& values);
/** Downloads `count` elements of `dtype` as floats. */
std::vector<float> download_as(int32_t dtype, const DeviceBuffer& buffer, size_t count);

std::vector<float> random_values(size_t count, uint32_t seed, float low = -1.0f, float high = 1.0f);

enum class Layout { BSHD, SBHD, BHSD };
const char* layout_name(Layout layout);
/** Strides in elements, logical order [b, h, s, d], of a packed tensor of dims [b, h, s, d] in `layout`. */
void layout_strides(Layout layout, int64_t b, int64_t h, int64_t s, int64_t d, int64_t (&out)[4]);

/** A logical [b, h, s, d] tensor stored with strides (host side, float values). */
struct HostTensor {
    int64_t dims[4];
    int64_t strides[4];
    std::vector<float> data;  // storage, indexed by offset()
    int64_t offset(int64_t b, int64_t h, int64_t s, int64_t d) const {
        return b * strides[0] + h * strides[1] + s * strides[2] + d * strides[3];
    }
    float at(int64_t b, int64_t h, int64_t s, int64_t d) const { return data[offset(b, h, s, d)]; }
};

/**
 * Keep rule of a mask: is key j visible to query i? (window_left > 0 adds the left bound to a causal mask;
 * RINGATTN_MASK_BAND keeps i - window_left <= j <= i + window_right, a negative bound being unbounded).
 */
bool visible(int32_t mask, int64_t window_left, int64_t s_q, int64_t s_kv, int64_t i, int64_t j,
             int64_t window_right = 0);

/** float64 forward reference: O [b,hq,sq,d] packed BHSD and LSE [b,hq,sq] (-inf for empty rows). */
void reference_forward(const HostTensor& q, const HostTensor& k, const HostTensor& v, int32_t mask, int64_t window_left,
                       double scale, std::vector<double>& o, std::vector<double>& lse, int64_t window_right = 0);

/** float64 backward reference: dQ [b,hq,sq,d], dK/dV [b,hkv,skv,d], packed BHSD. */
void reference_backward(const HostTensor& q, const HostTensor& k, const HostTensor& v, const HostTensor& d_o,
                        int32_t mask, int64_t window_left, double scale, std::vector<double>& dq,
                        std::vector<double>& dk, std::vector<double>& dv, int64_t window_right = 0);

/** ||a - b|| / ||b|| over all elements (b from a packed BHSD reference, a read through `strides`). */
double relative_error(const std::vector<float>& storage, const int64_t (&dims)[4], const int64_t (&strides)[4],
                      const std::vector<double>& reference);

}  // namespace ringattn_test
