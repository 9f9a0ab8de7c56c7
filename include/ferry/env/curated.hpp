#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

// The essentials of Azure's common curated environments, from their published definitions
// (Azure/azureml-assets): enough for `ferry env create --from-curated NAME` to write a conda
// definition that builds where a package index is reachable.
namespace ferry::env {

struct CuratedEnvironment {
    std::string_view name;                  // as in the azureml registry ("sklearn-1.5")
    std::string_view python;                // "3.10"
    std::string_view image;                 // Azure's base image, for reference
    std::span<const std::string_view> pip;  // pinned as Azure pins them
    std::string_view source;                // where the definition was read, under assets/
};

[[nodiscard]] std::span<const CuratedEnvironment> curated_environments();
// By its registry name or its curated name (AzureML-NAME); nullptr when not in the table.
[[nodiscard]] const CuratedEnvironment* find_curated(std::string_view name);
// The conda environment file that stands for it (python, pip and the pip packages).
[[nodiscard]] nlohmann::ordered_json curated_conda(const CuratedEnvironment& curated);
// "Azure/azureml-assets@COMMIT:assets/PATH" of the definition it was read from.
[[nodiscard]] std::string curated_source(const CuratedEnvironment& curated);

}  // namespace ferry::env
