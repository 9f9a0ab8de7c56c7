#include "ferry/spec/interpolate.hpp"

#include <gtest/gtest.h>

namespace ferry::spec {
namespace {

InterpolationValues sample_values() {
    InterpolationValues values;
    values.inputs = {{"lr", "0.1"}, {"data", "/mnt/inputs/data"}, {"resume", std::nullopt}};
    values.outputs = {{"model", "/outputs/model"}};
    values.search_space = {{"bs", "32"}};
    return values;
}

TEST(Interpolate, ReplacesInputsOutputsAndSearchSpace) {
    const auto out = expand(
        "python t.py --lr ${{inputs.lr}} --data ${{ inputs.data }} --out ${{outputs.model}} "
        "--bs ${{search_space.bs}}",
        sample_values());
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(*out, "python t.py --lr 0.1 --data /mnt/inputs/data --out /outputs/model --bs 32");
}

TEST(Interpolate, DropsOptionalBlockWhenAnInputHasNoValue) {
    const auto out =
        expand("run $[[--resume ${{inputs.resume}}]] --lr ${{inputs.lr}}", sample_values());
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, "run  --lr 0.1");
}

TEST(Interpolate, KeepsOptionalBlockWhenEveryInputHasAValue) {
    const auto out = expand("run $[[--lr ${{inputs.lr}}]]", sample_values());
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, "run --lr 0.1");
}

TEST(Interpolate, UndefinedNamesAreErrorsWithTheirOffset) {
    const auto out = expand("echo ${{inputs.nope}}", sample_values());
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().offset, 5u);
    EXPECT_EQ(out.error().message, "undefined input 'nope'");
    EXPECT_EQ(expand("${{outputs.x}}", sample_values()).error().message, "undefined output 'x'");
    EXPECT_EQ(expand("${{search_space.x}}", sample_values()).error().message,
              "undefined search_space 'x'");
    EXPECT_EQ(expand("${{foo.x}}", sample_values()).error().message,
              "unknown placeholder group 'foo': expected inputs, outputs or search_space");
}

TEST(Interpolate, InputWithoutValueOutsideABlockIsAnError) {
    const auto out = expand("run ${{inputs.resume}}", sample_values());
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().message,
              "input 'resume' has no value; put it in an optional block '$[[ ... ]]'");
}

TEST(Interpolate, SyntaxErrors) {
    EXPECT_EQ(expand("echo ${{inputs.lr", sample_values()).error().message,
              "unterminated '${{': expected '}}'");
    EXPECT_EQ(expand("echo $[[ a", sample_values()).error().offset, 5u);
    EXPECT_EQ(expand("$[[ $[[ ]] ]]", sample_values()).error().message,
              "optional blocks '$[[ ... ]]' cannot be nested");
    EXPECT_EQ(expand("${{inputs}}", sample_values()).error().message,
              "bad placeholder '${{inputs}}': expected inputs.NAME, outputs.NAME or "
              "search_space.NAME");
}

TEST(Interpolate, FindsPlaceholdersWithBlocks) {
    const auto found = find_placeholders("a ${{inputs.x}} $[[ ${{inputs.y}} ]]");
    ASSERT_TRUE(found);
    ASSERT_EQ(found->size(), 2u);
    EXPECT_EQ((*found)[0].group, "inputs");
    EXPECT_EQ((*found)[0].name, "x");
    EXPECT_EQ((*found)[0].offset, 2u);
    EXPECT_EQ((*found)[0].length, 13u);
    EXPECT_FALSE((*found)[0].in_optional_block);
    EXPECT_TRUE((*found)[1].in_optional_block);
}

TEST(Interpolate, TextWithoutPlaceholdersIsUnchanged) {
    const auto out = expand("echo ${HOME} $[x] }} ]]", sample_values());
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, "echo ${HOME} $[x] }} ]]");
}

}  // namespace
}  // namespace ferry::spec
