#pragma once

#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace ferry::spec::detail {

// Builds a JSON object of user-chosen keys in time linear in their number: ordered_json's
// operator[] and emplace search the members one by one, so n keys would cost n².
class ObjectBuilder {
public:
    using Json = nlohmann::ordered_json;

    // `expected`: how many keys are coming, to reserve room for them at once.
    explicit ObjectBuilder(std::size_t expected = 0);

    // Sets `key` as object[key] = value would (a repeated key keeps its first place and takes
    // the last value); false when the key was set before.
    bool set(std::string key, Json value);
    [[nodiscard]] Json take() && { return std::move(m_object); }

private:
    Json m_object = Json::object();
    std::unordered_map<std::string, std::size_t> m_index;
};

}  // namespace ferry::spec::detail
