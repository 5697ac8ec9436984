// Implementation of the test helpers (see test_support.h).
#include "test_support.h"

#include <algorithm>
#include <stdexcept>

namespace ringattn_test {

uint16_t float_to_bf16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu) != 0) return static_cast<uint16_t>((x >> 16) | 0x40);
    x += 0x7fffu + ((x >> 16) & 1u);  // round to nearest even
    return static_cast<uint16_t>(x >> 16);
}

float bf16_to_float(uint16_t h) {
    uint32_t x = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &x, 4);
    return f;
}

uint16_t float_to_fp16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t mant = x & 0x7fffffu;
    const int32_t exp = static_cast<int32_t>((x >> 23) & 0xffu);
    if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u));
    const int32_t e = exp - 127 + 15;
    if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);
    if (e <= 0) {  // half subnormal: value = m * 2^-24
        if (e < -10) return static_cast<uint16_t>(sign);
        mant |= 0x800000u;
        const int shift = 14 - e;
        uint32_t m = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1u);
        const uint32_t halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (m & 1u))) ++m;
        return static_cast<uint16_t>(sign | m);
    }
    uint32_t h = sign | (static_cast<uint32_t>(e) << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is still correct
    return static_cast<uint16_t>(h);
}

float fp16_to_float(uint16_t h) {
    const uint32_t sign = (static_cast<uint32_t>(h) & 0x8000u) << 16;
    const int32_t exp = (h >> 10) & 0x1f;
    const uint32_t mant = h & 0x3ffu;
    if (exp == 0) {
        float v = std::ldexp(static_cast<float>(mant), -24);
        return sign ? -v : v;
    }
    uint32_t bits = (exp == 31) ? (sign | 0x7f800000u | (mant << 13))
                                : (sign | (static_cast<uint32_t>(exp - 15 + 127) << 23) | (mant << 13));
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

float round_to(int32_t dtype, float f) {
    if (dtype == RINGATTN_DTYPE_BF16) return bf16_to_float(float_to_bf16(f));
    if (dtype == RINGATTN_DTYPE_FP16) return fp16_to_float(float_to_fp16(f));
    return f;
}

size_t dtype_bytes(int32_t dtype) { return dtype == RINGATTN_DTYPE_FP32 ? 4 : 2; }

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (ringattn_cuda_malloc(bytes, &ptr_) != RINGATTN_STATUS_OK)
        throw std::runtime_error(std::string("ringattn_cuda_malloc failed: ") + ringattn_last_error());
}

DeviceBuffer::~DeviceBuffer() { (void)ringattn_cuda_free(ptr_); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept : ptr_(other.ptr_), bytes_(other.bytes_) {
    other.ptr_ = nullptr;
    other.bytes_ = 0;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
        (void)ringattn_cuda_free(ptr_);
        ptr_ = other.ptr_;
        bytes_ = other.bytes_;
        other.ptr_ = nullptr;
        other.bytes_ = 0;
    }
    return *this;
}

void DeviceBuffer::upload(const void* host, size_t bytes) {
    if (ringattn_cuda_memcpy_async(ptr_, host, bytes, RINGATTN_MEMCPY_HOST_TO_DEVICE, nullptr) != RINGATTN_STATUS_OK ||
        ringattn_cuda_stream_synchronize(nullptr) != RINGATTN_STATUS_OK)
        throw std::runtime_error(std::string("upload failed: ") + ringattn_last_error());
}

void DeviceBuffer::download(void* host, size_t bytes) const {
    if (ringattn_cuda_stream_synchronize(nullptr) != RINGATTN_STATUS_OK ||
        ringattn_cuda_device_synchronize() != RINGATTN_STATUS_OK ||
        ringattn_cuda_memcpy_async(host, ptr_, bytes, RINGATTN_MEMCPY_DEVICE_TO_HOST, nullptr) != RINGATTN_STATUS_OK ||
        ringattn_cuda_stream_synchronize(nullptr) != RINGATTN_STATUS_OK)
        throw std::runtime_error(std::string("download failed: ") + ringattn_last_error());
}

void DeviceBuffer::fill_bytes(int value) {
    if (ringattn_cuda_memset_async(ptr_, value, bytes_, nullptr) != RINGATTN_STATUS_OK ||
        ringattn_cuda_stream_synchronize(nullptr) != RINGATTN_STATUS_OK)
        throw std::runtime_error(std::string("memset failed: ") + ringattn_last_error());
}

DeviceBuffer upload_as(int32_t dtype, const std::vector<float>& values) {
    DeviceBuffer buffer(std::max<size_t>(values.size() * dtype_bytes(dtype), 16));
    if (dtype == RINGATTN_DTYPE_FP32) {
        buffer.upload(values.data(), values.size() * 4);
    } else {
        std::vector<uint16_t> raw(values.size());
        for (size_t i = 0; i < values.size(); ++i)
            raw[i] = dtype == RINGATTN_DTYPE_BF16 ? float_to_bf16(values[i]) : float_to_fp16(values[i]);
        buffer.upload(raw.data(), raw.size() * 2);
    }
    return buffer;
}

std::vector<float> download_as(int32_t dtype, const DeviceBuffer& buffer, size_t count) {
    std::vector<float> out(count);
    if (dtype == RINGATTN_DTYPE_FP32) {
        buffer.download(out.data(), count * 4);
    } else {
        std::vector<uint16_t> raw(count);
        buffer.download(raw.data(), count * 2);
        for (size_t i = 0; i < count; ++i)
            out[i] = dtype == RINGATTN_DTYPE_BF16 ? bf16_to_float(raw[i]) : fp16_to_float(raw[i]);
    }
    return out;
}

std::vector<float> random_values(size_t count, uint32_t seed, float low, float high) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(low, high);
    std::vector<float> v(count);
    for (auto& x : v) x = dist(rng);
    return v;
}

const char* layout_name(Layout layout) {
    switch (layout) {
        case Layout::BSHD: return "BSHD";
        case Layout::SBHD: return "SBHD";
        case Layout::BHSD: return "BHSD";
    }
    return "?";
}

void layout_strides(Layout layout, int64_t b, int64_t h, int64_t s, int64_t d, int64_t (&out)[4]) {
    (void)b;
    switch (layout) {
        case Layout::BSHD:
            out[0] = s * h * d;
            out[1] = d;
            out[2] = h * d;
            out[3] = 1;
            break;
        case Layout::SBHD:
            out[0] = h * d;
            out[1] = d;
            out[2] = b * h * d;
            out[3] = 1;
            break;
        case Layout::BHSD:
            out[0] = h * s * d;
            out[1] = s * d;
            out[2] = d;
            out[3] = 1;
            break;
    }
}

bool visible(int32_t mask, int64_t window_left, int64_t s_q, int64_t s_kv, int64_t i, int64_t j, int64_t window_right) {
    if (mask == RINGATTN_MASK_NONE) return true;
    if (mask == RINGATTN_MASK_BAND)  // the header's rule as written, not the shim's simplification of it
        return (window_left < 0 || j >= i - window_left) && (window_right < 0 || j <= i + window_right);
    const int64_t diag = mask == RINGATTN_MASK_CAUSAL_TOP_LEFT ? i : i + s_kv - s_q;
    if (j > diag) return false;
    if (window_left > 0 && j < diag - window_left) return false;
    return true;
}

namespace {

struct Scores {
    std::vector<double> p;  // [s_kv] probabilities of one row
    double lse;
};

Scores row_scores(const HostTensor& q, const HostTensor& k, int32_t mask, int64_t window_left, double scale, int64_t b,
                  int64_t h, int64_t kvh, int64_t i, int64_t window_right) {
    const int64_t sq = q.dims[2], skv = k.dims[2], d = q.dims[3];
    Scores r;
    r.p.assign(skv, 0.0);
    std::vector<double> s(skv, -std::numeric_limits<double>::infinity());
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < skv; ++j) {
        if (!visible(mask, window_left, sq, skv, i, j, window_right)) continue;
        double dot = 0.0;
        for (int64_t x = 0; x < d; ++x) dot += static_cast<double>(q.at(b, h, i, x)) * k.at(b, kvh, j, x);
        s[j] = scale * dot;
        m = std::max(m, s[j]);
    }
    if (m == -std::numeric_limits<double>::infinity()) {
        r.lse = m;
        return r;
    }
    double sum = 0.0;
    for (int64_t j = 0; j < skv; ++j)
        if (s[j] != -std::numeric_limits<double>::infinity()) sum += std::exp(s[j] - m);
    r.lse = m + std::log(sum);
    for (int64_t j = 0; j < skv; ++j)
        if (s[j] != -std::numeric_limits<double>::infinity()) r.p[j] = std::exp(s[j] - r.lse);
    return r;
}

}  // namespace

void reference_forward(const HostTensor& q, const HostTensor& k, const HostTensor& v, int32_t mask, int64_t window_left,
                       double scale, std::vector<double>& o, std::vector<double>& lse, int64_t window_right) {
    const int64_t B = q.dims[0], Hq = q.dims[1], Sq = q.dims[2], D = q.dims[3];
    const int64_t Hkv = k.dims[1], Skv = k.dims[2];
    const int64_t group = Hq / Hkv;
    o.assign(B * Hq * Sq * D, 0.0);
    lse.assign(B * Hq * Sq, 0.0);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < Hq; ++h)
            for (int64_t i = 0; i < Sq; ++i) {
                Scores r = row_scores(q, k, mask, window_left, scale, b, h, h / group, i, window_right);
                lse[(b * Hq + h) * Sq + i] = r.lse;
                for (int64_t j = 0; j < Skv; ++j) {
                    if (r.p[j] == 0.0) continue;
                    for (int64_t x = 0; x < D; ++x)
                        o[((b * Hq + h) * Sq + i) * D + x] += r.p[j] * v.at(b, h / group, j, x);
                }
            }
}

void reference_backward(const HostTensor& q, const HostTensor& k, const HostTensor& v, const HostTensor& d_o,
                        int32_t mask, int64_t window_left, double scale, std::vector<double>& dq,
                        std::vector<double>& dk, std::vector<double>& dv, int64_t window_right) {
    const int64_t B = q.dims[0], Hq = q.dims[1], Sq = q.dims[2], D = q.dims[3];
    const int64_t Hkv = k.dims[1], Skv = k.dims[2];
    const int64_t group = Hq / Hkv;
    std::vector<double> o, lse;
    reference_forward(q, k, v, mask, window_left, scale, o, lse, window_right);
    dq.assign(B * Hq * Sq * D, 0.0);
    dk.assign(B * Hkv * Skv * D, 0.0);
    dv.assign(B * Hkv * Skv * D, 0.0);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < Hq; ++h) {
            const int64_t kvh = h / group;
            for (int64_t i = 0; i < Sq; ++i) {
                Scores r = row_scores(q, k, mask, window_left, scale, b, h, kvh, i, window_right);
                double rowsum = 0.0;  // D_i = dO_i . O_i
                for (int64_t x = 0; x < D; ++x) rowsum += d_o.at(b, h, i, x) * o[((b * Hq + h) * Sq + i) * D + x];
                for (int64_t j = 0; j < Skv; ++j) {
                    const double p = r.p[j];
                    if (p == 0.0) continue;
                    double dp = 0.0;
                    for (int64_t x = 0; x < D; ++x) dp += d_o.at(b, h, i, x) * static_cast<double>(v.at(b, kvh, j, x));
                    const double ds = p * (dp - rowsum);
                    for (int64_t x = 0; x < D; ++x) {
                        dv[((b * Hkv + kvh) * Skv + j) * D + x] += p * d_o.at(b, h, i, x);
                        dq[((b * Hq + h) * Sq + i) * D + x] += scale * ds * k.at(b, kvh, j, x);
                        dk[((b * Hkv + kvh) * Skv + j) * D + x] += scale * ds * q.at(b, h, i, x);
                    }
                }
            }
        }
}

double relative_error(const std::vector<float>& storage, const int64_t (&dims)[4], const int64_t (&strides)[4],
                      const std::vector<double>& reference) {
    double num = 0.0, den = 0.0;
    size_t index = 0;
    for (int64_t b = 0; b < dims[0]; ++b)
        for (int64_t h = 0; h < dims[1]; ++h)
            for (int64_t s = 0; s < dims[2]; ++s)
                for (int64_t d = 0; d < dims[3]; ++d, ++index) {
                    const double a = storage[b * strides[0] + h * strides[1] + s * strides[2] + d * strides[3]];
                    if (!std::isfinite(a)) return std::numeric_limits<double>::infinity();
                    const double diff = a - reference[index];
                    num += diff * diff;
                    den += reference[index] * reference[index];
                }
    return std::sqrt(num / std::max(den, 1e-30));
}

}  // namespace ringattn_test
