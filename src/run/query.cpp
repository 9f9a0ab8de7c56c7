// The records of `run list` and `run show`, for the CLI and for `ferry ui`.
#include "ferry/run/query.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "ferry/assets/model.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/describe.hpp"
#include "ferry/run/download.hpp"
#include "ferry/run/follow.hpp"
#include "ferry/run/pipeline.hpp"
#include "ferry/run/sweep.hpp"
#include "ferry/track/store.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/text.hpp"

namespace ferry::run {

namespace {

// The value of a search text's parse, or the usage error "OPTION: at column N: ...".
template <typename T>
Result<T> parsed_option(std::string_view option, track::Parsed<T> parsed) {
    if (!parsed) {
        return usage_error("{}: {}", option, track::describe(parsed.error()));
    }
    return std::move(*parsed);
}

Result<RunFilter> list_filter(const ListQuery& query) {
    RunFilter filter;
    filter.experiment = query.experiment;
    TRY_ASSIGN(filter.status, status_option(query.status));
    if (query.max_results && *query.max_results < 1) {
        return usage_error("--max-results must be at least 1 (got {})", *query.max_results);
    }
    if (!query.all) {
        filter.limit = query.max_results.value_or(k_default_max_results);
    }
    filter.parent = query.parent;
    filter.top_level_only = !query.children && query.parent.empty();
    filter.hide_archived = !query.archived;
    for (const auto& tag : query.tags) {
        const auto equals = tag.find('=');
        if (tag.empty() || equals == 0) {
            return usage_error("--tag '{}': give KEY=VALUE, or KEY for any value", tag);
        }
        filter.tags.emplace_back(
            tag.substr(0, equals),
            equals == std::string::npos ? std::nullopt : std::optional(tag.substr(equals + 1)));
    }
    TRY_ASSIGN(filter.search, parsed_option("--filter", track::parse_filter(query.filter)));
    TRY_ASSIGN(filter.order, parsed_option("--order-by", track::parse_order_by(query.order_by)));
    return filter;
}

// --columns: what the runs tracked, as "metrics.KEY" (the last value), "params.KEY", "tags.KEY".
Result<std::vector<track::Identifier>> list_columns(const std::string& text) {
    TRY_ASSIGN(auto columns, parsed_option("--columns", track::parse_identifiers(text)));
    for (const auto& column : columns) {
        if (column.entity == track::Entity::attribute) {
            return usage_error(
                "--columns: '{}': name metrics.KEY, params.KEY or tags.KEY (a run's attributes "
                "are in the table and in -o json already)",
                column.key);
        }
    }
    return columns;
}

Result<void> add_tracked_columns(store::Database& db, const RunSummary& run,
                                 const std::vector<track::Identifier>& columns, Json& record) {
    if (columns.empty()) {
        return {};
    }
    TRY_ASSIGN(const auto data, track::run_data(db, run.name));
    for (const auto& column : columns) {
        Json value = nullptr;
        if (column.entity == track::Entity::metric && data.metrics.contains(column.key)) {
            value = data.metrics.at(column.key).last.value;
        } else if (column.entity == track::Entity::param && data.params.contains(column.key)) {
            value = data.params.at(column.key);
        } else if (column.entity == track::Entity::tag && data.tags.contains(column.key)) {
            value = data.tags.at(column.key);
        }
        record[column.text()] = std::move(value);
    }
    return {};
}

}  // namespace

Result<std::optional<Status>> status_option(const std::string& given) {
    if (given.empty()) {
        return std::nullopt;
    }
    const auto status = parse_status(given);
    if (!status) {
        return usage_error("unknown status '{}': use one of {}", given, status_names());
    }
    return status;
}

Result<ListedRuns> list_records(store::Workspace& workspace, const ListQuery& query,
                                std::int64_t now_ms) {
    TRY_ASSIGN(const auto filter, list_filter(query));
    ListedRuns listed;
    TRY_ASSIGN(listed.columns, list_columns(query.columns));
    if (!query.parent.empty()) {
        TRY(get_run(workspace.db(), query.parent, workspace.name()));
    }
    TRY_ASSIGN(auto runs, list_summaries(workspace.db(), filter));
    listed.records = Json::array();
    for (const auto& run : runs.first) {
        listed.records.push_back(run_summary(run, now_ms));
        TRY(add_tracked_columns(workspace.db(), run, listed.columns, listed.records.back()));
    }
    listed.total = runs.second;
    listed.ordered = !filter.order.terms.empty();
    return listed;
}

Result<Json> show_record(store::Workspace& workspace, const RunRecord& run, std::int64_t now_ms) {
    TRY_ASSIGN(auto events, run_events(workspace.db(), run.seq));
    TRY_ASSIGN(auto artifacts, run_artifacts(workspace, run));
    TRY_ASSIGN(auto models, assets::models_of_run(workspace.db(), run.name));
    TRY_ASSIGN(auto tracked, track::run_data(workspace.db(), run.name));
    auto details = run_details(run, events, artifacts, now_ms);
    details["models"] = models;
    details["tracked"] = tracked_details(tracked);
    // A failed run's last lines of its failing log, as --wait prints them.
    details["log_tail"] = nullptr;
    if (run.status == Status::failed) {
        const fs::path log = failing_log(run);
        const std::string tail = log_tail(run.directory / log, 10);
        if (!tail.empty()) {
            Json lines = Json::array();
            for (const auto line : util::lines(tail)) {
                lines.push_back(std::string(line));
            }
            details["log_tail"] = {{"log", log.string()}, {"lines", std::move(lines)}};
        }
    }
    if (run.is_sweep()) {
        TRY_ASSIGN(details["sweep"], sweep_details(workspace.db(), run));
    }
    if (run.is_pipeline()) {
        TRY_ASSIGN(details["pipeline"], pipeline_details(workspace.db(), run));
    }
    return details;
}

Result<RunChanges> runs_changed_after(store::Database& db, std::int64_t after) {
    RunChanges changes{.last = after, .runs = {}};
    // Only the events after `after`, by their number (a GROUP BY in SQL would read them all).
    TRY_ASSIGN(
        const auto rows,
        db.query_all(
            "SELECT e.rowid, r.name FROM run_events e JOIN runs r ON r.seq = e.run "
            "WHERE e.rowid > ?1 ORDER BY e.rowid",
            [](const store::Statement& row) { return std::pair(row.integer(0), row.text(1)); },
            after));
    std::unordered_set<std::string_view> named;
    for (const auto& [number, name] : rows) {
        changes.last = number;
        if (named.insert(name).second) {
            changes.runs.push_back(name);
        }
    }
    return changes;
}

Json point_json(const track::Point& point) {
    return {{"step", point.step}, {"value", point.value}, {"timestamp", point.timestamp_ms}};
}

Result<Json> metrics_record(store::Database& db, const RunRecord& run, const track::RunData& data,
                            const std::vector<std::string>& keys) {
    Json metrics = Json::object();
    for (const auto& key : keys) {
        const auto& summary = data.metrics.at(key);
        TRY_ASSIGN(const auto points, track::metric_history(db, run.name, key));
        Json history = Json::array();
        for (const auto& point : points) {
            history.push_back(point_json(point));
        }
        metrics[key] = {{"last", summary.last.value}, {"step", summary.last.step},
                        {"min", summary.min},         {"max", summary.max},
                        {"count", summary.count},     {"history", std::move(history)}};
    }
    return Json{{"run", run.name}, {"metrics", std::move(metrics)}};
}

fs::path failing_log(const RunRecord& run) {
    std::int64_t rank = 0;
    if (const auto at = run.error.find("rank "); at != std::string::npos) {
        const char* begin = run.error.data() + at + 5;
        std::int64_t number = 0;
        const auto [end, ec] = std::from_chars(begin, run.error.data() + run.error.size(), number);
        if (ec == std::errc() && end != begin) {
            rank = number;
        }
    }
    return log_sources(run, rank).back().path;
}

std::string log_tail(const fs::path& path, std::size_t count) {
    util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        return "";
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::string block;
    const auto start =
        std::max(tail_offset(size, count,
                             [&](std::uint64_t offset, std::size_t length) -> std::string_view {
                                 block.resize(length);
                                 const ssize_t got = ::pread(fd.get(), block.data(), length,
                                                             static_cast<off_t>(offset));
                                 block.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
                                 return block;
                             }),
                 size - std::min<std::uint64_t>(size, 16384));
    std::string text(static_cast<std::size_t>(size - start), '\0');
    const ssize_t got = ::pread(fd.get(), text.data(), text.size(), static_cast<off_t>(start));
    text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return text;
}

}  // namespace ferry::run
