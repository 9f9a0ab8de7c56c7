#include "json_object.hpp"

namespace ferry::spec::detail {

namespace {

// The members as the vector they are: ordered_map's own operator[] and emplace search.
ObjectBuilder::Json::object_t::Container& members_of(ObjectBuilder::Json& object) {
    return object.get_ref<ObjectBuilder::Json::object_t&>();
}

}  // namespace

ObjectBuilder::ObjectBuilder(std::size_t expected) {
    members_of(m_object).reserve(expected);
    m_index.reserve(expected);
}

bool ObjectBuilder::set(std::string key, Json value) {
    auto& members = members_of(m_object);
    const auto [at, added] = m_index.try_emplace(key, members.size());
    if (!added) {
        members[at->second].second = std::move(value);
        return false;
    }
    members.emplace_back(std::move(key), std::move(value));
    return true;
}

}  // namespace ferry::spec::detail
