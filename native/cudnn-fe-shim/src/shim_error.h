// Internal error plumbing of the shim: a C++ exception type that carries a RINGATTN_STATUS_* code, the
// thread-local last-error message, and guarded(), the one wrapper every exported function goes through
// so that no exception ever crosses the C ABI.
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "ringattn_shim.h"

namespace ringattn {

/** An error raised inside the shim, turned into a status code and message at the C boundary. */
class ShimError : public std::runtime_error {
public:
    ShimError(int32_t status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int32_t status() const noexcept { return status_; }

private:
    int32_t status_;
};

/** Throws a ShimError; used by every check below. */
[[noreturn]] inline void fail(int32_t status, const std::string& message) { throw ShimError(status, message); }

/** Throws RINGATTN_STATUS_INVALID_ARGUMENT with `message` unless `condition` holds. */
inline void require(bool condition, const std::string& message) {
    if (!condition) fail(RINGATTN_STATUS_INVALID_ARGUMENT, message);
}

/** Throws RINGATTN_STATUS_INVALID_ARGUMENT if `pointer` is null. */
inline void require_not_null(const void* pointer, const char* name) {
    if (pointer == nullptr) fail(RINGATTN_STATUS_INVALID_ARGUMENT, std::string(name) + " must not be NULL");
}

/** Stores `message` as this thread's last error (see ringattn_last_error). */
void set_last_error(const std::string& message) noexcept;

/**
 * Runs `body` (a callable returning void or int32_t status) and converts every exception into a status
 * and a thread-local message prefixed with the exported function's name. A body that returns a non-OK
 * status without throwing (RINGATTN_STATUS_NOT_READY) sets no message.
 */
template <class Body>
int32_t guarded(const char* function, Body&& body) noexcept {
    try {
        if constexpr (std::is_same_v<decltype(body()), void>) {
            body();
            return RINGATTN_STATUS_OK;
        } else {
            return body();
        }
    } catch (const ShimError& e) {
        set_last_error(std::string(function) + ": " + e.what());
        return e.status();
    } catch (const std::bad_alloc&) {
        set_last_error(std::string(function) + ": host allocation failed");
        return RINGATTN_STATUS_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_last_error(std::string(function) + ": unexpected C++ exception: " + e.what());
        return RINGATTN_STATUS_INTERNAL;
    } catch (...) {
        set_last_error(std::string(function) + ": unexpected non-standard C++ exception");
        return RINGATTN_STATUS_INTERNAL;
    }
}

}  // namespace ringattn

/** Body of an exported function: RINGATTN_GUARDED({ ...statements... }) */
#define RINGATTN_GUARDED(...) return ::ringattn::guarded(__func__, [&]() __VA_ARGS__)
