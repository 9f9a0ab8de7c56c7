#include "ferry/run/prepare.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/assets/data.hpp"
#include "ferry/env/materialize.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::run {

namespace {

constexpr auto k_write = fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write;

// Without the right to mount, a copy without write permission stands in.
void make_read_only(const fs::path& root) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code kind;
        if (!it->is_symlink(kind)) {
            fs::permissions(it->path(), k_write, fs::perm_options::remove, kind);
        }
    }
    fs::permissions(root, k_write, fs::perm_options::remove, ec);
}

}  // namespace

Result<Prepared> JobPreparation::prepare(const KeepGoing& keep_going) {
    if (auto made = make_directories(); !made) {
        return std::unexpected(with_context(made.error(), "preparing failed"));
    }
    return environment(keep_going);
}

Result<void> JobPreparation::make_directories() {
    const fs::path wd = working_directory(m_run.directory);
    if (!m_run.snapshot.empty()) {
        m_seams.log.note("materializing snapshot {} in {}", m_run.snapshot.substr(0, 12),
                         wd.string());
        TRY(snapshot::materialize(m_workspace.blobs(), m_run.snapshot, wd));
    }
    for (const fs::path& dir : {wd, wd / "outputs", wd / "logs", m_run.directory / "user_logs"}) {
        TRY(util::create_directories(dir, 0755));
    }
    // There before the job starts, so that a launcher can hand it read-only (a job must not
    // plant an entry that a later run would take for a filled cache).
    TRY(util::create_directories(m_workspace.root() / "cache" / "content", 0755));
    for (const auto& output : m_plan.outputs) {
        TRY(util::create_directories(output.directory, 0755));
    }
    TRY(stored_inputs());
    const bool container =
        m_plan.job_environment && m_plan.job_environment->kind == env::Kind::docker;
    for (const auto& input : m_plan.inputs) {
        if (input.mode != spec::InputMode::direct) {
            TRY(place_input(input, container));
        }
    }
    return {};
}

Result<void> JobPreparation::place_input(const InputPlan& input, bool container) {
    std::error_code kind_ec;
    const bool folder = input.type == "uri_folder" ||
                        (input.type != "uri_file" && fs::is_directory(input.source, kind_ec));
    TRY(util::create_directories(folder ? input.target : input.target.parent_path(), 0755));
    // The nodes of a cluster see copies in the run directory, not this machine's mounts.
    const bool mounted = m_traits.mounts_inputs && m_seams.host.root();
    if (input.mode == spec::InputMode::ro_mount && (mounted || container)) {
        // A mount point; the job's process binds the source onto it read-only.
        if (!folder) {
            util::Fd touch(::open(input.target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0444));
            if (!touch) {
                return fail("cannot create {}: {}", input.target.string(), util::errno_text(errno));
            }
        }
        m_seams.log.note("input '{}': {} mounted read-only at {}{}", input.name,
                         input.source.string(), input.target.string(),
                         container ? " in the container" : "");
        return {};
    }
    std::error_code ec;
    fs::copy(input.source, input.target,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks |
                 fs::copy_options::overwrite_existing,
             ec);
    if (ec) {
        return fail("input '{}': cannot copy {} to {}: {}", input.name, input.source.string(),
                    input.target.string(), ec.message());
    }
    if (input.mode == spec::InputMode::ro_mount) {
        make_read_only(input.target);
        m_seams.log.note("input '{}': a read-only copy of {} at {} ({})", input.name,
                         input.source.string(), input.target.string(),
                         m_traits.mounts_inputs ? "not root: no mount" : "for the nodes");
    } else {
        m_seams.log.note("input '{}': a private copy of {} at {}", input.name,
                         input.source.string(), input.target.string());
    }
    return {};
}

Result<void> JobPreparation::stored_inputs() {
    for (auto& input : m_plan.inputs) {
        if (input.asset_kind) {
            TRY(stored_input(input));
        }
    }
    return {};
}

Result<void> JobPreparation::stored_input(InputPlan& input) {
    const std::string label = fmt::format("{} {}:{}", store::asset_noun(*input.asset_kind),
                                          input.asset_name, input.asset_version);
    if (input.content.empty()) {
        // A URL dataset: fetched on its first use, checked on the others.
        auto record = assets::find_dataset(m_workspace.db(), input.asset_name, input.asset_version);
        if (!record || !*record) {
            return fail("input '{}': {} is gone", input.name, label);
        }
        m_seams.log.note("input '{}': fetching or checking the URLs of {}", input.name, label);
        TRY_ASSIGN(auto content, assets::dataset_content(m_workspace, **record, false,
                                                         m_seams.clock.stamp().text));
        input.content = content.id;
    }
    // Each stored version is written out once, to a cache that jobs only read (through a
    // read-only mount or a copy).
    const fs::path cache = m_workspace.root() / "cache" / "content" / input.content;
    if (auto there = util::exists(cache); !there || !*there) {
        const fs::path partial =
            cache.string() + fmt::format(".{}.tmp", static_cast<long>(m_seams.host.pid));
        std::ignore = util::remove_all(partial);
        TRY(util::create_directories(cache.parent_path(), 0755));
        if (auto made = snapshot::materialize(m_workspace.blobs(), input.content, partial); !made) {
            std::ignore = util::remove_all(partial);
            return std::unexpected(
                with_context(made.error(), fmt::format("input '{}'", input.name)));
        }
        if (::rename(partial.c_str(), cache.c_str()) != 0) {
            std::ignore = util::remove_all(partial);  // another run wrote it meanwhile
        }
    }
    // Its time tells `workspace gc` when it was last used.
    std::ignore = ::utimensat(AT_FDCWD, cache.c_str(), nullptr, 0);
    // A uri_file's target is inputs/NAME/FILE, FILE as it is in the dataset.
    input.source =
        input.type == "uri_file"
            ? cache / input.target.lexically_relative(m_run.directory / "inputs" / input.name)
            : cache;
    m_seams.log.note("input '{}': {} ({})", input.name, label, input.content.substr(0, 12));
    return {};
}

Result<Prepared> JobPreparation::environment(const KeepGoing& keep_going) {
    Prepared prepared;
    if (!m_plan.job_environment) {
        return prepared;
    }
    const auto& environment = *m_plan.job_environment;
    const std::string prefix = fmt::format("environment {} ({})", environment.hash.substr(0, 12),
                                           env::kind_name(environment.kind));
    const fs::path log = m_run.directory / "system_logs" / "environment_build.txt";
    util::Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!log_fd) {
        return fail("cannot open {}: {}", log.string(), util::errno_text(errno));
    }
    bool stopped = false;
    env::MaterializeContext context;
    context.workspace_root = m_workspace.root();
    context.blobs = &m_workspace.blobs();
    context.runner = &m_seams.runner;
    context.log_fd = log_fd.get();
    context.log_path = log;
    context.keep_going = [&] {
        stopped = stopped || !keep_going();
        return !stopped;
    };
    context.note = [&](const std::string& text) {
        if (text.starts_with("building")) {
            m_seams.log.note("{}: {}; its output is in system_logs/environment_build.txt", prefix,
                             text);
        } else {
            m_seams.log.note("{}: {}", prefix, text);
        }
    };
    auto made = env::materialize(environment, context);
    if (!made) {
        if (stopped) {
            return std::unexpected(Error{ExitCode::canceled, "canceled while preparing"});
        }
        return std::unexpected(made.error());
    }
    prepared.environment_location = made->location;
    const bool hit = made->cache == env::CacheOutcome::hit;
    if (struct stat built{}; hit && ::fstat(log_fd.get(), &built) == 0 && built.st_size == 0) {
        std::ignore = ::unlink(log.c_str());  // nothing was built: no build log
    }
    if (hit) {
        m_seams.log.note("{}: cache hit, {}", prefix, made->location);
    } else {
        m_seams.log.note("{}: {} in {:.1f} s", prefix, env::cache_outcome_name(made->cache),
                         made->seconds);
    }
    Json recorded = m_run.environment.is_object() ? m_run.environment : Json::object();
    recorded["cache"] = env::cache_outcome_name(made->cache);
    recorded["location"] = made->location;
    if (auto saved = set_environment(m_workspace.db(), m_run.name, recorded); !saved) {
        m_seams.log.note("cannot record the environment: {}", saved.error().message);
    }
    if (environment.kind == env::Kind::docker) {
        prepared.engine = env::container_engine(m_seams.runner).value_or("docker");
    }
    return prepared;
}

}  // namespace ferry::run
