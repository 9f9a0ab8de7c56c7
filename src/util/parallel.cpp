#include "ferry/util/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace ferry::util {

Result<void> parallel_for(std::size_t count, const std::function<Result<void>(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::optional<Error> first_error;
    const auto drain = [&] {
        for (std::size_t i = next++; i < count && !failed; i = next++) {
            if (auto done = work(i); !done) {
                const std::lock_guard lock(mutex);
                if (!first_error) {
                    first_error = done.error();
                }
                failed = true;
            }
        }
    };
    const std::size_t threads =
        std::min<std::size_t>(std::max(1U, std::thread::hardware_concurrency()), count);
    std::vector<std::jthread> helpers;
    for (std::size_t t = 1; t < threads; ++t) {
        try {
            helpers.emplace_back(drain);
        } catch (const std::system_error&) {
            break;  // no thread to be had (a limit on processes): the ones started do the work
        }
    }
    drain();
    helpers.clear();  // joins
    if (first_error) {
        return std::unexpected(*first_error);
    }
    return {};
}

}  // namespace ferry::util
