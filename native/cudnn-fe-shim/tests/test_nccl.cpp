// A one-rank NCCL ring: the send to (r+1)%1 = self and the receive from self complete in one group, in both
// directions, with the blocking and the time-limited (non-blocking) initialisation.
#include <cstdio>
#include <cstdlib>

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

RINGATTN_TEST_MAIN()
