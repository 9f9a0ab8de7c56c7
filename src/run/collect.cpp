// Collecting a run's files as artifacts. The job may still run processes, in a container or
// not, and may have put links anywhere in its directories: every directory and file is
// opened below its parent's descriptor with O_NOFOLLOW, so what is read is what the walk
// saw, inside the run's directory, and a link is never followed, only recorded.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>

#include "ferry/run/artifacts.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"
#include "ferry/util/text.hpp"

namespace ferry::run {

namespace {

constexpr std::size_t k_named = 20;  // things left out named one by one
constexpr std::size_t k_first = 3;   // paths named for what a limit left out
constexpr int k_max_depth = 256;     // directories below a source
constexpr int k_open_directory = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// What group and others can reach below a directory of mode `mode`, within `reach`: a class
// that cannot search it reaches nothing below, whatever the files' own bits say.
unsigned reach_below(unsigned reach, mode_t mode) {
    return reach &
           (0700U | ((mode & S_IXGRP) != 0 ? 070U : 0U) | ((mode & S_IXOTH) != 0 ? 07U : 0U));
}

// The names in a directory, sorted: the same tree is taken in the same order.
Result<std::vector<std::string>> names_in(int dir_fd, const std::string& path) {
    DIR* dir = ::fdopendir(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
    if (dir == nullptr) {
        return fail("{}/: cannot read the directory: {}", path, util::errno_text(errno));
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            names.emplace_back(name);
        }
    }
    const int error = errno;
    ::closedir(dir);
    if (error != 0) {
        return fail("{}/: cannot read the directory: {}", path, util::errno_text(error));
    }
    std::ranges::sort(names);
    return names;
}

std::optional<std::string> link_text(int dir_fd, const std::string& name) {
    std::string target(PATH_MAX, '\0');
    const ssize_t length = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (length < 0) {
        return std::nullopt;
    }
    target.resize(static_cast<std::size_t>(length));
    return target;
}

// The target a link keeps, in normal form relative to the link ("sub/x", "../y"), or nothing
// when, read as a path, it leads outside `source` (the source's directory, absolute).
// `directory` is the link's directory below the source. A kept link in normal form, whose
// parents are real directories, only ever reaches other kept links: no chain leads out.
std::optional<std::string> kept_target(const fs::path& source, const std::string& directory,
                                       const std::string& target) {
    if (target.empty() || target.find('\0') != std::string::npos) {
        return std::nullopt;
    }
    const fs::path from = directory.empty() ? source : source / directory;
    const fs::path lexical =
        (target.starts_with('/') ? fs::path(target) : from / target).lexically_normal();
    const fs::path inside = lexical.lexically_relative(source);
    if (inside.empty() || *inside.begin() == "..") {
        return std::nullopt;
    }
    std::string kept = lexical.lexically_relative(from).string();
    return kept.ends_with('/') ? kept.substr(0, kept.size() - 1) : kept;
}

class Collector {
public:
    Collector(const store::BlobStore& blobs, const ArtifactLimits& limits) : m_blobs(blobs) {
        m_set.limits = limits;
    }

    // Takes one source, below the run's directory `run_fd` (`run_directory` by name).
    void take(int run_fd, const fs::path& run_directory, const ArtifactSource& source) {
        const fs::path relative = source.directory.lexically_relative(run_directory);
        if (relative.empty() || *relative.begin() == ".." || *relative.begin() == ".") {
            leave_out(
                fmt::format("{}/: {} is not inside the run's directory {}; nothing stored "
                            "from it",
                            source.prefix, source.directory.string(), run_directory.string()));
            return;
        }
        util::Fd fd = open_source(run_fd, relative, source.prefix);
        struct stat st {};
        if (fd && ::fstat(fd.get(), &st) == 0) {
            m_source = source.directory;
            m_prefix = source.prefix;
            walk(fd.get(), source.prefix, "", 0, reach_below(0777U, st.st_mode));
        }
    }

    ArtifactSet& set() { return m_set; }
    std::vector<snapshot::ManifestEntry>& entries() { return m_entries; }

private:
    // Opens the source one component at a time, none of them a link; a closed descriptor
    // when it is missing or refused (and named).
    util::Fd open_source(int run_fd, const fs::path& relative, const std::string& prefix) {
        util::Fd parent;
        std::string walked;
        for (const auto& part : relative) {
            const std::string name = part.string();
            walked += (walked.empty() ? "" : "/") + name;
            util::Fd next(::openat(parent ? parent.get() : run_fd, name.c_str(), k_open_directory));
            if (!next) {
                refuse_source(parent ? parent.get() : run_fd, name, walked, prefix, errno);
                return {};
            }
            parent = std::move(next);
        }
        return parent;
    }

    void refuse_source(int dir_fd, const std::string& name, const std::string& walked,
                       const std::string& prefix, int error) {
        struct stat st {};
        if (error == ENOENT) {
            return;  // nothing was written there
        }
        if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
            leave_out(fmt::format("{}/: {} is a link (to {}), not followed; nothing stored from it",
                                  prefix, walked, link_text(dir_fd, name).value_or("?")));
        } else if (error == ENOTDIR) {
            leave_out(
                fmt::format("{}/: {} is not a directory; nothing stored from it", prefix, walked));
        } else {
            leave_out(fmt::format("{}/: cannot open {}: {}; nothing stored from it", prefix, walked,
                                  util::errno_text(error)));
        }
    }

    // `path` is the directory's path in the manifest, `below` the same below the source;
    // `reach` the permission bits the directories above leave to the files below.
    void walk(int dir_fd, const std::string& path, const std::string& below, int depth,
              unsigned reach) {
        auto names = names_in(dir_fd, path);
        if (!names) {
            leave_out(names.error().message);
            return;
        }
        for (const auto& name : *names) {
            const std::string child = path + "/" + name;
            if (!snapshot::is_safe_relative_path(child)) {
                leave_out(fmt::format("{}: a name a manifest cannot hold", child));
                continue;
            }
            struct stat st {};
            if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                leave_out(fmt::format("{}: {}", child, util::errno_text(errno)));
            } else if (S_ISDIR(st.st_mode)) {
                directory(dir_fd, name, child, below.empty() ? name : below + "/" + name, depth,
                          reach_below(reach, st.st_mode));
            } else if (S_ISLNK(st.st_mode)) {
                link(dir_fd, name, child, below);
            } else if (S_ISREG(st.st_mode)) {
                file(dir_fd, name, child, static_cast<std::uint64_t>(st.st_size), reach);
            } else {
                leave_out(fmt::format("{}: not a regular file", child));
            }
        }
    }

    void directory(int dir_fd, const std::string& name, const std::string& path,
                   const std::string& below, int depth, unsigned reach) {
        if (depth >= k_max_depth) {
            leave_out(fmt::format("{}/: more than {} directories deep", path, k_max_depth));
            return;
        }
        util::Fd fd(::openat(dir_fd, name.c_str(), k_open_directory));
        if (!fd) {
            leave_out(opening_error(path, errno));
            return;
        }
        walk(fd.get(), path, below, depth + 1, reach);
    }

    void link(int dir_fd, const std::string& name, const std::string& path,
              const std::string& below) {
        const auto target = link_text(dir_fd, name);
        if (!target) {
            leave_out(fmt::format("{}: cannot read the link: {}", path, util::errno_text(errno)));
            return;
        }
        const auto kept = kept_target(m_source, below, *target);
        if (!kept) {
            leave_out(fmt::format("{}: a link leading outside {}/ (to {}), not followed", path,
                                  m_prefix, *target));
            return;
        }
        if (!fits(path, 0)) {
            return;
        }
        m_entries.push_back({"120000", kept->size(), util::Sha256::of(*kept), path, *kept});
    }

    // A file keeps its permission bits, less what its directories kept others from reaching.
    void file(int dir_fd, const std::string& name, const std::string& path, std::uint64_t size,
              unsigned reach) {
        if (!fits(path, size)) {
            return;
        }
        util::Fd fd(::openat(dir_fd, name.c_str(),
                             O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
        struct stat st {};
        if (!fd || ::fstat(fd.get(), &st) != 0) {
            leave_out(opening_error(path, errno));
            return;
        }
        if (!S_ISREG(st.st_mode)) {
            leave_out(fmt::format("{}: not a regular file", path));
            return;
        }
        auto stored = m_blobs.put_copy(fd.get(), path, util::Durable::no);
        if (!stored) {
            leave_out(stored.error().message);
            return;
        }
        // A file that grew since it was looked at counts at the size stored.
        if (stored->size != size && !fits(path, stored->size)) {
            return;  // its blob is an orphan for gc
        }
        m_entries.push_back({fmt::format("100{:03o}", st.st_mode & reach & 0777U), stored->size,
                             stored->sha256, path, ""});
        m_set.bytes += stored->size;
    }

    // Whether one more entry of `size` bytes stays within the limits; when not, it is
    // counted as left out by the limit it breaks.
    bool fits(const std::string& path, std::uint64_t size) {
        const auto& limits = m_set.limits;
        OverLimit* over = nullptr;
        if (m_entries.size() >= limits.files) {
            over = &m_set.over_files;
        } else if (size > limits.bytes || m_set.bytes > limits.bytes - size) {
            over = &m_set.over_bytes;
        }
        if (over == nullptr) {
            return true;
        }
        ++over->files;
        over->bytes += size;
        if (over->first.size() < k_first) {
            over->first.push_back(path);
        }
        return false;
    }

    static std::string opening_error(const std::string& path, int error) {
        if (error == ELOOP || error == ENOTDIR) {
            return fmt::format("{}: replaced while collected (by a link?), not followed", path);
        }
        return fmt::format("{}: cannot open: {}", path, util::errno_text(error));
    }

    void leave_out(std::string why) {
        if (m_set.skipped.size() < k_named) {
            m_set.skipped.push_back(std::move(why));
        } else {
            ++m_set.more_skipped;
        }
    }

    const store::BlobStore& m_blobs;
    ArtifactSet m_set;
    std::vector<snapshot::ManifestEntry> m_entries;
    fs::path m_source;     // the directory of the source being walked
    std::string m_prefix;  // its prefix in the manifest
};

std::string over_limit_line(const OverLimit& over, std::string_view limit,
                            std::string_view variable) {
    std::string paths;
    for (const auto& path : over.first) {
        paths += (paths.empty() ? "" : ", ") + path;
    }
    if (over.files > over.first.size()) {
        paths += fmt::format(" and {} more", over.files - over.first.size());
    }
    return fmt::format("{} file{} ({}) over the artifact limit of {} ({}): {}", over.files,
                       over.files == 1 ? "" : "s", util::human_bytes(over.bytes), limit, variable,
                       paths);
}

}  // namespace

Result<ArtifactLimits> artifact_limits(const Environment& environment) {
    ArtifactLimits limits;
    if (const auto size = environment.get("FERRY_ARTIFACT_LIMIT")) {
        const auto parsed = util::parse_size(*size);
        if (!parsed || *parsed == 0) {
            return usage_error("FERRY_ARTIFACT_LIMIT: '{}' is not a size (like 500m or 20g)",
                               *size);
        }
        limits.bytes = *parsed;
    }
    if (const auto files = environment.get("FERRY_ARTIFACT_FILES")) {
        std::uint64_t count = 0;
        const auto* end = files->data() + files->size();
        if (std::from_chars(files->data(), end, count).ptr != end || count == 0) {
            return usage_error("FERRY_ARTIFACT_FILES: '{}' is not a count of files (like 10000)",
                               *files);
        }
        limits.files = count;
    }
    return limits;
}

Result<ArtifactSet> collect_artifacts(store::Workspace& workspace, const fs::path& run_directory,
                                      const std::vector<ArtifactSource>& sources,
                                      const ArtifactLimits& limits, std::string_view now) {
    Collector collector(workspace.blobs(), limits);
    util::Fd run_fd(::open(run_directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!run_fd && errno != ENOENT) {
        return fail("cannot open the run's directory {}: {}", run_directory.string(),
                    util::errno_text(errno));
    }
    if (run_fd) {  // else nothing was ever written
        for (const auto& source : sources) {
            collector.take(run_fd.get(), run_directory, source);
        }
    }
    auto& entries = collector.entries();
    std::ranges::sort(entries, [](const auto& a, const auto& b) { return a.path < b.path; });
    ArtifactSet& set = collector.set();
    set.files = entries.size();
    TRY(workspace.blobs().sync());
    const std::string manifest = snapshot::format_manifest(entries);
    auto& db = workspace.db();
    TRY(db.transaction([&]() -> Result<void> {
        // One statement for every blob: outputs can hold many files. Links have no blob.
        TRY_ASSIGN(auto stmt, db.prepare("INSERT OR IGNORE INTO blobs(sha256, size, stored_at) "
                                         "VALUES (?1, ?2, ?3)"));
        for (const auto& entry : entries) {
            if (!entry.is_link()) {
                TRY(stmt.reset().bind_all(entry.sha256, entry.size, now).run());
            }
        }
        TRY_ASSIGN(auto blob, workspace.put_blob_bytes(manifest, now));
        set.id = blob.sha256;
        return {};
    }));
    return std::move(set);
}

std::vector<std::string> left_out_lines(const ArtifactSet& set) {
    std::vector<std::string> lines = set.skipped;
    if (set.more_skipped > 0) {
        lines.push_back(fmt::format("{} more things", set.more_skipped));
    }
    if (set.over_files.files > 0) {
        lines.push_back(over_limit_line(
            set.over_files, fmt::format("{} files", util::with_thousands(set.limits.files)),
            "FERRY_ARTIFACT_FILES"));
    }
    if (set.over_bytes.files > 0) {
        lines.push_back(over_limit_line(set.over_bytes, util::human_bytes(set.limits.bytes),
                                        "FERRY_ARTIFACT_LIMIT"));
    }
    return lines;
}

}  // namespace ferry::run
