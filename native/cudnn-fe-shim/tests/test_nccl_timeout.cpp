// The time limit of the non-blocking initialisation: rank 0 of a 2-rank communicator whose rank 1 never
// joins must come back with RINGATTN_STATUS_TIMEOUT (communicator aborted) instead of hanging.
// A separate executable with its own short ctest timeout, in case NCCL's abort itself blocks.
#include <chrono>
#include <cstdio>

#include "test_support.h"

TEST(NcclTimeout, MissingPeerTimesOut) {
    ringattn_nccl_unique_id id{};
    RA_OK(ringattn_nccl_get_unique_id(&id));
    ringattn_comm* comm = nullptr;
    const auto start = std::chrono::steady_clock::now();
    const int32_t status = ringattn_nccl_comm_init_timeout(&id, 2, 0, 0, 1500, &comm);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("  status %s after %.2f s: %s\n", ringattn_status_name(status), seconds, ringattn_last_error());
    EXPECT_EQ(status, RINGATTN_STATUS_TIMEOUT);
    EXPECT_TRUE(comm == nullptr);
    EXPECT_GE(seconds, 1.4);
    EXPECT_LT(seconds, 30.0) << "the abort after the time limit should be quick";
}

RINGATTN_TEST_MAIN()
