// A minimal stand-in for the subset of GoogleTest the shim's tests use (TEST, EXPECT_*/ASSERT_*,
// SUCCEED, GTEST_SKIP), for machines without GoogleTest and without network to fetch it.
// With GoogleTest found, CMake defines RINGATTN_USE_GTEST and the real framework is used instead.
#pragma once

#ifdef RINGATTN_USE_GTEST
#include <gtest/gtest.h>
#else

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace mini_test {

struct TestCase {
    const char* suite;
    const char* name;
    std::function<void()> body;
};

inline std::vector<TestCase>& registry() {
    static std::vector<TestCase> tests;
    return tests;
}

struct State {
    bool failed = false;
    bool skipped = false;
};

inline State& state() {
    static State s;
    return s;
}

struct Registrar {
    Registrar(const char* suite, const char* name, std::function<void()> body) {
        registry().push_back({suite, name, std::move(body)});
    }
};

/** Thrown by ASSERT_* to leave the current test. */
struct AssertionAbort {};

/** Collects a failure message; streaming into it appends to the message (like GoogleTest). */
class Failure {
public:
    Failure(const char* file, int line, std::string what, bool fatal) : fatal_(fatal) {
        stream_ << file << ":" << line << ": Failure\n" << what;
    }
    ~Failure() noexcept(false) {
        std::fprintf(stderr, "%s\n", stream_.str().c_str());
        state().failed = true;
        if (fatal_) throw AssertionAbort{};
    }
    template <class T>
    Failure& operator<<(const T& value) {
        stream_ << "\n  " << value;
        return *this;
    }

private:
    std::ostringstream stream_;
    bool fatal_;
};

/** Swallows the streamed message of a passing check. */
struct Pass {
    template <class T>
    Pass& operator<<(const T&) {
        return *this;
    }
};

template <class A, class B>
std::string describe(const char* op, const char* a_text, const char* b_text, const A& a, const B& b) {
    std::ostringstream s;
    s << "Expected: (" << a_text << ") " << op << " (" << b_text << "), actual: " << a << " vs " << b;
    return s.str();
}

inline int run_all(int argc, char** argv) {
    const char* filter = nullptr;
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], "--gtest_filter=", 15) == 0) filter = argv[i] + 15;
    int failed = 0, passed = 0, skipped = 0;
    for (auto& test : registry()) {
        std::string full = std::string(test.suite) + "." + test.name;
        if (filter != nullptr && full.find(filter) == std::string::npos) continue;
        std::printf("[ RUN      ] %s\n", full.c_str());
        std::fflush(stdout);
        state() = State{};
        try {
            test.body();
        } catch (const AssertionAbort&) {
        } catch (const std::exception& e) {
            std::fprintf(stderr, "uncaught exception: %s\n", e.what());
            state().failed = true;
        }
        if (state().failed) {
            ++failed;
            std::printf("[  FAILED  ] %s\n", full.c_str());
        } else if (state().skipped) {
            ++skipped;
            std::printf("[  SKIPPED ] %s\n", full.c_str());
        } else {
            ++passed;
            std::printf("[       OK ] %s\n", full.c_str());
        }
        std::fflush(stdout);
    }
    std::printf("[==========] %d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed == 0 ? 0 : 1;
}

}  // namespace mini_test

#define MT_CONCAT_(a, b) a##b
#define MT_CONCAT(a, b) MT_CONCAT_(a, b)

#define TEST(suite, name)                                                                         \
    static void MT_CONCAT(mt_test_, MT_CONCAT(suite, MT_CONCAT(_, name)))();                      \
    static ::mini_test::Registrar MT_CONCAT(mt_registrar_, MT_CONCAT(suite, MT_CONCAT(_, name)))( \
        #suite, #name, &MT_CONCAT(mt_test_, MT_CONCAT(suite, MT_CONCAT(_, name))));               \
    static void MT_CONCAT(mt_test_, MT_CONCAT(suite, MT_CONCAT(_, name)))()

#define MT_CHECK_(cond, text, fatal) \
    if (cond)                        \
        ::mini_test::Pass{};         \
    else                             \
        ::mini_test::Failure(__FILE__, __LINE__, text, fatal)

#define MT_CMP_(op, a, b, fatal) \
    if ((a)op(b))                \
        ::mini_test::Pass{};     \
    else                         \
        ::mini_test::Failure(__FILE__, __LINE__, ::mini_test::describe(#op, #a, #b, (a), (b)), fatal)

#define EXPECT_TRUE(c) MT_CHECK_((c), "Expected true: " #c, false)
#define EXPECT_FALSE(c) MT_CHECK_(!(c), "Expected false: " #c, false)
#define ASSERT_TRUE(c) MT_CHECK_((c), "Expected true: " #c, true)
#define ASSERT_FALSE(c) MT_CHECK_(!(c), "Expected false: " #c, true)
#define EXPECT_EQ(a, b) MT_CMP_(==, a, b, false)
#define EXPECT_NE(a, b) MT_CMP_(!=, a, b, false)
#define EXPECT_LT(a, b) MT_CMP_(<, a, b, false)
#define EXPECT_LE(a, b) MT_CMP_(<=, a, b, false)
#define EXPECT_GT(a, b) MT_CMP_(>, a, b, false)
#define EXPECT_GE(a, b) MT_CMP_(>=, a, b, false)
#define ASSERT_EQ(a, b) MT_CMP_(==, a, b, true)
#define ASSERT_NE(a, b) MT_CMP_(!=, a, b, true)
#define ASSERT_LT(a, b) MT_CMP_(<, a, b, true)
#define ASSERT_LE(a, b) MT_CMP_(<=, a, b, true)
#define ASSERT_GT(a, b) MT_CMP_(>, a, b, true)
#define ASSERT_GE(a, b) MT_CMP_(>=, a, b, true)
#define EXPECT_NEAR(a, b, tol)                                                                                      \
    MT_CHECK_(std::fabs((double)(a) - (double)(b)) <= (double)(tol), ::mini_test::describe("~=", #a, #b, (a), (b)), \
              false)
#define ASSERT_NEAR(a, b, tol)                                                                                      \
    MT_CHECK_(std::fabs((double)(a) - (double)(b)) <= (double)(tol), ::mini_test::describe("~=", #a, #b, (a), (b)), \
              true)
#define GTEST_SKIP() return (void)(::mini_test::state().skipped = true)
#define SUCCEED() \
    ::mini_test::Pass {}

#define RINGATTN_TEST_MAIN() \
    int main(int argc, char** argv) { return ::mini_test::run_all(argc, argv); }

#endif  // RINGATTN_USE_GTEST

#ifdef RINGATTN_USE_GTEST
#define RINGATTN_TEST_MAIN()                    \
    int main(int argc, char** argv) {           \
        ::testing::InitGoogleTest(&argc, argv); \
        return RUN_ALL_TESTS();                 \
    }
#endif
