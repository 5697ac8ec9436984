// The ring kernels against CPU formulas: LSE merge (with -inf rows and a row sub-range), init/finalize,
// accumulate/cast over strided views (vectorized and scalar paths).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "test_support.h"

using namespace ringattn_test;

namespace {

const float kNegInf = -std::numeric_limits<float>::infinity();

ringattn_tensor_desc view(int64_t b, int64_t h, int64_t s, int64_t d, const int64_t (&strides)[4], int32_t dtype) {
    ringattn_tensor_desc t{};
    t.dims[0] = b;
    t.dims[1] = h;
    t.dims[2] = s;
    t.dims[3] = d;
    std::copy(strides, strides + 4, t.strides);
    t.dtype = dtype;
    return t;
}

int64_t offset(const ringattn_tensor_desc& t, int64_t b, int64_t h, int64_t s, int64_t d) {
    return b * t.strides[0] + h * t.strides[1] + s * t.strides[2] + d * t.strides[3];
}

/** CPU version of the merge of one row, exactly as documented in ringattn_shim.h. */
void merge_row(float& l, float* o, float lb, const float* ob, int64_t d) {
    if (!std::isfinite(lb)) return;
    if (!std::isfinite(l)) {
        l = lb;
        for (int64_t x = 0; x < d; ++x) o[x] = ob[x];
        return;
    }
    const double m = std::max(l, lb);
    const double nl = m + std::log1p(std::exp(std::min(l, lb) - m));
    const double wa = std::exp(l - nl), wb = std::exp(lb - nl);
    for (int64_t x = 0; x < d; ++x) o[x] = static_cast<float>(wa * o[x] + wb * ob[x]);
    l = static_cast<float>(nl);
}

void merge_case(int32_t dtype, int64_t d) {
    std::printf("  merge dtype=%d d=%lld\n", dtype, (long long)d);
    const int64_t B = 2, H = 3, L = 40, rows = 24, row_begin = 10;
    int64_t acc_strides[4], part_strides[4];
    layout_strides(Layout::BHSD, B, H, L, d, acc_strides);
    layout_strides(Layout::BSHD, B, H, rows, d, part_strides);  // partial O in BSHD, accumulator BHSD
    ringattn_tensor_desc acc = view(B, H, L, d, acc_strides, RINGATTN_DTYPE_FP32);
    ringattn_tensor_desc part = view(B, H, rows, d, part_strides, dtype);

    const size_t n_acc = B * H * L * d, n_part = B * H * rows * d;
    DeviceBuffer o_acc(n_acc * 4), lse_acc(B * H * L * 4);
    o_acc.fill_bytes(0x7F);  // garbage that init must overwrite
    lse_acc.fill_bytes(0x7F);
    RA_OK(ringattn_merge_init(&acc, o_acc.as<float>(), lse_acc.as<float>(), nullptr));

    // Step 1: a partial covering all L rows (BHSD like the accumulator), with a few -inf rows.
    std::vector<float> o1 = random_values(n_acc, 31), l1 = random_values(B * H * L, 32, -3.0f, 3.0f);
    for (auto& x : o1) x = round_to(dtype, x);
    for (int64_t r = 0; r < B * H * L; r += 7) l1[r] = kNegInf;
    ringattn_tensor_desc part1 = view(B, H, L, d, acc_strides, dtype);
    DeviceBuffer o1_d = upload_as(dtype, o1), l1_d = upload_as(RINGATTN_DTYPE_FP32, l1);
    RA_OK(ringattn_lse_merge(&part1, o1_d.get(), l1_d.as<float>(), &acc, o_acc.as<float>(), lse_acc.as<float>(), 0,
                             nullptr));

    // Step 2: a partial of `rows` rows (BSHD) merged into rows [row_begin, row_begin + rows).
    std::vector<float> o2 = random_values(n_part, 33), l2 = random_values(B * H * rows, 34, -3.0f, 3.0f);
    for (auto& x : o2) x = round_to(dtype, x);
    for (int64_t r = 0; r < B * H * rows; r += 5) l2[r] = kNegInf;
    l2[1] = std::numeric_limits<float>::infinity();  // +inf is treated as an empty row too
    DeviceBuffer o2_d = upload_as(dtype, o2), l2_d = upload_as(RINGATTN_DTYPE_FP32, l2);
    RA_OK(ringattn_lse_merge(&part, o2_d.get(), l2_d.as<float>(), &acc, o_acc.as<float>(), lse_acc.as<float>(),
                             row_begin, nullptr));

    // CPU reference of the same sequence.
    std::vector<float> ref_o(n_acc, 0.0f), ref_l(B * H * L, kNegInf), ob(d);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t s = 0; s < L; ++s) {
                const int64_t r = (b * H + h) * L + s;
                for (int64_t x = 0; x < d; ++x) ob[x] = o1[offset(part1, b, h, s, x)];
                merge_row(ref_l[r], &ref_o[offset(acc, b, h, s, 0)], l1[r], ob.data(), d);
            }
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t s = 0; s < rows; ++s) {
                const int64_t r = (b * H + h) * L + row_begin + s;
                for (int64_t x = 0; x < d; ++x) ob[x] = o2[offset(part, b, h, s, x)];
                merge_row(ref_l[r], &ref_o[offset(acc, b, h, row_begin + s, 0)], l2[(b * H + h) * rows + s], ob.data(),
                          d);
            }

    std::vector<float> got_o = download_as(RINGATTN_DTYPE_FP32, o_acc, n_acc);
    std::vector<float> got_l = download_as(RINGATTN_DTYPE_FP32, lse_acc, B * H * L);
    double max_o = 0.0, max_l = 0.0;
    int64_t nan_count = 0, inf_mismatch = 0, empty_rows = 0;
    for (size_t i = 0; i < n_acc; ++i) {
        if (std::isnan(got_o[i])) ++nan_count;
        max_o = std::max(max_o, static_cast<double>(std::fabs(got_o[i] - ref_o[i])));
    }
    for (size_t i = 0; i < got_l.size(); ++i) {
        if (std::isnan(got_l[i])) ++nan_count;
        if (std::isinf(ref_l[i])) {
            ++empty_rows;
            if (!(std::isinf(got_l[i]) && got_l[i] < 0)) ++inf_mismatch;
        } else {
            max_l = std::max(max_l, static_cast<double>(std::fabs(got_l[i] - ref_l[i])));
        }
    }
    std::printf("    merge: max |dO| %.2e max |dL| %.2e, %lld empty rows\n", max_o, max_l, (long long)empty_rows);
    EXPECT_EQ(nan_count, 0);
    EXPECT_EQ(inf_mismatch, 0);
    EXPECT_GT(empty_rows, 0) << "the test must contain rows that stay empty";
    EXPECT_LT(max_o, 1e-5);
    EXPECT_LT(max_l, 1e-5);

    // Finalize into BSHD with the partial dtype: empty rows become 0.
    int64_t out_strides[4];
    layout_strides(Layout::BSHD, B, H, L, d, out_strides);
    ringattn_tensor_desc out = view(B, H, L, d, out_strides, dtype);
    DeviceBuffer out_d(n_acc * 2);
    out_d.fill_bytes(0xFF);
    RA_OK(ringattn_merge_finalize(&acc, o_acc.as<float>(), lse_acc.as<float>(), &out, out_d.get(), nullptr));
    std::vector<float> got_out = download_as(dtype, out_d, n_acc);
    int64_t bad = 0;
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t s = 0; s < L; ++s)
                for (int64_t x = 0; x < d; ++x) {
                    const bool empty = std::isinf(ref_l[(b * H + h) * L + s]);
                    const float expect = empty ? 0.0f : round_to(dtype, ref_o[offset(acc, b, h, s, x)]);
                    const float g = got_out[offset(out, b, h, s, x)];
                    if (!(std::fabs(g - expect) <= 1e-2f * std::fabs(expect) + 1e-6f)) ++bad;
                }
    EXPECT_EQ(bad, 0) << "finalize mismatches";
}

}  // namespace

TEST(Kernels, LseMergeBf16Vectorized) { merge_case(RINGATTN_DTYPE_BF16, 64); }
TEST(Kernels, LseMergeFp16Scalar) { merge_case(RINGATTN_DTYPE_FP16, 12); }

TEST(Kernels, AccumulateCastStrided) {
    for (int32_t src_dtype : {RINGATTN_DTYPE_BF16, RINGATTN_DTYPE_FP16, RINGATTN_DTYPE_FP32}) {
        for (int64_t d : {int64_t{16}, int64_t{6}}) {
            const int64_t B = 2, H = 3, S = 10;
            int64_t acc_strides[4], src_strides[4];
            layout_strides(Layout::BHSD, B, H, S, d, acc_strides);
            layout_strides(Layout::SBHD, B, H, S, d, src_strides);
            ringattn_tensor_desc acc = view(B, H, S, d, acc_strides, RINGATTN_DTYPE_FP32);
            ringattn_tensor_desc src = view(B, H, S, d, src_strides, src_dtype);
            const size_t n = B * H * S * d;
            std::vector<float> a = random_values(n, 41), s = random_values(n, 42);
            for (auto& x : s) x = round_to(src_dtype, x);
            DeviceBuffer a_d = upload_as(RINGATTN_DTYPE_FP32, a), s_d = upload_as(src_dtype, s);
            RA_OK(ringattn_accumulate(&acc, a_d.as<float>(), &src, s_d.get(), nullptr));
            RA_OK(ringattn_accumulate(&acc, a_d.as<float>(), &src, s_d.get(), nullptr));
            std::vector<float> got = download_as(RINGATTN_DTYPE_FP32, a_d, n);
            double max_err = 0.0;
            for (int64_t b = 0; b < B; ++b)
                for (int64_t h = 0; h < H; ++h)
                    for (int64_t q = 0; q < S; ++q)
                        for (int64_t x = 0; x < d; ++x) {
                            const float expect = a[offset(acc, b, h, q, x)] + 2.0f * s[offset(src, b, h, q, x)];
                            max_err = std::max(max_err, (double)std::fabs(got[offset(acc, b, h, q, x)] - expect));
                        }
            EXPECT_LT(max_err, 1e-6) << "accumulate src dtype " << src_dtype << " d " << d;

            // Cast the accumulator to the src dtype in SBHD layout.
            ringattn_tensor_desc dst = view(B, H, S, d, src_strides, src_dtype);
            DeviceBuffer c_d(n * dtype_bytes(src_dtype));
            c_d.fill_bytes(0xFF);
            RA_OK(ringattn_cast(&acc, a_d.get(), &dst, c_d.get(), nullptr));
            std::vector<float> cast = download_as(src_dtype, c_d, n);
            int64_t bad = 0;
            for (int64_t b = 0; b < B; ++b)
                for (int64_t h = 0; h < H; ++h)
                    for (int64_t q = 0; q < S; ++q)
                        for (int64_t x = 0; x < d; ++x)
                            if (cast[offset(dst, b, h, q, x)] != round_to(src_dtype, got[offset(acc, b, h, q, x)]))
                                ++bad;
            EXPECT_EQ(bad, 0) << "cast mismatches, dtype " << src_dtype;
        }
    }
}

RINGATTN_TEST_MAIN()
