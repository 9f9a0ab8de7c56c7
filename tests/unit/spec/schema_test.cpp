#include "ferry/spec/schema.hpp"

#include <gtest/gtest.h>

namespace ferry::spec {
namespace {

TEST(Schema, KindNamesRoundTrip) {
    ASSERT_EQ(kind_names().size(), 9u);
    for (const std::string_view name : kind_names()) {
        const auto kind = kind_from_name(name);
        ASSERT_TRUE(kind) << name;
        EXPECT_EQ(kind_name(*kind), name);
    }
    EXPECT_FALSE(kind_from_name("automl"));
}

TEST(Schema, CommandJobTable) {
    const Field& root = schema_for(Kind::command_job);
    const Field* command = root.find("command");
    ASSERT_NE(command, nullptr);
    EXPECT_TRUE(command->required);
    const Field* compute = root.find("compute");
    ASSERT_NE(compute, nullptr);
    EXPECT_EQ(compute->default_value, "local");
    const Field* limits = root.find("limits");
    ASSERT_NE(limits, nullptr);
    EXPECT_EQ(expected_text(*limits->find("timeout")), "an integer (seconds)");
    EXPECT_FALSE(root.find("identity")->ignored.empty());
    EXPECT_TRUE(root.find("identity")->unsupported.empty());
    EXPECT_TRUE(root.find("status")->read_only);
}

TEST(Schema, JsonSchemaOfACommandJob) {
    const auto schema = to_json_schema(Kind::command_job);
    EXPECT_EQ(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    EXPECT_EQ(schema["type"], "object");
    EXPECT_EQ(schema["additionalProperties"], false);
    EXPECT_EQ(schema["required"], nlohmann::ordered_json::array({"command"}));
    // Azure's keys that ferry ignores are allowed, so that editors do not flag them.
    EXPECT_EQ(schema["properties"]["identity"]["type"], "object");
    EXPECT_EQ(schema["properties"]["compute"]["default"], "local");
    EXPECT_EQ(schema["properties"]["limits"]["properties"]["timeout"]["type"], "integer");
    const auto& input = schema["properties"]["inputs"]["additionalProperties"]["anyOf"][0];
    EXPECT_EQ(schema["properties"]["inputs"]["additionalProperties"]["anyOf"][1]["type"], "null");
    const auto& mode = input["oneOf"][1]["properties"]["mode"];
    EXPECT_EQ(mode["enum"], nlohmann::ordered_json::array({"ro_mount", "download", "direct"}));
    EXPECT_EQ(mode["default"], "ro_mount");
    EXPECT_FALSE(schema["properties"]["command"]["description"].get<std::string>().empty());
}

TEST(Schema, JsonSchemaOfEveryKindIsAnObject) {
    for (const std::string_view name : kind_names()) {
        const auto schema = to_json_schema(*kind_from_name(name));
        EXPECT_TRUE(schema.contains("type") || schema.contains("oneOf")) << name;
        EXPECT_TRUE(schema.contains("description")) << name;
    }
    const auto compute = to_json_schema(Kind::compute);
    ASSERT_TRUE(compute.contains("oneOf"));
    EXPECT_EQ(compute["oneOf"].size(), 2u);  // local, slurm; ssh is reserved
}

}  // namespace
}  // namespace ferry::spec
