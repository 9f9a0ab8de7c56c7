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

TEST(Scalar, Integers) {
    EXPECT_EQ(parse_integer("42"), 42);
    EXPECT_EQ(parse_integer("-3"), -3);
    EXPECT_EQ(parse_integer("0x1f"), 31);
    EXPECT_EQ(parse_integer("0o17"), 15);
    EXPECT_FALSE(parse_integer("1.5"));
    EXPECT_FALSE(parse_integer("abc"));
    EXPECT_FALSE(parse_integer(""));
    EXPECT_FALSE(parse_integer("99999999999999999999"));
}

TEST(Scalar, Numbers) {
    EXPECT_EQ(parse_number("0.5"), 0.5);
    EXPECT_EQ(parse_number(".5"), 0.5);
    EXPECT_EQ(parse_number("2"), 2.0);
    EXPECT_EQ(parse_number("1e3"), 1000.0);
    EXPECT_FALSE(parse_number("1e"));
    EXPECT_FALSE(parse_number("."));
    EXPECT_FALSE(parse_number("1.2.3"));
    EXPECT_FALSE(parse_number("nan"));
}

TEST(Scalar, Sizes) {
    EXPECT_EQ(parse_size("2g"), 2ULL << 30U);
    EXPECT_EQ(parse_size("2G"), 2ULL << 30U);
    EXPECT_EQ(parse_size("2gb"), 2ULL << 30U);
    EXPECT_EQ(parse_size("512m"), 512ULL << 20U);
    EXPECT_EQ(parse_size("1024k"), 1024ULL << 10U);
    EXPECT_EQ(parse_size("1.5g"), 3ULL << 29U);
    EXPECT_EQ(parse_size("4096"), 4096u);
    EXPECT_FALSE(parse_size("lots"));
    EXPECT_FALSE(parse_size("2q"));
    EXPECT_FALSE(parse_size("-1g"));
    EXPECT_FALSE(parse_size("g"));
    EXPECT_FALSE(parse_size(""));
}

}  // namespace
}  // namespace ferry::spec
