#include "ferry/track/search.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../workspace_fixture.hpp"
#include "ferry/run/record.hpp"
#include "ferry/track/store.hpp"
#include "ferry/util/text.hpp"

namespace ferry::track {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Filter parsed(std::string_view text) {
    auto filter = parse_filter(text);
    EXPECT_TRUE(filter) << text << ": " << describe(filter.error());
    return filter ? *filter : Filter{};
}

// The error a filter is refused with, as the CLI shows it after "--filter: ".
std::string refusal(std::string_view text) {
    auto filter = parse_filter(text);
    EXPECT_FALSE(filter) << text;
    return filter ? std::string() : describe(filter.error());
}

std::string order_refusal(std::string_view text) {
    auto order = parse_order_by(text);
    EXPECT_FALSE(order) << text;
    return order ? std::string() : describe(order.error());
}

TEST(RunSearchGrammar, EachMetricComparatorTakesANumber) {
    const std::vector<std::pair<std::string, Comparator>> cases = {
        {"=", Comparator::equal},   {"!=", Comparator::not_equal},
        {"<", Comparator::less},    {"<=", Comparator::less_equal},
        {">", Comparator::greater}, {">=", Comparator::greater_equal}};
    for (const auto& [symbol, comparator] : cases) {
        const auto filter = parsed("metrics.acc " + symbol + " 0.5");
        ASSERT_EQ(filter.clauses.size(), 1U) << symbol;
        const auto& clause = filter.clauses[0];
        EXPECT_EQ(clause.identifier.entity, Entity::metric);
        EXPECT_EQ(clause.identifier.key, "acc");
        EXPECT_EQ(clause.comparator, comparator) << symbol;
        EXPECT_DOUBLE_EQ(std::get<double>(clause.operand), 0.5);
    }
    EXPECT_DOUBLE_EQ(std::get<double>(parsed("metrics.a>-1.5e3").clauses[0].operand), -1500);
    EXPECT_DOUBLE_EQ(std::get<double>(parsed("metrics.a < .25").clauses[0].operand), 0.25);
}

TEST(RunSearchGrammar, StringsLikeAndIlike) {
    const auto filter = parsed(
        "params.model LIKE 'sk%' and tags.type ILIKE \"%Logistic%\" and params.x != 'it''s'");
    ASSERT_EQ(filter.clauses.size(), 3U);
    EXPECT_EQ(filter.clauses[0].comparator, Comparator::like);
    EXPECT_EQ(std::get<std::string>(filter.clauses[0].operand), "sk%");
    EXPECT_EQ(filter.clauses[1].identifier.entity, Entity::tag);
    EXPECT_EQ(filter.clauses[1].comparator, Comparator::ilike);
    EXPECT_EQ(std::get<std::string>(filter.clauses[1].operand), "%Logistic%");
    EXPECT_EQ(filter.clauses[2].comparator, Comparator::not_equal);
    EXPECT_EQ(std::get<std::string>(filter.clauses[2].operand), "it's");
}

TEST(RunSearchGrammar, QuotedKeysAndEntityWords) {
    const auto filter = parsed(
        "metrics.`f1 score` > 0.5 AND params.\"model-type\" = 'cnn' aNd tags.`mlflow.user` = "
        "'a@b' and `metric`.loss < 1 and parameter.lr = '1' and tag.t = 'x' and attr.status = "
        "'Failed' and run.run_id = 'r1' and status = 'Failed' and attributes.`Run Name` = 'r'");
    std::vector<std::string> texts;
    for (const auto& clause : filter.clauses) {
        texts.push_back(clause.identifier.text());
    }
    EXPECT_THAT(texts,
                ElementsAre("metrics.f1 score", "params.model-type", "tags.mlflow.user",
                            "metrics.loss", "params.lr", "tags.t", "attributes.status",
                            "attributes.run_id", "attributes.status", "attributes.run_name"));
    EXPECT_EQ(filter.clauses[7].identifier.attribute, Attribute::run_name);
}

TEST(RunSearchGrammar, EmptyTextIsTheEmptyFilterAndOrder) {
    EXPECT_THAT(parsed("").clauses, IsEmpty());
    EXPECT_THAT(parsed("  \t").clauses, IsEmpty());
    auto order = parse_order_by(" ");
    ASSERT_TRUE(order);
    EXPECT_THAT(order->terms, IsEmpty());
}

TEST(RunSearchGrammar, StatusTakesFerrysNamesAndMlflowsWords) {
    const auto of = [](std::string_view text) {
        return std::get<std::vector<std::string>>(parsed(text).clauses.at(0).operand);
    };
    EXPECT_THAT(of("attributes.status = 'completed'"), ElementsAre("Completed"));
    EXPECT_THAT(of("attributes.status = 'FINISHED'"), ElementsAre("Completed"));
    EXPECT_THAT(of("attributes.status != 'KILLED'"), ElementsAre("Canceled"));
    EXPECT_THAT(of("attributes.status = 'RUNNING'"),
                ElementsAre("Running", "Finalizing", "CancelRequested"));
    EXPECT_THAT(of("attributes.status IN ('FAILED', 'Queued')"), ElementsAre("Failed", "Queued"));
    EXPECT_EQ(std::get<std::string>(parsed("status LIKE 'C%'").clauses[0].operand), "C%");
}

TEST(RunSearchGrammar, KnowsEveryStatusOfTheRunLayer) {
    for (const auto name : util::split(run::status_names(), ',')) {
        const std::string status(util::trim(name));
        EXPECT_THAT(statuses_named(status), ::testing::Optional(ElementsAre(status)));
    }
}

TEST(RunSearchGrammar, ErrorsNameTheColumnAndTheCause) {
    EXPECT_EQ(refusal("metrics.accuracy 0.9"),
              "at column 18: expected a comparator (=, !=, <, <=, >, >=) after "
              "'metrics.accuracy', found '0.9'");
    EXPECT_EQ(refusal("params.lr"),
              "at column 10: expected a comparator (=, !=, LIKE, ILIKE) after 'params.lr', "
              "found the end");
    EXPECT_EQ(refusal("metrics.a > 1 OR metrics.b < 2"),
              "at column 15: OR is not supported: MLflow's filter joins clauses with AND only");
    EXPECT_EQ(refusal("metrics.a > '0.9'"),
              "at column 13: expected a number after 'metrics.a >', found a quoted string "
              "(numbers take no quotes)");
    EXPECT_EQ(refusal("params.lr = 0.01"),
              "at column 13: expected a quoted string such as 'value' after 'params.lr =', "
              "found '0.01'");
    EXPECT_EQ(refusal("metrics.a LIKE '%x'"),
              "at column 11: LIKE does not apply to 'metrics.a': use =, !=, <, <=, >, >=");
    EXPECT_EQ(refusal("params.x in ('a')"),
              "at column 10: IN does not apply to 'params.x': use =, !=, LIKE, ILIKE");
    EXPECT_EQ(refusal("metric.a > 1 and "),
              "at column 18: expected a clause after AND, found "
              "the end");
    EXPECT_EQ(refusal("params.x = 'abc"), "at column 12: unterminated quote: add the closing '");
    EXPECT_EQ(refusal("metrics.a > 1 params.b = 'x'"),
              "at column 15: expected AND or the end after 'metrics.a > 1', found 'params.b'");
    EXPECT_EQ(refusal("metrics. > 1"), "at column 9: expected a key after 'metrics.', found '>'");
    EXPECT_EQ(refusal(" = 1"),
              "at column 2: expected an identifier such as metrics.KEY, "
              "params.KEY, tags.KEY or attributes.NAME, found '='");
}

TEST(RunSearchGrammar, UnknownNamesAreRefusedWithAHint) {
    EXPECT_EQ(refusal("metrcs.a > 1"),
              "at column 1: unknown entity 'metrcs': use metrics, params, tags or attributes "
              "(did you mean 'metrics'?)");
    EXPECT_EQ(refusal("accuracy > 0.9"),
              "at column 1: unknown attribute 'accuracy': use run_id, run_name, status, user_id, "
              "experiment, start_time, end_time or created, or metrics.accuracy, "
              "params.accuracy or tags.accuracy");
    EXPECT_THAT(refusal("attributes.status = 'Done'"),
                ::testing::StartsWith("at column 21: unknown status 'Done': use one of "));
    EXPECT_THAT(refusal("attributes.start_time LIKE '1%'"),
                ::testing::StartsWith("at column 23: LIKE does not apply"));
}

TEST(RunSearchGrammar, OrderTermsAndTheirErrors) {
    auto order = parse_order_by("metrics.acc DESC, params.lr,attributes.start_time asc");
    ASSERT_TRUE(order) << describe(order.error());
    ASSERT_EQ(order->terms.size(), 3U);
    EXPECT_TRUE(order->terms[0].descending);
    EXPECT_EQ(order->terms[1].identifier.text(), "params.lr");
    EXPECT_FALSE(order->terms[1].descending);
    EXPECT_EQ(order->terms[2].identifier.attribute, Attribute::start_time);
    EXPECT_EQ(order_refusal("metrics.acc DOWN"),
              "at column 13: expected ASC, DESC, a comma or the end after 'metrics.acc', found "
              "'DOWN'");
    EXPECT_EQ(order_refusal("metrics.acc,"),
              "at column 13: expected an identifier after the comma, found the end");
}

TEST(RunSearchGrammar, IdentifierLists) {
    auto columns = parse_identifiers("metrics.accuracy, params.lr,tags.`my team`");
    ASSERT_TRUE(columns);
    ASSERT_EQ(columns->size(), 3U);
    EXPECT_EQ((*columns)[2].text(), "tags.my team");
    EXPECT_FALSE(parse_identifiers("metrics.a params.b"));
}

TEST(RunSearchSql, ValuesAndKeysAreBoundNeverSpliced) {
    const auto filter = parsed("params.x = 'a'' OR 1=1 --' and metrics.`k') OR 1=1 --` > 0");
    const auto sql = to_sql(filter, {}, 5);
    EXPECT_EQ(sql.where.find("1=1"), std::string::npos) << sql.where;
    EXPECT_THAT(sql.values, ElementsAre(SqlValue("x"), SqlValue("a' OR 1=1 --"),
                                        SqlValue("k') OR 1=1 --"), SqlValue(0.0)));
    EXPECT_NE(sql.where.find("?8"), std::string::npos) << sql.where;
}

// Runs a (Completed), b (Failed), c and d (NotStarted), oldest first, with what they tracked.
class RunSearchQuery : public test::WorkspaceTest {
protected:
    void SetUp() override {
        WorkspaceTest::SetUp();
        for (const std::string name : {"a", "b", "c", "d"}) {
            run::NewRun run;
            run.name = name;
            run.experiment = name == "d" ? "other" : "exp";
            run.compute = "local";
            run.directory = m_dir / "runs" / name;
            ASSERT_TRUE(run::insert_run(db(), run, {"2026-01-01T00:00:00.000Z", 1000}));
        }
        log("a", {.metrics = {{"acc", 0.5, 10, 0}, {"acc", 0.95, 20, 1}},
                  .params = {{"lr", "0.01"}},
                  .tags = {{"team", "vision"}}});
        log("b", {.metrics = {{"acc", 0.92, 10, 0}},
                  .params = {{"lr", "0.1"}},
                  .tags = {{"team", "Speech"}}});
        // The last point is the last step's, however early its time.
        log("c",
            {.metrics = {{"acc", 0.99, 50, 0}, {"acc", 0.5, 5, 1}}, .params = {{"lr", "0.01"}}});
        end("a", run::Status::completed, 5000);
        end("b", run::Status::failed, 6000);
    }

    void log(const std::string& run, const Batch& batch) {
        auto logged = log_batch(db(), run, batch);
        ASSERT_TRUE(logged) << logged.error().message;
        ASSERT_FALSE(*logged) << (*logged)->message;
    }

    void end(const std::string& run, run::Status status, std::int64_t ms) {
        run::Ending ending;
        ending.status = status;
        ASSERT_TRUE(run::finish(db(), run, ending, {"2026-01-01T00:00:05.000Z", ms}));
    }

    // The names list_runs gives for the filter and order, and how many matched.
    std::pair<std::vector<std::string>, std::int64_t> search(
        std::string_view filter, std::string_view order = "",
        std::optional<std::int64_t> limit = std::nullopt) {
        run::RunFilter query;
        auto parsed_filter = parse_filter(filter);
        auto parsed_order = parse_order_by(order);
        EXPECT_TRUE(parsed_filter && parsed_order);
        if (!parsed_filter || !parsed_order) {
            return {};
        }
        query.search = *parsed_filter;
        query.order = *parsed_order;
        query.limit = limit;
        auto runs = run::list_runs(db(), query);
        EXPECT_TRUE(runs) << runs.error().message;
        std::vector<std::string> names;
        for (const auto& run : runs ? runs->first : std::vector<run::RunRecord>{}) {
            names.push_back(run.name);
        }
        return {names, runs ? runs->second : -1};
    }

    std::vector<std::string> names(std::string_view filter, std::string_view order = "") {
        return search(filter, order).first;
    }
};

TEST_F(RunSearchQuery, MetricsCompareTheirLastValue) {
    EXPECT_THAT(names("metrics.acc > 0.9"), ElementsAre("b", "a"));
    EXPECT_THAT(names("metrics.acc = 0.5"), ElementsAre("c"));
    EXPECT_THAT(names("metrics.acc != 0.5"), ElementsAre("b", "a"));  // d has none
    EXPECT_THAT(names("metrics.acc <= 0.92 and metrics.acc >= 0.92"), ElementsAre("b"));
    EXPECT_THAT(names("metrics.missing < 1"), IsEmpty());
}

TEST_F(RunSearchQuery, ParamsTagsAndAttributes) {
    EXPECT_THAT(names("params.lr = '0.01'"), ElementsAre("c", "a"));
    EXPECT_THAT(names("params.lr != '0.01'"), ElementsAre("b"));
    EXPECT_THAT(names("tags.team LIKE 'S%'"), ElementsAre("b"));
    EXPECT_THAT(names("tags.team LIKE 's%'"), IsEmpty());
    EXPECT_THAT(names("tags.team ILIKE 's%'"), ElementsAre("b"));
    EXPECT_THAT(names("tags.team LIKE '_ision'"), ElementsAre("a"));
    EXPECT_THAT(names("attributes.status = 'Completed'"), ElementsAre("a"));
    EXPECT_THAT(names("attributes.status = 'FINISHED'"), ElementsAre("a"));
    EXPECT_THAT(names("attributes.status = 'SCHEDULED'"), ElementsAre("d", "c"));
    EXPECT_THAT(names("attributes.status != 'FAILED'"), ElementsAre("d", "c", "a"));
    EXPECT_THAT(names("attributes.run_name IN ('a', 'c')"), ElementsAre("c", "a"));
    EXPECT_THAT(names("attributes.run_id NOT IN ('a')"), ElementsAre("d", "c", "b"));
    EXPECT_THAT(names("attributes.experiment = 'other'"), ElementsAre("d"));
    EXPECT_THAT(names("attributes.end_time > 5500"), ElementsAre("b"));
    EXPECT_THAT(names("attributes.created >= 1000 and params.lr = '0.1'"), ElementsAre("b"));
}

TEST_F(RunSearchQuery, OrderPutsRunsLackingTheKeyLast) {
    EXPECT_THAT(names("", "metrics.acc"), ElementsAre("c", "b", "a", "d"));
    EXPECT_THAT(names("", "metrics.acc DESC"), ElementsAre("a", "b", "c", "d"));
    EXPECT_THAT(names("", "params.lr desc, metrics.acc"), ElementsAre("b", "c", "a", "d"));
    EXPECT_THAT(names("", "tags.team"), ElementsAre("b", "a", "d", "c"));
    EXPECT_THAT(names("metrics.acc > 0.9", "metrics.acc DESC"), ElementsAre("a", "b"));
}

TEST_F(RunSearchQuery, TheLimitKeepsTheTotal) {
    const auto [limited, total] = search("metrics.acc > 0", "metrics.acc DESC", 1);
    EXPECT_THAT(limited, ElementsAre("a"));
    EXPECT_EQ(total, 3);
}

TEST_F(RunSearchQuery, InjectionAttemptsFindNothingAndBreakNothing) {
    EXPECT_THAT(names("params.lr = 'a'' OR 1=1 --'"), IsEmpty());
    EXPECT_THAT(names("tags.\"team' OR '1'='1\" = 'x'"), IsEmpty());
    EXPECT_THAT(names("metrics.`acc) > 0 OR (1` > 0"), IsEmpty());
    EXPECT_THAT(names("params.lr = '0.01''; DROP TABLE runs; --'"), IsEmpty());
    EXPECT_THAT(names("", "params.`lr; DROP TABLE runs`"), ElementsAre("d", "c", "b", "a"));
    EXPECT_EQ(search("").second, 4);
}

}  // namespace
}  // namespace ferry::track
