// WORKSPACE/ui.json: where a `ferry ui` of the workspace listens, for `run show --web`.
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "ferry/ui/server.hpp"
#include "ferry/util/fs.hpp"
#include "http.hpp"

namespace ferry::ui {

fs::path served_file(const fs::path& workspace_root) {
    return workspace_root / "ui.json";
}

Result<void> write_served(const fs::path& workspace_root, const Served& served) {
    const Json record{{"pid", ::getpid()}, {"url", served.url}, {"token", served.token}};
    return util::write_file_atomic(served_file(workspace_root), record.dump() + "\n", 0600,
                                   util::Durable::no);
}

namespace {

std::optional<Json> read_served(const fs::path& workspace_root) {
    const auto text = util::read_file(served_file(workspace_root));
    if (!text) {
        return std::nullopt;
    }
    Json served = Json::parse(*text, nullptr, false);
    if (!served.is_object() || !served["pid"].is_number_integer() || !served["url"].is_string() ||
        !served["token"].is_string()) {
        return std::nullopt;
    }
    return served;
}

// Whether the pid is a live ferry (not a process that took a dead one's number).
bool live_ferry(pid_t pid) {
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) {
        return false;
    }
    const auto comm = util::read_file(fs::path("/proc") / std::to_string(pid) / "comm");
    return comm && comm->starts_with("ferry");
}

}  // namespace

void remove_served(const fs::path& workspace_root) {
    const auto served = read_served(workspace_root);
    if (served && (*served)["pid"].get<pid_t>() == ::getpid()) {
        std::error_code ignored;
        fs::remove(served_file(workspace_root), ignored);
    }
}

std::optional<Served> served_ui(const fs::path& workspace_root) {
    const auto served = read_served(workspace_root);
    if (!served || !live_ferry((*served)["pid"].get<pid_t>())) {
        return std::nullopt;
    }
    return Served{(*served)["url"].get<std::string>(), (*served)["token"].get<std::string>()};
}

std::string page_url(const Served& served, std::string_view page) {
    return served.url + std::string(page) + (served.token.empty() ? "" : "?token=" + served.token);
}

}  // namespace ferry::ui
