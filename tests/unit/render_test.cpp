#include "ferry/output/render.hpp"

#include <stdlib.h>
#include <time.h>

#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace ferry::output {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<Column> k_columns = {{"name", "NAME"}, {"status", "STATUS"}, {"path", "PATH"}};

Json sample_records() {
    Json records = Json::array();
    Json first;
    first["name"] = "default";
    first["status"] = "ok";
    first["path"] = "/home/u/.local/share/ferry/workspaces/default";
    first["count"] = 3;
    records.push_back(first);
    Json second;
    second["name"] = "team";
    second["status"] = "missing";
    second["path"] = "/shared/team";
    second["count"] = nullptr;
    records.push_back(second);
    return records;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    return lines;
}

// Columns of display width (one per UTF-8 code point).
std::size_t width_of(const std::string& line) {
    std::size_t width = 0;
    for (char c : line) {
        width += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return width;
}

void expect_no_trailing_spaces(const std::string& text) {
    for (const auto& line : lines_of(text)) {
        EXPECT_FALSE(!line.empty() && line.back() == ' ') << "'" << line << "'";
    }
}

// ---- JSON ----

TEST(RenderJson, ListIsExactAndKeepsKeyOrder) {
    Json records = Json::array();
    Json record;
    record["zeta"] = 1;
    record["alpha"] = "a";
    record["mid"] = Json{{"y", true}, {"x", nullptr}};
    records.push_back(record);
    EXPECT_EQ(render_list(OutputFormat::json, records, k_columns, {}),
              "[\n"
              "  {\n"
              "    \"zeta\": 1,\n"
              "    \"alpha\": \"a\",\n"
              "    \"mid\": {\n"
              "      \"y\": true,\n"
              "      \"x\": null\n"
              "    }\n"
              "  }\n"
              "]\n");
}

TEST(RenderJson, EmptyListIsAnEmptyArray) {
    EXPECT_EQ(render_list(OutputFormat::json, Json::array(), k_columns, {}), "[]\n");
}

TEST(RenderJson, ListKeepsKeysThatAreNotColumns) {
    const std::string text = render_list(OutputFormat::json, sample_records(), k_columns, {});
    EXPECT_THAT(text, HasSubstr("\"count\": 3"));
    EXPECT_EQ(Json::parse(text), sample_records());
}

TEST(RenderJson, RecordIsExact) {
    Json record;
    record["name"] = "team";
    record["current"] = false;
    record["objects"] = Json{{"count", 2}, {"bytes", 8}};
    record["tags"] = Json::array({"a", "b"});
    EXPECT_EQ(render_record(OutputFormat::json, record, {}),
              "{\n"
              "  \"name\": \"team\",\n"
              "  \"current\": false,\n"
              "  \"objects\": {\n"
              "    \"count\": 2,\n"
              "    \"bytes\": 8\n"
              "  },\n"
              "  \"tags\": [\n"
              "    \"a\",\n"
              "    \"b\"\n"
              "  ]\n"
              "}\n");
}

TEST(RenderJson, StyleDoesNotChangeJson) {
    const TableStyle narrow{10, true};
    EXPECT_EQ(render_list(OutputFormat::json, sample_records(), k_columns, narrow),
              render_list(OutputFormat::json, sample_records(), k_columns, {}));
    EXPECT_THAT(render_list(OutputFormat::json, sample_records(), k_columns, narrow),
                Not(HasSubstr("\x1b[")));
}

// ---- YAML ----

TEST(RenderYaml, RecordIsExactAndKeepsKeyOrder) {
    Json record;
    record["zeta"] = "plain";
    record["alpha"] = 2;
    record["flag"] = true;
    record["none"] = nullptr;
    record["nested"] = Json{{"b", 1}, {"a", "x"}};
    EXPECT_EQ(render_record(OutputFormat::yaml, record, {}),
              "zeta: plain\n"
              "alpha: 2\n"
              "flag: true\n"
              "none: ~\n"
              "nested:\n"
              "  b: 1\n"
              "  a: x\n");
}

TEST(RenderYaml, ListIsExact) {
    Json records = Json::array();
    records.push_back(Json{{"name", "a"}, {"size", 1}});
    records.push_back(Json{{"name", "b"}, {"size", 2}});
    EXPECT_EQ(render_list(OutputFormat::yaml, records, k_columns, {}),
              "- name: a\n"
              "  size: 1\n"
              "- name: b\n"
              "  size: 2\n");
}

TEST(RenderYaml, EmptyCollections) {
    EXPECT_EQ(render_list(OutputFormat::yaml, Json::array(), k_columns, {}), "[]\n");
    EXPECT_EQ(render_record(OutputFormat::yaml, Json::object(), {}), "{}\n");
}

TEST(RenderYaml, QuotesStringsThatWouldReadAsOtherTypes) {
    Json record;
    record["yes"] = "yes";
    record["version"] = "1.0";
    record["empty"] = "";
    record["no"] = "No";
    record["null"] = "null";
    record["tilde"] = "~";
    record["int"] = "42";
    record["hex"] = "0x1F";
    record["exp"] = "1e5";
    record["inf"] = "-.inf";
    record["word"] = "yesterday";
    const std::string text = render_record(OutputFormat::yaml, record, {});
    EXPECT_THAT(text, HasSubstr("version: \"1.0\"\n"));
    EXPECT_THAT(text, HasSubstr("empty: \"\"\n"));
    EXPECT_THAT(text, HasSubstr("int: \"42\"\n"));
    EXPECT_THAT(text, HasSubstr("hex: \"0x1F\"\n"));
    EXPECT_THAT(text, HasSubstr("exp: \"1e5\"\n"));
    EXPECT_THAT(text, HasSubstr("inf: \"-.inf\"\n"));
    EXPECT_THAT(text, HasSubstr("tilde: \"~\"\n"));
    EXPECT_THAT(text, HasSubstr("word: yesterday\n"));
    EXPECT_THAT(text, HasSubstr(": \"yes\"\n"));
    EXPECT_THAT(text, HasSubstr(": \"No\"\n"));
    EXPECT_THAT(text, HasSubstr(": \"null\"\n"));
}

TEST(RenderYaml, NumbersAndBooleansStayUnquoted) {
    Json record;
    record["int"] = 42;
    record["float"] = 1.5;
    record["negative"] = -3;
    record["bool"] = false;
    EXPECT_EQ(render_record(OutputFormat::yaml, record, {}),
              "int: 42\nfloat: 1.5\nnegative: -3\nbool: false\n");
}

// Compares a JSON value with what yaml-cpp read back, types included.
void expect_same(const Json& json, const YAML::Node& node, const std::string& where) {
    switch (json.type()) {
        case Json::value_t::object: {
            ASSERT_TRUE(node.IsMap()) << where;
            ASSERT_EQ(node.size(), json.size()) << where;
            auto it = node.begin();
            for (const auto& [key, value] : json.items()) {
                EXPECT_EQ(it->first.as<std::string>(), key) << where;
                expect_same(value, it->second, where + "." + key);
                ++it;
            }
            break;
        }
        case Json::value_t::array: {
            ASSERT_TRUE(node.IsSequence()) << where;
            ASSERT_EQ(node.size(), json.size()) << where;
            for (std::size_t i = 0; i < json.size(); ++i) {
                expect_same(json[i], node[i], where + "[" + std::to_string(i) + "]");
            }
            break;
        }
        case Json::value_t::string:
            ASSERT_TRUE(node.IsScalar()) << where;
            EXPECT_EQ(node.Scalar(), json.get<std::string>()) << where;
            // Quoted ("!" tag): no resolver may take it for a bool, number or null.
            if (json.get<std::string>().empty() || json.get<std::string>() == "yes" ||
                json.get<std::string>() == "1.0") {
                EXPECT_EQ(node.Tag(), "!") << where;
            }
            break;
        case Json::value_t::null:
            EXPECT_TRUE(node.IsNull()) << where;
            break;
        case Json::value_t::boolean:
            EXPECT_EQ(node.Tag(), "?") << where;
            EXPECT_EQ(node.as<bool>(), json.get<bool>()) << where;
            break;
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
            EXPECT_EQ(node.Tag(), "?") << where;
            EXPECT_EQ(node.as<std::int64_t>(), json.get<std::int64_t>()) << where;
            break;
        case Json::value_t::number_float:
            EXPECT_EQ(node.Tag(), "?") << where;
            EXPECT_DOUBLE_EQ(node.as<double>(), json.get<double>()) << where;
            break;
        default:
            ADD_FAILURE() << "unexpected JSON type at " << where;
    }
}

TEST(RenderYaml, RoundTripsThroughYamlCpp) {
    Json record;
    record["yes"] = "yes";
    record["version"] = "1.0";
    record["empty"] = "";
    record["multi"] = "line one\nline two";
    record["colon"] = "key: value";
    record["hash"] = "# not a comment";
    record["spaces"] = "  padded  ";
    record["quote"] = "say \"hi\"";
    record["dash"] = "- item";
    record["unicode"] = "caf\u00e9 \u2026";
    record["tab"] = "a\tb";
    record["number"] = 12;
    record["float"] = 0.25;
    record["flag"] = true;
    record["none"] = nullptr;
    record["list"] = Json::array({"yes", "", 1, false});
    record["nested"] = Json{{"deep", Json{{"value", "1.0"}}}};
    record["empty_list"] = Json::array();
    record["empty_map"] = Json::object();
    const std::string text = render_record(OutputFormat::yaml, record, {});
    YAML::Node node;
    ASSERT_NO_THROW(node = YAML::Load(text)) << text;
    expect_same(record, node, "record");

    Json records = Json::array({record, sample_records()[0]});
    const std::string list = render_list(OutputFormat::yaml, records, k_columns, {});
    ASSERT_NO_THROW(node = YAML::Load(list)) << list;
    expect_same(records, node, "records");
}

TEST(RenderYaml, KeysThatLookLikeOtherTypesAreQuoted) {
    Json record;
    record["yes"] = 1;
    record["1.0"] = 2;
    record[""] = 3;
    record["n"] = 4;
    record["no"] = 5;
    record["number"] = 6;
    const std::string text = render_record(OutputFormat::yaml, record, {});
    EXPECT_EQ(text, "\"yes\": 1\n\"1.0\": 2\n\"\": 3\n\"n\": 4\n\"no\": 5\nnumber: 6\n");
    YAML::Node node = YAML::Load(text);
    expect_same(record, node, "record");
    for (const auto& item : node) {
        // Quoted ("!" tag) unless plain text.
        EXPECT_EQ(item.first.Tag(), item.first.Scalar() == "number" ? "?" : "!")
            << item.first.Scalar();
    }
}

// ---- TSV ----

TEST(RenderTsv, ListHasNoHeaderAndFollowsColumns) {
    EXPECT_EQ(render_list(OutputFormat::tsv, sample_records(), k_columns, {}),
              "default\tok\t/home/u/.local/share/ferry/workspaces/default\n"
              "team\tmissing\t/shared/team\n");
}

TEST(RenderTsv, EscapesTabsNewlinesAndBackslashes) {
    Json records = Json::array();
    records.push_back(Json{{"name", "a\tb"}, {"status", "line1\nline2\r"}, {"path", "C:\\dir"}});
    EXPECT_EQ(render_list(OutputFormat::tsv, records, k_columns, {}),
              "a\\tb\tline1\\nline2\\r\tC:\\\\dir\n");
}

TEST(RenderTsv, EscapesOtherControlCharacters) {
    Json records = Json::array();
    records.push_back(Json{{"name", "red\x1b[31m"}, {"status", "bell\x07"}, {"path", "/p"}});
    EXPECT_EQ(render_list(OutputFormat::tsv, records, k_columns, {}),
              "red\\x1b[31m\tbell\\x07\t/p\n");
}

TEST(RenderTsv, MissingAndNullFieldsAreEmpty) {
    Json records = Json::array();
    records.push_back(Json{{"name", "only"}, {"path", nullptr}});
    EXPECT_EQ(render_list(OutputFormat::tsv, records, k_columns, {}), "only\t\t\n");
}

TEST(RenderTsv, EmptyListIsEmpty) {
    EXPECT_EQ(render_list(OutputFormat::tsv, Json::array(), k_columns, {}), "");
}

TEST(RenderTsv, RecordIsOneRowOfItsValues) {
    Json record;
    record["name"] = "team";
    record["current"] = true;
    record["count"] = 7;
    record["note"] = "two\twords";
    record["tags"] = Json::array({"a", "b"});
    EXPECT_EQ(render_record(OutputFormat::tsv, record, {}), "team\ttrue\t7\ttwo\\twords\ta,b\n");
}

// ---- cell text ----

TEST(CellText, Values) {
    EXPECT_EQ(cell_text(Json()), "");
    EXPECT_EQ(cell_text(Json("text")), "text");
    EXPECT_EQ(cell_text(Json(true)), "true");
    EXPECT_EQ(cell_text(Json(12)), "12");
    EXPECT_EQ(cell_text(Json(1.5)), "1.5");
    EXPECT_EQ(cell_text(Json::array({"a", "b", "c"})), "a,b,c");
    EXPECT_EQ(cell_text(Json::array()), "");
    EXPECT_EQ(cell_text(Json::array({1, 2})), "[1,2]");
    // A map of plain values (tags) reads as KEY=VALUE pairs; a nested one stays JSON.
    EXPECT_EQ(cell_text(Json{{"team", "vision"}, {"lr", 0.1}}), "team=vision,lr=0.1");
    EXPECT_EQ(cell_text(Json::object()), "");
    EXPECT_EQ(cell_text(Json{{"k", Json{{"a", 1}}}}), "{\"k\":{\"a\":1}}");
}

TEST(RenderTable, TimeAndByteColumnsAreCompactInTablesOnly) {
    Json records = Json::array();
    records.push_back({{"at", "2019-03-04T05:06:07.000Z"}, {"bytes", 3145728}});
    const std::vector<Column> columns = {{"at", "AT", Cell::time}, {"bytes", "SIZE", Cell::bytes}};
    setenv("TZ", "UTC", 1);
    tzset();
    EXPECT_EQ(render_list(OutputFormat::table, records, columns, {}),
              "AT            SIZE\n"
              "Mar 04  2019  3.0 MiB\n");
    EXPECT_EQ(render_list(OutputFormat::tsv, records, columns, {}),
              "2019-03-04T05:06:07.000Z\t3145728\n");
}

// ---- table ----

TEST(RenderTable, ListIsAlignedWithTwoSpaceGaps) {
    EXPECT_EQ(render_list(OutputFormat::table, sample_records(), k_columns, {}),
              "NAME     STATUS   PATH\n"
              "default  ok       /home/u/.local/share/ferry/workspaces/default\n"
              "team     missing  /shared/team\n");
}

TEST(RenderTable, NoTrailingSpacesWhenTheLastColumnIsEmpty) {
    Json records = Json::array();
    records.push_back(Json{{"name", "a"}, {"status", "ok"}, {"path", ""}});
    records.push_back(Json{{"name", "bb"}, {"status", ""}});
    const std::string text = render_list(OutputFormat::table, records, k_columns, {});
    EXPECT_EQ(text,
              "NAME  STATUS  PATH\n"
              "a     ok\n"
              "bb\n");
    expect_no_trailing_spaces(text);
}

TEST(RenderTable, EmptyListIsJustTheHeader) {
    EXPECT_EQ(render_list(OutputFormat::table, Json::array(), k_columns, {}),
              "NAME  STATUS  PATH\n");
}

TEST(RenderTable, ControlCharactersAreEscapedAndAligned) {
    Json records = Json::array();
    records.push_back(Json{{"name", "\x1b[2Jwipe"}, {"status", "a\nb"}, {"path", "/p"}});
    records.push_back(Json{{"name", "plain"}, {"status", "ok"}, {"path", "/q"}});
    const std::string text = render_list(OutputFormat::table, records, k_columns, {});
    EXPECT_EQ(text,
              "NAME         STATUS  PATH\n"
              "\\x1b[2Jwipe  a\\nb    /p\n"
              "plain        ok      /q\n");
    Json record;
    record["experiment"] = "\x1b]0;title\x07";
    EXPECT_EQ(render_record(OutputFormat::table, record, {}), "experiment  \\x1b]0;title\\x07\n");
}

TEST(RenderTable, AlignsByCodePointsNotBytes) {
    Json records = Json::array();
    records.push_back(Json{{"name", "caf\u00e9"}, {"status", "\u2713"}, {"path", "/p"}});
    records.push_back(Json{{"name", "cafe1"}, {"status", "ok"}, {"path", "/q"}});
    EXPECT_EQ(render_list(OutputFormat::table, records, k_columns, {}),
              "NAME   STATUS  PATH\n"
              "caf\u00e9   \u2713       /p\n"
              "cafe1  ok      /q\n");
}

TEST(RenderTable, WidthZeroNeverCuts) {
    Json records = Json::array();
    records.push_back(Json{{"name", std::string(300, 'n')}, {"status", "ok"}, {"path", "/p"}});
    const std::string text = render_list(OutputFormat::table, records, k_columns, {0, false});
    EXPECT_THAT(text, HasSubstr(std::string(300, 'n')));
    EXPECT_THAT(text, Not(HasSubstr("\u2026")));
}

TEST(RenderTable, WideEnoughNeverCuts) {
    const std::string text =
        render_list(OutputFormat::table, sample_records(), k_columns, {200, false});
    EXPECT_EQ(text, render_list(OutputFormat::table, sample_records(), k_columns, {}));
}

TEST(RenderTable, SmallWidthCutsTheWidestColumnWithAnEllipsis) {
    const TableStyle style{40, false};
    const std::string text = render_list(OutputFormat::table, sample_records(), k_columns, style);
    EXPECT_EQ(text,
              "NAME     STATUS   PATH\n"
              "default  ok       /home/u/.local/share/\u2026\n"
              "team     missing  /shared/team\n");
    for (const auto& line : lines_of(text)) {
        EXPECT_LE(width_of(line), 40u) << line;
    }
    expect_no_trailing_spaces(text);
}

TEST(RenderTable, CutsStopAtAReadableMinimum) {
    Json records = Json::array();
    records.push_back(Json{{"name", std::string(20, 'a')},
                           {"status", std::string(20, 'b')},
                           {"path", std::string(20, 'c')}});
    const std::string text = render_list(OutputFormat::table, records, k_columns, {5, false});
    EXPECT_EQ(text, "NAME      STATUS    PATH\n" + std::string(7, 'a') + "\u2026  " +
                        std::string(7, 'b') + "\u2026  " + std::string(7, 'c') + "\u2026\n");
}

TEST(RenderTable, BoldHeaderOnlyWhenStyled) {
    const std::string plain =
        render_list(OutputFormat::table, sample_records(), k_columns, {0, false});
    EXPECT_THAT(plain, Not(HasSubstr("\x1b[")));
    const std::string bold =
        render_list(OutputFormat::table, sample_records(), k_columns, {0, true});
    const auto lines = lines_of(bold);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "\x1b[1mNAME\x1b[0m     \x1b[1mSTATUS\x1b[0m   \x1b[1mPATH\x1b[0m");
    // Only the header is bold; the rows are as without style.
    EXPECT_EQ(lines[1], lines_of(plain)[1]);
    EXPECT_EQ(lines[2], lines_of(plain)[2]);
}

TEST(RenderTable, RecordIsAKeyValueTableWithDottedKeys) {
    Json record;
    record["name"] = "team";
    record["current"] = true;
    record["description"] = "";
    record["objects"] = Json{{"count", 2}, {"bytes", 8}};
    record["tags"] = Json::array({"a", "b"});
    record["empty"] = Json::object();
    EXPECT_EQ(render_record(OutputFormat::table, record, {}),
              "name           team\n"
              "current        true\n"
              "description\n"
              "objects.count  2\n"
              "objects.bytes  8\n"
              "tags           a,b\n"
              "empty\n");
}

TEST(RenderTable, RecordIsNeverBold) {
    Json record;
    record["name"] = "team";
    EXPECT_EQ(render_record(OutputFormat::table, record, {0, true}), "name  team\n");
}

TEST(RenderTable, RecordCutsLongValues) {
    Json record;
    record["path"] = std::string(50, 'p');
    const std::string text = render_record(OutputFormat::table, record, {20, false});
    EXPECT_EQ(text, "path  " + std::string(13, 'p') + "\u2026\n");
}

}  // namespace
}  // namespace ferry::output
