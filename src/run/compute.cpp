#include "ferry/run/compute.hpp"

namespace ferry::run {

namespace {

ComputeRecord implicit_local() {
    ComputeRecord local;
    local.name = std::string(k_local_compute);
    local.type = "local";
    local.implicit = true;
    local.description = "this machine";
    local.spec = {{"name", local.name}, {"type", "local"}, {"max_concurrent_runs", 1}};
    return local;
}

ComputeRecord from_row(const store::Statement& stmt) {
    ComputeRecord compute;
    compute.name = stmt.text(0);
    compute.type = stmt.text(1);
    compute.spec = nlohmann::ordered_json::parse(stmt.text(2), nullptr, false);
    compute.created_at = stmt.text(3);
    if (compute.spec.is_object()) {
        compute.max_concurrent_runs = compute.spec.value("max_concurrent_runs", std::int64_t{1});
        if (compute.spec.contains("gpus") && compute.spec["gpus"].is_number_integer()) {
            compute.gpus = compute.spec["gpus"].get<std::int64_t>();
        }
        compute.description = compute.spec.value("description", std::string());
    }
    return compute;
}

}  // namespace

Result<std::optional<ComputeRecord>> find_compute(store::Database& db, std::string_view name) {
    auto stmt = db.prepare("SELECT name, type, spec, created_at FROM computes WHERE name = ?1");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, name);
    auto row = stmt->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    if (*row) {
        return std::optional<ComputeRecord>{from_row(*stmt)};
    }
    if (name == k_local_compute) {
        return std::optional<ComputeRecord>{implicit_local()};
    }
    return std::optional<ComputeRecord>{};
}

Result<std::vector<ComputeRecord>> list_computes(store::Database& db) {
    auto stmt = db.prepare(
        "SELECT name, type, spec, created_at FROM computes ORDER BY name != 'local', name");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    std::vector<ComputeRecord> computes;
    for (;;) {
        auto row = stmt->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            break;
        }
        computes.push_back(from_row(*stmt));
    }
    if (computes.empty() || computes.front().name != k_local_compute) {
        computes.insert(computes.begin(), implicit_local());
    }
    return computes;
}

Result<ComputeRecord> insert_compute(store::Database& db, const spec::ComputeSpec& spec,
                                     std::string_view now) {
    nlohmann::ordered_json json = spec.to_json();
    if (!spec.max_concurrent_runs && spec.type == "local") {
        json["max_concurrent_runs"] = 1;
    }
    auto done = db.transaction([&]() -> Result<void> {
        auto existing = db.prepare("SELECT 1 FROM computes WHERE name = ?1");
        if (!existing) {
            return std::unexpected(existing.error());
        }
        existing->bind(1, spec.name);
        auto row = existing->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (*row) {
            return fail("compute '{}' already exists (delete it first to change it)", spec.name);
        }
        auto stmt = db.prepare(
            "INSERT INTO computes(name, type, spec, created_at) VALUES (?1, ?2, ?3, ?4)");
        if (!stmt) {
            return std::unexpected(stmt.error());
        }
        stmt->bind(1, spec.name).bind(2, spec.type).bind(3, json.dump()).bind(4, now);
        return stmt->run();
    });
    if (!done) {
        return std::unexpected(done.error());
    }
    auto found = find_compute(db, spec.name);
    if (!found) {
        return std::unexpected(found.error());
    }
    return std::move(**found);
}

Result<bool> delete_compute(store::Database& db, std::string_view name) {
    auto stmt = db.prepare("DELETE FROM computes WHERE name = ?1 RETURNING name");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, name);
    auto row = stmt->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    const bool deleted = *row;
    if (deleted) {
        if (auto rest = stmt->step(); !rest) {
            return std::unexpected(rest.error());
        }
    }
    return deleted;
}

}  // namespace ferry::run
