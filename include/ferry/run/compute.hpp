#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/spec/assets.hpp"
#include "ferry/store/database.hpp"

// Compute targets of a workspace. `local` exists without being created (one run at a time);
// creating it sets its values.
namespace ferry::run {

inline constexpr std::string_view k_local_compute = "local";

struct ComputeRecord {
    std::string name;
    std::string type;  // "local"
    std::int64_t max_concurrent_runs = 1;
    std::optional<std::int64_t> gpus;
    std::string description;
    std::string created_at;  // empty for the implicit `local`
    bool implicit = false;
    nlohmann::ordered_json spec;
};

[[nodiscard]] Result<std::optional<ComputeRecord>> find_compute(store::Database& db,
                                                                std::string_view name);
// The compute of that name; an unknown one is a usage error with the nearest name.
[[nodiscard]] Result<ComputeRecord> get_compute(store::Database& db, std::string_view name,
                                                std::string_view workspace);
// Every compute, `local` first (implicit or created), then by name.
[[nodiscard]] Result<std::vector<ComputeRecord>> list_computes(store::Database& db);
enum class Storing {
    create,  // a name already created is refused
    update,  // the compute must exist (`local` always does); its type stays what it was
};
// Records a compute, new or changed; runs that start from now on see its values.
[[nodiscard]] Result<ComputeRecord> store_compute(store::Database& db,
                                                  const spec::ComputeSpec& spec,
                                                  std::string_view now, Storing storing);
// Forgets a created compute; false when there was none.
[[nodiscard]] Result<bool> delete_compute(store::Database& db, std::string_view name);

}  // namespace ferry::run
