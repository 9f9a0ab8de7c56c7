// The ignore-aware walk of a code directory, one directory per task on all cores.
#include "ferry/snapshot/walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "walk_support.hpp"

namespace ferry::snapshot {

namespace {

using detail::join;

struct Task {
    std::string directory;  // relative to the root; "" is the root
    IgnoreStack ignores;    // the lists of its parents
};

using Names = std::vector<std::pair<std::string, unsigned char>>;

// Reads the entries straight from the kernel, with their types where the filesystem gives
// them (DT_UNKNOWN otherwise).
Result<Names> read_directory(int dir_fd, const std::string& directory) {
    Names names;
    alignas(dirent64) char buffer[32768];
    for (;;) {
        const ssize_t got = ::getdents64(dir_fd, buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot read directory {}: {}", directory.empty() ? "." : directory,
                        util::errno_text(errno));
        }
        if (got == 0) {
            return names;
        }
        for (ssize_t offset = 0; offset < got;) {
            const auto* entry = reinterpret_cast<const dirent64*>(buffer + offset);
            const std::string_view name = entry->d_name;
            if (name != "." && name != "..") {
                names.emplace_back(name, entry->d_type);
            }
            offset += entry->d_reclen;
        }
    }
}

// Directories wait in one queue; every thread takes one, lists it and queues its
// subdirectories. Each thread keeps its own results, merged at the end.
class Walker {
public:
    Walker(int root_fd, std::string root, IgnoreFiles ignore_files,
           std::vector<FerryDirectory> ferry_data)
        : m_root_fd(root_fd),
          m_root(std::move(root)),
          m_ignore_files(ignore_files),
          m_ferry_data(std::move(ferry_data)) {}

    Result<Listing> run() {
        m_queue.push_back({"", IgnoreStack{}});
        m_pending = 1;
        const unsigned threads = std::max(1U, std::thread::hardware_concurrency());
        std::vector<Listing> parts(threads);
        {
            std::vector<std::jthread> helpers;
            for (unsigned t = 1; t < threads; ++t) {
                helpers.emplace_back([this, &parts, t] { drain(parts[t]); });
            }
            drain(parts[0]);
        }
        if (m_error) {
            return std::unexpected(*m_error);
        }
        Listing listing;
        listing.root = m_root;
        // Sorting pointers and moving each entry once is cheaper than sorting the entries.
        std::vector<Entry*> order;
        for (auto& part : parts) {
            listing.bytes += part.bytes;
            for (auto& entry : part.entries) {
                order.push_back(&entry);
            }
            std::ranges::move(part.left_out, std::back_inserter(listing.left_out));
            std::ranges::move(part.warnings, std::back_inserter(listing.warnings));
        }
        std::ranges::sort(order, {},
                          [](const Entry* entry) -> const std::string& { return entry->path; });
        listing.entries.reserve(order.size());
        for (Entry* entry : order) {
            listing.entries.push_back(std::move(*entry));
        }
        std::ranges::sort(listing.left_out, {}, &LeftOut::path);
        std::ranges::sort(listing.warnings);
        return listing;
    }

private:
    void drain(Listing& out) {
        for (;;) {
            Task task;
            {
                std::unique_lock lock(m_mutex);
                m_ready.wait(lock, [&] { return !m_queue.empty() || m_pending == 0 || m_error; });
                if (m_queue.empty() || m_error) {
                    return;
                }
                task = std::move(m_queue.front());
                m_queue.pop_front();
            }
            Result<void> done;
            try {
                done = walk(task, out);
            } catch (const std::exception& error) {  // bad_alloc: fail the walk, do not hang it
                done = fail("walking {}: {}", task.directory.empty() ? "." : task.directory,
                            error.what());
            }
            const std::lock_guard lock(m_mutex);
            if (!done && !m_error) {
                m_error = done.error();
            }
            --m_pending;
            m_ready.notify_all();
        }
    }

    void enqueue(Task task) {
        const std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(task));
        ++m_pending;
        m_ready.notify_one();
    }

    Result<void> walk(Task& task, Listing& out) {
        const std::string& directory = task.directory;
        util::Fd dir_fd(directory.empty() ? ::dup(m_root_fd)
                                          : util::open_beneath(m_root_fd, directory.c_str(),
                                                               O_RDONLY | O_DIRECTORY));
        if (!dir_fd) {
            return fail("cannot read directory {}: {}", directory.empty() ? "." : directory,
                        util::errno_text(errno));
        }
        TRY_ASSIGN(auto names, read_directory(dir_fd.get(), directory));
        std::vector<std::string_view> present;
        for (const std::string_view candidate : k_ignore_files) {
            if (m_ignore_files == IgnoreFiles::none) {
                break;
            }
            if (std::ranges::any_of(names, [&](const auto& e) { return e.first == candidate; })) {
                present.push_back(candidate);
            }
        }
        TRY_ASSIGN(auto list,
                   detail::read_ignore_list(dir_fd.get(), directory, present, out.warnings));
        task.ignores.push(std::move(list));
        for (const auto& [name, type] : names) {
            TRY(visit(dir_fd.get(), task, name, type, out));
        }
        return {};
    }

    Result<void> visit(int dir_fd, const Task& task, const std::string& name, unsigned char type,
                       Listing& out) {
        if (name == ".git") {
            return {};  // git's own data, at any depth, is never part of a snapshot
        }
        const std::string path = join(task.directory, name);
        struct stat st {};
        const bool need_stat = type != DT_DIR;
        if (need_stat && ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            return fail("cannot stat {}: {}", path, util::errno_text(errno));
        }
        const bool is_directory = type == DT_DIR || (need_stat && S_ISDIR(st.st_mode));
        if (const IgnoreRule* rule = m_ignore_files == IgnoreFiles::none
                                         ? nullptr
                                         : task.ignores.decide(path, is_directory);
            rule && !rule->negative) {
            if (rule->credential) {
                out.left_out.push_back(
                    {is_directory ? path + "/" : path, LeftOutReason::credential, rule->line});
            }
            return {};
        }
        if (is_directory) {
            if (const auto* ours = detail::find_ferry_data(m_ferry_data, path)) {
                out.left_out.push_back({path + "/", LeftOutReason::ferry_data, ours->what});
                return {};
            }
            enqueue({path, task.ignores});
            return {};
        }
        if (S_ISREG(st.st_mode)) {
            Entry entry{path,
                        EntryKind::file,
                        (st.st_mode & S_IXUSR) != 0,
                        static_cast<std::uint64_t>(st.st_size),
                        {},
                        stat_key(st)};
            out.bytes += entry.size;
            out.entries.push_back(std::move(entry));
            return {};
        }
        if (!S_ISLNK(st.st_mode)) {
            out.left_out.push_back(
                {path, LeftOutReason::special_file, detail::special_kind(st.st_mode)});
            return {};
        }
        TRY_ASSIGN(auto target, detail::read_link(dir_fd, name, path));
        auto kept = detail::kept_target(m_root, task.directory, path, target);
        if (!kept) {
            out.left_out.push_back({path, LeftOutReason::outside_link, target});
            return {};
        }
        Entry entry{path, EntryKind::symlink, false, kept->size(), *kept, stat_key(st)};
        out.bytes += entry.size;
        out.entries.push_back(std::move(entry));
        return {};
    }

    int m_root_fd;
    std::string m_root;
    IgnoreFiles m_ignore_files;
    std::vector<FerryDirectory> m_ferry_data;  // relative to the root
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<Task> m_queue;
    std::size_t m_pending = 0;  // queued or being walked
    std::optional<Error> m_error;
};

}  // namespace

StatKey stat_key(const struct ::stat& st) {
    const auto nanoseconds = [](const struct timespec& ts) {
        return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    };
    return {static_cast<std::uint64_t>(st.st_size), nanoseconds(st.st_mtim),
            nanoseconds(st.st_ctim), static_cast<std::uint64_t>(st.st_ino)};
}

std::string_view reason_name(LeftOutReason reason) {
    switch (reason) {
        case LeftOutReason::credential:
            return "credential";
        case LeftOutReason::outside_link:
            return "outside_link";
        case LeftOutReason::special_file:
            return "special_file";
        case LeftOutReason::ferry_data:
            return "ferry_data";
    }
    return "";
}

Result<Listing> list_tree(const fs::path& root, IgnoreFiles ignore_files,
                          std::span<const FerryDirectory> ferry_data) {
    TRY_ASSIGN(auto real, detail::real_directory(root));
    util::Fd fd(::open(real.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        return fail("cannot read directory {}: {}", root.string(), util::errno_text(errno));
    }
    return Walker(fd.get(), real.string(), ignore_files,
                  detail::ferry_data_inside(real.string(), ferry_data))
        .run();
}

}  // namespace ferry::snapshot
