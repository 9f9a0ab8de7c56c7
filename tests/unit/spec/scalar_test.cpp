#include "ferry/spec/scalar.hpp"

#include <gtest/gtest.h>

namespace ferry::spec {
namespace {

TEST(Scalar, LiteralsKeepTheirYamlType) {
    const YAML::Node doc = YAML::Load(
        "a: 1.0\nb: \"yes\"\nc: true\nd: 7\ne: yes\nf: ~\ng: '1'\nh: 1e-3\ni: -4\nj: text\n");
    EXPECT_TRUE(literal_value(doc["a"]).is_number_float());
    EXPECT_EQ(literal_value(doc["a"]).dump(), "1.0");
    EXPECT_EQ(literal_value(doc["b"]), "yes");
    EXPECT_EQ(literal_value(doc["c"]), true);
    EXPECT_EQ(literal_value(doc["d"]), 7);
    EXPECT_EQ(literal_value(doc["e"]), "yes");  // YAML 1.2 core schema
    EXPECT_TRUE(literal_value(doc["f"]).is_null());
    EXPECT_EQ(literal_value(doc["g"]), "1");
    EXPECT_DOUBLE_EQ(literal_value(doc["h"]).get<double>(), 0.001);
    EXPECT_EQ(literal_value(doc["i"]), -4);
    EXPECT_EQ(literal_value(doc["j"]), "text");
}

}  // namespace
}  // namespace ferry::spec
