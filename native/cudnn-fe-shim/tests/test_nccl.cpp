// A one-rank NCCL ring: the send to (r+1)%1 = self and the receive from self complete in one group, in both
// directions, with the blocking and the time-limited (non-blocking) initialisation. Reduce-scatter and all-to-all
// on one rank, and on one rank per visible GPU (threads, one communicator each) when there are at least two: NCCL
// refuses two ranks on one device, so a one-GPU machine checks the one-rank case only.
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "test_support.h"

using namespace ringattn_test;

namespace {

void exchange_and_check(ringattn_comm* comm, int32_t direction) {
    const size_t count = (1 << 20) + 3;  // odd byte count on purpose
    std::vector<uint8_t> payload(count);
    for (size_t i = 0; i < count; ++i) payload[i] = static_cast<uint8_t>((i * 31 + direction) & 0xFF);
    DeviceBuffer send(count), recv(count);
    send.upload(payload.data(), count);
    recv.fill_bytes(0);
    ringattn_stream stream = nullptr;
    RA_OK(ringattn_cuda_stream_create(&stream));
    RA_OK(ringattn_nccl_ring_exchange(comm, send.get(), recv.get(), count, direction, stream));
    RA_OK(ringattn_cuda_stream_synchronize(stream));
    int32_t async_state = -1;
    RA_OK(ringattn_nccl_comm_async_error(comm, &async_state));
    EXPECT_EQ(async_state, 0);
    std::vector<uint8_t> got(count);
    recv.download(got.data(), count);
    EXPECT_TRUE(got == payload) << "received data differs, direction " << direction;
    RA_OK(ringattn_cuda_stream_destroy(stream));
}

}  // namespace

TEST(Nccl, OneRankRingBlocking) {
    ringattn_nccl_unique_id id{};
    RA_OK(ringattn_nccl_get_unique_id(&id));
    ringattn_comm* comm = nullptr;
    RA_OK(ringattn_nccl_comm_init(&id, 1, 0, 0, &comm));
    const char* nvls = std::getenv("NCCL_NVLS_ENABLE");
    ASSERT_TRUE(nvls != nullptr) << "init must set NCCL_NVLS_ENABLE when it is unset";
    EXPECT_EQ(std::string(nvls), std::string("0"));
    int32_t rank = -1, nranks = -1, device = -1;
    RA_OK(ringattn_nccl_comm_info(comm, &rank, &nranks, &device));
    EXPECT_EQ(rank, 0);
    EXPECT_EQ(nranks, 1);
    EXPECT_EQ(device, 0);
    exchange_and_check(comm, RINGATTN_RING_FORWARD);
    exchange_and_check(comm, RINGATTN_RING_BACKWARD);
    RA_OK(ringattn_nccl_comm_finalize(comm));
    RA_OK(ringattn_nccl_comm_destroy(comm));
}

TEST(Nccl, OneRankRingNonBlockingWithTimeout) {
    ringattn_nccl_unique_id id{};
    RA_OK(ringattn_nccl_get_unique_id(&id));
    ringattn_comm* comm = nullptr;
    RA_OK(ringattn_nccl_comm_init_timeout(&id, 1, 0, 0, 30000, &comm));
    exchange_and_check(comm, RINGATTN_RING_FORWARD);
    RA_OK(ringattn_nccl_comm_finalize(comm));
    RA_OK(ringattn_nccl_comm_destroy(comm));
}

TEST(Nccl, AbortFreesCommunicator) {
    ringattn_nccl_unique_id id{};
    RA_OK(ringattn_nccl_get_unique_id(&id));
    ringattn_comm* comm = nullptr;
    RA_OK(ringattn_nccl_comm_init(&id, 1, 0, 0, &comm));
    RA_OK(ringattn_nccl_comm_abort(comm));
}

TEST(Nccl, OneRankSplitAllGatherAndGather) {
    ringattn_nccl_unique_id id{};
    RA_OK(ringattn_nccl_get_unique_id(&id));
    ringattn_comm* world = nullptr;
    RA_OK(ringattn_nccl_comm_init_timeout(&id, 1, 0, 0, 30000, &world));
    ringattn_comm* group = nullptr;
    RA_OK(ringattn_nccl_comm_split(world, 0, 0, &group));
    ASSERT_TRUE(group != nullptr);
    int32_t rank = -1, nranks = -1;
    RA_OK(ringattn_nccl_comm_info(group, &rank, &nranks, nullptr));
    EXPECT_EQ(rank, 0);
    EXPECT_EQ(nranks, 1);
    ringattn_comm* none = reinterpret_cast<ringattn_comm*>(0x1);
    RA_OK(ringattn_nccl_comm_split(world, -1, 0, &none));
    EXPECT_TRUE(none == nullptr) << "a negative color leaves the rank out";

    const size_t count = 4099;
    std::vector<uint8_t> payload(count);
    for (size_t i = 0; i < count; ++i) payload[i] = static_cast<uint8_t>((i * 7 + 3) & 0xFF);
    DeviceBuffer send(count), gathered(count), all(count);
    send.upload(payload.data(), count);
    gathered.fill_bytes(0);
    all.fill_bytes(0);
    ringattn_stream stream = nullptr;
    RA_OK(ringattn_cuda_stream_create(&stream));
    RA_OK(ringattn_nccl_gather(group, send.get(), gathered.get(), count, 0, stream));
    RA_OK(ringattn_nccl_all_gather(group, send.get(), all.get(), count, stream));
    RA_OK(ringattn_cuda_stream_synchronize(stream));
    std::vector<uint8_t> got(count);
    gathered.download(got.data(), count);
    EXPECT_TRUE(got == payload) << "gather to the root differs";
    all.download(got.data(), count);
    EXPECT_TRUE(got == payload) << "all-gather differs";
    EXPECT_EQ(ringattn_nccl_gather(group, send.get(), gathered.get(), count, 1, stream),
              RINGATTN_STATUS_INVALID_ARGUMENT);

    // A cancelled communicator refuses every call at once, and can still be aborted.
    RA_OK(ringattn_nccl_comm_cancel(group));
    EXPECT_EQ(ringattn_nccl_all_gather(group, send.get(), all.get(), count, stream), RINGATTN_STATUS_ABORTED);
    EXPECT_NE(std::string(ringattn_last_error()).find("cancelled"), std::string::npos) << ringattn_last_error();
    RA_OK(ringattn_nccl_comm_abort(group));
    RA_OK(ringattn_cuda_stream_destroy(stream));
    RA_OK(ringattn_nccl_comm_finalize(world));
    RA_OK(ringattn_nccl_comm_destroy(world));
}

TEST(Nccl, BadArguments) {
    ringattn_nccl_unique_id id{};
    RA_OK(ringattn_nccl_get_unique_id(&id));
    ringattn_comm* comm = nullptr;
    EXPECT_EQ(ringattn_nccl_comm_init(nullptr, 1, 0, 0, &comm), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(ringattn_nccl_comm_init(&id, 2, 2, 0, &comm), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(ringattn_nccl_comm_init(&id, 0, 0, 0, &comm), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(ringattn_nccl_comm_init(&id, 1, 0, 999, &comm), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(ringattn_nccl_comm_init_timeout(&id, 1, 0, 0, 0, &comm), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_TRUE(comm == nullptr);
    EXPECT_EQ(ringattn_nccl_ring_exchange(nullptr, nullptr, nullptr, 16, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(ringattn_last_error()).find("comm"), std::string::npos) << ringattn_last_error();
    RA_OK(ringattn_nccl_comm_init(&id, 1, 0, 0, &comm));
    DeviceBuffer a(64);
    EXPECT_EQ(ringattn_nccl_ring_exchange(comm, a.get(), a.get(), 64, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT)
        << "overlapping buffers";
    EXPECT_EQ(ringattn_nccl_ring_exchange(comm, a.get(), nullptr, 64, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(ringattn_nccl_ring_exchange(comm, a.get(), a.get(), 64, 5, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT);
    RA_OK(ringattn_nccl_comm_destroy(comm));
}

namespace {

// Small integers: exact in fp32, bf16 and fp16 and in any summation order, so results compare exactly.
float collective_value(int32_t rank, size_t i) { return static_cast<float>((rank + 1) * static_cast<int>(i % 7) - 3); }

/**
 * Rank `rank` of `nranks` on device `rank`: reduce-scatter (every dtype, out of place and in place) and all-to-all,
 * each checked against what the header promises. Returns the number of mismatches and failed calls.
 */
int64_t run_collectives(const ringattn_nccl_unique_id& id, int32_t nranks, int32_t rank) {
    int64_t bad = 0;
    auto ok = [&bad](int32_t status, const char* what) {
        if (status == RINGATTN_STATUS_OK) return true;
        std::printf("    rank call %s failed: %s\n", what, ringattn_last_error());
        ++bad;
        return false;
    };
    if (!ok(ringattn_cuda_set_device(rank), "set_device")) return bad;
    ringattn_comm* comm = nullptr;
    if (!ok(ringattn_nccl_comm_init_timeout(&id, nranks, rank, rank, 60000, &comm), "comm_init")) return bad;
    ringattn_stream stream = nullptr;
    ok(ringattn_cuda_stream_create(&stream), "stream_create");
    const size_t count = 1000 + 3;  // not a multiple of any vector width
    for (int32_t dtype : {RINGATTN_DTYPE_FP32, RINGATTN_DTYPE_BF16, RINGATTN_DTYPE_FP16}) {
        for (bool in_place : {false, true}) {
            std::vector<float> values(nranks * count);
            for (size_t i = 0; i < values.size(); ++i) values[i] = collective_value(rank, i);
            DeviceBuffer send = upload_as(dtype, values);
            DeviceBuffer separate(count * dtype_bytes(dtype));
            void* recv = in_place
                             ? static_cast<void*>(static_cast<char*>(send.get()) + rank * count * dtype_bytes(dtype))
                             : separate.get();
            ok(ringattn_nccl_reduce_scatter(comm, send.get(), recv, count, dtype, stream), "reduce_scatter");
            ok(ringattn_cuda_stream_synchronize(stream), "stream_synchronize");
            std::vector<float> got =
                in_place ? download_as(dtype, send, nranks * count) : download_as(dtype, separate, count);
            const size_t base = in_place ? rank * count : 0;
            for (size_t i = 0; i < count; ++i) {
                float expected = 0.0f;
                for (int32_t r = 0; r < nranks; ++r) expected += collective_value(r, rank * count + i);
                if (got[base + i] != expected) ++bad;
            }
        }
    }
    // All-to-all: element i of the block for rank j from rank r holds r * 1e6 + j * 1e3 + i.
    const size_t ints = 257;
    std::vector<int32_t> blocks(nranks * ints);
    for (size_t x = 0; x < blocks.size(); ++x)
        blocks[x] = rank * 1000000 + static_cast<int32_t>(x / ints) * 1000 + static_cast<int32_t>(x % ints);
    DeviceBuffer send(blocks.size() * 4), recv(blocks.size() * 4);
    send.upload(blocks.data(), blocks.size() * 4);
    recv.fill_bytes(0xFF);
    ok(ringattn_nccl_all_to_all(comm, send.get(), recv.get(), ints * 4, stream), "all_to_all");
    ok(ringattn_cuda_stream_synchronize(stream), "stream_synchronize");
    std::vector<int32_t> got(blocks.size());
    recv.download(got.data(), got.size() * 4);
    for (int32_t source = 0; source < nranks; ++source)
        for (size_t i = 0; i < ints; ++i)
            if (got[source * ints + i] != source * 1000000 + rank * 1000 + static_cast<int32_t>(i)) ++bad;
    ok(ringattn_cuda_stream_destroy(stream), "stream_destroy");
    ok(ringattn_nccl_comm_finalize(comm), "comm_finalize");
    ok(ringattn_nccl_comm_destroy(comm), "comm_destroy");
    return bad;
}

}  // namespace

TEST(Nccl, OneRankReduceScatterAndAllToAll) {
    ringattn_nccl_unique_id id{};
    RA_OK(ringattn_nccl_get_unique_id(&id));
    EXPECT_EQ(run_collectives(id, 1, 0), 0);
}

TEST(Nccl, ReduceScatterAndAllToAllOnEveryGpu) {
    int32_t devices = 0;
    RA_OK(ringattn_cuda_device_count(&devices));
    if (devices < 2) {
        std::printf("    skipped: %d GPU(s); NCCL needs a device per rank\n", devices);
        return;
    }
    ringattn_nccl_unique_id id{};
    RA_OK(ringattn_nccl_get_unique_id(&id));
    std::vector<int64_t> bad(devices, 0);
    std::vector<std::thread> ranks;
    for (int32_t r = 0; r < devices; ++r) ranks.emplace_back([&, r]() { bad[r] = run_collectives(id, devices, r); });
    for (auto& t : ranks) t.join();
    for (int32_t r = 0; r < devices; ++r) EXPECT_EQ(bad[r], 0) << "rank " << r;
}

TEST(Nccl, CollectiveBadArguments) {
    ringattn_nccl_unique_id id{};
    RA_OK(ringattn_nccl_get_unique_id(&id));
    ringattn_comm* comm = nullptr;
    RA_OK(ringattn_nccl_comm_init(&id, 1, 0, 0, &comm));
    DeviceBuffer a(256);
    char* base = static_cast<char*>(a.get());
    EXPECT_EQ(ringattn_nccl_reduce_scatter(comm, base, base + 128, 4, 9, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(ringattn_last_error()).find("dtype"), std::string::npos) << ringattn_last_error();
    EXPECT_EQ(ringattn_nccl_reduce_scatter(comm, base, base + 4, 4, RINGATTN_DTYPE_FP32, nullptr),
              RINGATTN_STATUS_INVALID_ARGUMENT)
        << "recv overlapping send other than as the rank's own block";
    EXPECT_EQ(ringattn_nccl_reduce_scatter(comm, base, nullptr, 4, RINGATTN_DTYPE_FP32, nullptr),
              RINGATTN_STATUS_INVALID_ARGUMENT);
    RA_OK(ringattn_nccl_reduce_scatter(comm, nullptr, nullptr, 0, RINGATTN_DTYPE_FP32, nullptr));  // count 0: nothing
    EXPECT_EQ(ringattn_nccl_all_to_all(comm, base, base + 8, 16, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(ringattn_last_error()).find("overlap"), std::string::npos) << ringattn_last_error();
    EXPECT_EQ(ringattn_nccl_all_to_all(nullptr, base, base + 128, 16, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT);
    RA_OK(ringattn_nccl_comm_cancel(comm));
    EXPECT_EQ(ringattn_nccl_all_to_all(comm, base, base + 128, 16, nullptr), RINGATTN_STATUS_ABORTED);
    EXPECT_EQ(ringattn_nccl_reduce_scatter(comm, base, base + 128, 4, RINGATTN_DTYPE_FP32, nullptr),
              RINGATTN_STATUS_ABORTED);
    RA_OK(ringattn_nccl_comm_abort(comm));
}

RINGATTN_TEST_MAIN()
