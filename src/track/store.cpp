#include "ferry/track/store.hpp"

#include <algorithm>
#include <variant>

#include <fmt/format.h>

namespace ferry::track {

namespace {

Refused invalid(std::string message) {
    return {Refusal::invalid_parameter, std::move(message)};
}

// What MLflow refuses in a batch before anything is written: too many entities, empty or
// long keys, long values.
std::optional<Refused> check_batch(const Batch& batch) {
    if (batch.metrics.size() > k_max_batch_metrics || batch.params.size() > k_max_batch_params ||
        batch.tags.size() > k_max_batch_tags ||
        batch.metrics.size() + batch.params.size() + batch.tags.size() > k_max_batch_total) {
        return invalid(fmt::format(
            "A batch logging request can contain at most {} metrics, {} params and {} tags, {} "
            "in all; got {} metrics, {} params and {} tags",
            k_max_batch_metrics, k_max_batch_params, k_max_batch_tags, k_max_batch_total,
            batch.metrics.size(), batch.params.size(), batch.tags.size()));
    }
    const auto bad_key = [](std::string_view key) {
        return key.empty() || key.size() > k_max_key_length;
    };
    for (const auto& point : batch.metrics) {
        if (bad_key(point.key)) {
            return invalid(fmt::format("Invalid metric name: '{}': names are 1 to {} characters",
                                       point.key, k_max_key_length));
        }
    }
    for (const auto& [key, value] : batch.params) {
        if (bad_key(key) || value.size() > k_max_param_length) {
            return invalid(
                fmt::format("Invalid param '{}': names are 1 to {} characters, values "
                            "at most {}",
                            key, k_max_key_length, k_max_param_length));
        }
    }
    for (const auto& [key, value] : batch.tags) {
        if (bad_key(key) || value.size() > k_max_tag_length) {
            return invalid(
                fmt::format("Invalid tag '{}': names are 1 to {} characters, values "
                            "at most {}",
                            key, k_max_key_length, k_max_tag_length));
        }
    }
    return std::nullopt;
}

// The run's seq when it exists and has not ended; else why not.
Result<std::variant<std::int64_t, Refused>> live_run(store::Database& db, std::string_view run) {
    TRY_ASSIGN(auto found, db.query_one(
                               "SELECT seq, status FROM runs WHERE name = ?1",
                               [](const store::Statement& row) {
                                   return std::pair{row.integer(0), row.text(1)};
                               },
                               run));
    if (!found) {
        return Refused{Refusal::not_found, fmt::format("Run '{}' not found", run)};
    }
    const auto& [seq, status] = *found;
    if (status == "Completed" || status == "Failed" || status == "Canceled") {
        return Refused{
            Refusal::invalid_state,
            fmt::format("The run {} has ended ({}): it takes no more data", run, status)};
    }
    return seq;
}

// A param already logged with another value refuses the batch, as MLflow does.
Result<std::optional<Refused>> write_params(store::Database& db, std::int64_t seq,
                                            std::string_view run, const Batch& batch) {
    for (const auto& [key, value] : batch.params) {
        TRY_ASSIGN(auto existing, db.query_one("SELECT value FROM run_params WHERE run = ?1 AND "
                                               "key = ?2",
                                               store::first_text, seq, key));
        if (existing && *existing != value) {
            return invalid(fmt::format(
                "Changing param values is not allowed. Param with key='{}' was already logged "
                "with value='{}' for run ID='{}'. Attempted logging new value '{}'.",
                key, *existing, run, value));
        }
        if (!existing) {
            TRY(db.execute("INSERT INTO run_params(run, key, value) VALUES (?1, ?2, ?3)", seq, key,
                           value));
        }
    }
    return std::nullopt;
}

// A tag set again takes its new value.
Result<void> write_tags(store::Database& db, std::int64_t seq,
                        const std::vector<std::pair<std::string, std::string>>& tags) {
    for (const auto& [key, value] : tags) {
        TRY(
            db.execute("INSERT INTO run_tags(run, key, value) VALUES (?1, ?2, ?3) ON CONFLICT "
                       "(run, key) DO UPDATE SET value = excluded.value",
                       seq, key, value));
    }
    return {};
}

}  // namespace

Result<std::optional<Refused>> log_batch(store::Database& db, std::string_view run,
                                         const Batch& batch) {
    if (auto refused = check_batch(batch)) {
        return refused;
    }
    std::optional<Refused> refused;
    auto done = db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto live, live_run(db, run));
        if (const auto* why = std::get_if<Refused>(&live)) {
            refused = *why;
            return {};
        }
        const std::int64_t seq = std::get<std::int64_t>(live);
        TRY_ASSIGN(refused, write_params(db, seq, run, batch));
        if (refused) {
            return fail("refused");  // rolls back what the batch wrote
        }
        // One statement for the batch's points: up to 1,000 of them a request.
        TRY_ASSIGN(auto insert, db.prepare("INSERT INTO run_metrics(run, key, step, timestamp, "
                                           "value) VALUES (?1, ?2, ?3, ?4, ?5)"));
        for (const auto& point : batch.metrics) {
            TRY(insert.bind_all(seq, point.key, point.step, point.timestamp_ms, point.value).run());
            insert.reset();
        }
        return write_tags(db, seq, batch.tags);
    });
    if (!done && !refused) {
        return std::unexpected(done.error());
    }
    return refused;
}

Result<std::optional<Refused>> set_tags(
    store::Database& db, std::string_view run,
    const std::vector<std::pair<std::string, std::string>>& tags) {
    if (auto refused = check_batch({.tags = tags})) {
        return refused;
    }
    std::optional<Refused> refused;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto seq,
                   db.query_one("SELECT seq FROM runs WHERE name = ?1", store::first_integer, run));
        if (!seq) {
            refused = Refused{Refusal::not_found, fmt::format("Run '{}' not found", run)};
            return {};
        }
        return write_tags(db, *seq, tags);
    }));
    return refused;
}

Result<std::optional<Refused>> delete_tag(store::Database& db, std::string_view run,
                                          std::string_view key) {
    std::optional<Refused> refused;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto live, live_run(db, run));
        if (const auto* why = std::get_if<Refused>(&live)) {
            refused = *why;
            return {};
        }
        TRY_ASSIGN(auto deleted,
                   db.query_all("DELETE FROM run_tags WHERE run = ?1 AND key = ?2 RETURNING key",
                                store::first_text, std::get<std::int64_t>(live), key));
        if (deleted.empty()) {
            refused = Refused{Refusal::not_found,
                              fmt::format("No tag with name: {} in run with id {}", key, run)};
        }
        return {};
    }));
    return refused;
}

Result<std::vector<Point>> metric_history(store::Database& db, std::string_view run,
                                          std::string_view key) {
    return db.query_all(
        "SELECT m.key, m.value, m.timestamp, m.step FROM run_metrics m JOIN runs r ON r.seq = "
        "m.run WHERE r.name = ?1 AND m.key = ?2 ORDER BY m.step, m.timestamp, m.rowid",
        [](const store::Statement& row) {
            return Point{row.text(0), row.real(1), row.integer(2), row.integer(3)};
        },
        run, key);
}

Summary read_summary(const store::Statement& row, int first) {
    return {.last = {row.text(first), row.real(first + 1), row.integer(first + 2),
                     row.integer(first + 3)},
            .min = row.real(first + 4),
            .max = row.real(first + 5),
            .count = row.integer(first + 6)};
}

Result<std::vector<Logged>> points_after(store::Database& db, std::string_view run,
                                         std::int64_t after, std::size_t limit) {
    return db.query_all(
        // A scan of the rows stored since (every run's), not of the run's every point: '+'
        // keeps SQLite off the index by run.
        "SELECT rowid, key, value, timestamp, step FROM run_metrics WHERE rowid > ?2 AND +run = "
        "(SELECT seq FROM runs WHERE name = ?1) ORDER BY rowid LIMIT ?3",
        [](const store::Statement& row) {
            return Logged{row.integer(0),
                          Point{row.text(1), row.real(2), row.integer(3), row.integer(4)}};
        },
        run, after, static_cast<std::int64_t>(limit));
}

Result<RunData> run_data(store::Database& db, std::string_view run) {
    RunData data;
    TRY_ASSIGN(auto summaries,
               db.query_all(
                   "SELECT s.key, s.last_value, s.last_timestamp, s.last_step, "
                   "s.min_value, s.max_value, s.count FROM run_metric_summaries s JOIN "
                   "runs r ON r.seq = s.run WHERE r.name = ?1",
                   [](const store::Statement& row) { return read_summary(row); }, run));
    for (auto& summary : summaries) {
        data.metrics.emplace(summary.last.key, std::move(summary));
    }
    const auto pairs = [](const store::Statement& row) {
        return std::pair{row.text(0), row.text(1)};
    };
    for (const auto* table : {"run_params", "run_tags"}) {
        TRY_ASSIGN(auto rows,
                   db.query_all(fmt::format("SELECT t.key, t.value FROM {} t JOIN runs r ON "
                                            "r.seq = t.run WHERE r.name = ?1",
                                            table),
                                pairs, run));
        auto& into = std::string_view(table) == "run_params" ? data.params : data.tags;
        into.insert(rows.begin(), rows.end());
    }
    return data;
}

}  // namespace ferry::track
