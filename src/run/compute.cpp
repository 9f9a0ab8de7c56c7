#include "ferry/run/compute.hpp"

#include "ferry/util/text.hpp"

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
    TRY_ASSIGN(auto found,
               db.query_one("SELECT name, type, spec, created_at FROM computes WHERE name = ?1",
                            from_row, name));
    if (!found && name == k_local_compute) {
        return std::optional<ComputeRecord>{implicit_local()};
    }
    return found;
}

Result<ComputeRecord> get_compute(store::Database& db, std::string_view name,
                                  std::string_view workspace) {
    TRY_ASSIGN(auto compute, find_compute(db, name));
    if (compute) {
        return std::move(*compute);
    }
    // Azure's serverless compute, "a machine of Azure's choosing": here, this one, unless a
    // compute of that name was created.
    if (name == "serverless") {
        return get_compute(db, k_local_compute, workspace);
    }
    TRY_ASSIGN(const auto computes, list_computes(db));
    std::vector<std::string> names;
    for (const auto& known : computes) {
        names.push_back(known.name);
    }
    return usage_error("no compute named '{}' in workspace '{}'{} (see 'ferry compute list')", name,
                       workspace, util::did_you_mean(name, names));
}

Result<std::vector<ComputeRecord>> list_computes(store::Database& db) {
    TRY_ASSIGN(
        auto computes,
        db.query_all(
            "SELECT name, type, spec, created_at FROM computes ORDER BY name != 'local', name",
            from_row));
    if (computes.empty() || computes.front().name != k_local_compute) {
        computes.insert(computes.begin(), implicit_local());
    }
    return computes;
}

Result<ComputeRecord> store_compute(store::Database& db, const spec::ComputeSpec& spec,
                                    std::string_view now, Storing storing) {
    nlohmann::ordered_json json = spec.to_json();
    if (!spec.max_concurrent_runs && spec.type == "local") {
        json["max_concurrent_runs"] = 1;
    }
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto existing, db.query_one("SELECT type FROM computes WHERE name = ?1",
                                               store::first_text, spec.name));
        const std::string type = existing                       ? *existing
                                 : spec.name == k_local_compute ? "local"
                                                                : spec.type;
        if (storing == Storing::update && type != spec.type) {
            return usage_error(
                "compute '{}' is of type {}: a type does not change (delete the compute "
                "and create it anew)",
                spec.name, type);
        }
        if (existing && storing == Storing::create) {
            return usage_error(
                "compute '{}' already exists (change it with 'ferry compute update {}', or "
                "delete it first)",
                spec.name, spec.name);
        }
        if (existing) {
            return db.execute("UPDATE computes SET spec = ?2 WHERE name = ?1", spec.name,
                              json.dump());
        }
        if (storing == Storing::update && spec.name != k_local_compute) {
            return usage_error("no compute named '{}'", spec.name);
        }
        // Created, or the implicit `local` given values of its own.
        return db.execute(
            "INSERT INTO computes(name, type, spec, created_at) VALUES (?1, ?2, ?3, ?4)", spec.name,
            spec.type, json.dump(), now);
    }));
    TRY_ASSIGN(auto found, find_compute(db, spec.name));
    return std::move(*found);
}

Result<bool> delete_compute(store::Database& db, std::string_view name) {
    TRY_ASSIGN(auto deleted, db.query_all("DELETE FROM computes WHERE name = ?1 RETURNING name",
                                          store::first_text, name));
    return !deleted.empty();
}

}  // namespace ferry::run
