#include "ferry/maintain/delete_runs.hpp"

#include "ferry/run/status.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::maintain {

namespace fs = std::filesystem;

// Opens up read-only folders first: a materialized cache, or what a job left.
Result<void> remove_tree(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(path, ec))) {
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
        for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end;
             it.increment(ec)) {
            if (it->is_directory(ec) && !it->is_symlink(ec)) {
                fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
            }
        }
    }
    return util::remove_all(path);
}

Result<std::vector<run::RunRecord>> select_runs(store::Database& db, const RunSelection& selection,
                                                std::string_view workspace) {
    if (selection.status && !run::is_terminal(*selection.status)) {
        return usage_error("--status {}: only ended runs (Completed, Failed, Canceled) are deleted",
                           run::status_name(*selection.status));
    }
    std::vector<run::RunRecord> chosen;
    if (!selection.names.empty()) {
        for (const auto& name : selection.names) {
            TRY_ASSIGN(auto one, run::get_run(db, name, workspace));
            if (!run::is_terminal(one.status)) {
                return fail(
                    "run {} is {}: only ended runs are deleted (cancel it first: ferry "
                    "run cancel {})",
                    name, run::status_name(one.status), name);
            }
            chosen.push_back(std::move(one));
        }
    } else {
        TRY_ASSIGN(auto all, run::list_runs(db, run::RunFilter{}));
        for (auto& one : all.first) {
            if (run::is_terminal(one.status)) {
                chosen.push_back(std::move(one));
            }
        }
    }
    std::erase_if(chosen, [&](const run::RunRecord& one) {
        const bool old_enough =
            !selection.ended_before_ms || (one.ended && one.ended->ms < *selection.ended_before_ms);
        return !old_enough || (selection.status && one.status != *selection.status);
    });
    return chosen;
}

Result<void> delete_run(store::Workspace& workspace, const run::RunRecord& run) {
    auto& db = workspace.db();
    bool deleted = false;
    std::vector<fs::path> child_directories;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(const auto now, run::find_status(db, run.name));
        if (!now || !run::is_terminal(*now)) {
            return {};
        }
        // Its child runs go with it, down to a pipeline's sweep's trials: nested runs have
        // their directories inside its own, trials and steps beside it. One still live (its
        // own supervisor runs it) keeps the whole family.
        struct Child {
            std::int64_t seq = 0;
            std::string name;
            fs::path directory;
            std::string status;
        };
        TRY_ASSIGN(const auto children,
                   db.query_all(
                       "WITH RECURSIVE family(name) AS (SELECT ?1 UNION SELECT r.name "
                       "FROM runs AS r JOIN family AS f ON r.parent = f.name) SELECT "
                       "r.seq, r.name, r.directory, r.status FROM runs AS r JOIN family "
                       "AS f ON r.name = f.name WHERE r.name <> ?1",
                       [](const store::Statement& row) {
                           return Child{row.integer(0), row.text(1), row.text(2), row.text(3)};
                       },
                       run.name));
        std::vector<std::int64_t> seqs{run.seq};
        for (const Child& child : children) {
            if (!run::is_terminal(run::parse_status(child.status).value_or(run::Status::failed))) {
                return fail(
                    "run {} has a child run still going ({}, {}): cancel it or wait for "
                    "it first",
                    run.name, child.name, child.status);
            }
            seqs.push_back(child.seq);
            child_directories.push_back(child.directory);
        }
        for (const std::int64_t seq : seqs) {
            for (const auto* table : {"run_events", "run_metrics", "run_metric_summaries",
                                      "run_params", "run_tags", "run_inputs"}) {
                TRY(db.execute(fmt::format("DELETE FROM {} WHERE run = ?1", table), seq));
            }
            TRY(db.execute("DELETE FROM runs WHERE seq = ?1", seq));
        }
        deleted = true;
        return {};
    }));
    if (!deleted) {
        return fail("run {} is no longer ended (resumed meanwhile?); it was not deleted", run.name);
    }
    TRY(remove_tree(run.directory));
    for (const fs::path& directory : child_directories) {
        TRY(remove_tree(directory));
    }
    return {};
}

}  // namespace ferry::maintain
