#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "ferry/run/pending_end.hpp"
#include "ferry/run/record.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::run {

Ending Ending::of_job(int code, std::string error) {
    return {.status = code == 0 ? Status::completed : Status::failed,
            .reason = EndReason::job,
            .exit_code = code,
            .error = code == 0 ? std::string() : std::move(error)};
}

Ending Ending::canceled(std::string error, std::optional<int> code) {
    return {.status = Status::canceled,
            .reason = EndReason::canceled,
            .exit_code = code,
            .error = std::move(error)};
}

Ending Ending::timed_out(std::int64_t seconds, std::optional<int> code) {
    return {.status = Status::failed,
            .reason = EndReason::timeout,
            .exit_code = code,
            .error = fmt::format("timeout: limits.timeout of {} s reached", seconds)};
}

Ending Ending::infrastructure(std::string error, std::optional<int> code) {
    return {.status = Status::failed,
            .reason = EndReason::infrastructure,
            .exit_code = code,
            .error = std::move(error)};
}

namespace {

constexpr std::size_t k_pending_size = 4096;
constexpr std::size_t k_pending_error_size = 3072;  // leaves room for the other fields

}  // namespace

fs::path pending_end_path(const fs::path& run_directory) {
    return run_directory / "pending_end";
}

bool reserve_pending_end(const fs::path& run_directory) {
    const util::Fd fd(
        ::open(pending_end_path(run_directory).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) {
        return false;
    }
    // Spaces, which a reader takes for "nothing kept", written so that the blocks are the
    // file's whatever the filesystem does with fallocate. The write reserves them; no fsync
    // at every run's start: a crash loses the reservation with the run's supervisor anyway.
    const std::string blank(k_pending_size, ' ');
    return ::pwrite(fd.get(), blank.data(), blank.size(), 0) == static_cast<ssize_t>(blank.size());
}

bool keep_pending_end(const fs::path& run_directory, const Ending& ending) {
    const util::Fd fd(::open(pending_end_path(run_directory).c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) {
        return false;
    }
    Json kept = {{"status", status_name(ending.status)},
                 {"reason", reason_name(ending.reason)},
                 {"exit_code", ending.exit_code ? Json(*ending.exit_code) : Json(nullptr)},
                 {"error", ending.error.substr(0, k_pending_error_size)}};
    std::string text = kept.dump(-1, ' ', false, Json::error_handler_t::replace);
    text.resize(k_pending_size, ' ');
    return ::pwrite(fd.get(), text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()) &&
           ::fsync(fd.get()) == 0;
}

std::optional<Ending> read_pending_end(const fs::path& run_directory) {
    auto text = util::read_file(pending_end_path(run_directory));
    if (!text || text->find_first_not_of(' ') == std::string::npos) {
        return std::nullopt;
    }
    const Json kept = Json::parse(*text, nullptr, false);
    if (!kept.is_object() || !kept.value("status", Json()).is_string()) {
        return std::nullopt;
    }
    const auto status = parse_status(kept["status"].get<std::string>());
    if (!status || !is_terminal(*status)) {
        return std::nullopt;
    }
    Ending ending;
    ending.status = *status;
    ending.reason = parse_reason(kept.value("reason", std::string()));
    if (kept.value("exit_code", Json()).is_number_integer()) {
        ending.exit_code = kept["exit_code"].get<int>();
    }
    ending.error = kept.value("error", std::string());
    return ending;
}

}  // namespace ferry::run
