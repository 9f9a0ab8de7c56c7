#include "ferry/util/yaml.hpp"

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include "ferry/util/text.hpp"

namespace ferry::util {

namespace {

YAML::Mark mark_at(std::string_view text, std::size_t offset) {
    const std::string_view before = text.substr(0, offset);
    const auto line_start = before.rfind('\n');
    YAML::Mark mark;
    mark.pos = static_cast<int>(offset);
    mark.line = static_cast<int>(std::ranges::count(before, '\n'));
    mark.column =
        static_cast<int>(offset - (line_start == std::string_view::npos ? 0 : line_start + 1));
    return mark;
}

// YAML is printable Unicode text; other bytes would reach the output as garbage.
std::optional<YamlError> unprintable(std::string_view text) {
    const auto control = std::ranges::find_if(text, [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f;
    });
    auto bad = invalid_utf8_offset(text);
    const bool is_control =
        control != text.end() && (!bad || static_cast<std::size_t>(control - text.begin()) < *bad);
    if (is_control) {
        bad = static_cast<std::size_t>(control - text.begin());
    }
    if (!bad) {
        return std::nullopt;
    }
    return YamlError{
        mark_at(text, *bad),
        fmt::format("{} 0x{:02x}", is_control ? "non-printable character" : "invalid UTF-8 byte",
                    static_cast<unsigned char>(text[*bad]))};
}

// Thrown by Census to stop the parser at the first refusal.
struct Refused {
    YamlError error;
};

// Counts the values of a document as the events of the parser come, aliases expanded: an
// anchored node's count is kept when it closes, and an alias adds it again. A second document
// and an alias to a node that is still open (a cycle) are refused too.
class Census final : public YAML::EventHandler {
public:
    Census(std::string_view text, const YamlLimits& limits) : m_text(text), m_limits(limits) {}

    void OnDocumentStart(const YAML::Mark& mark) override {
        if (++m_documents > 1) {
            throw Refused{{mark, "a second YAML document: the file must hold one document"}};
        }
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, 0); }
    void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  const std::string& value) override {
        leaf(mark, anchor, value.size());
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        const auto named = m_anchors.find(anchor);
        if (named == m_anchors.end()) {
            throw Refused{
                {mark, fmt::format("alias '{}' is inside the node it names", alias_text(mark))}};
        }
        add(mark, named->second, alias_text(mark));
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value /*style*/) override {
        open(mark, anchor);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value /*style*/) override {
        open(mark, anchor);
    }
    void OnMapEnd() override { close(); }

private:
    struct Cost {
        std::size_t values = 0;
        std::size_t bytes = 0;
    };
    struct Open {
        YAML::anchor_t anchor;
        Cost cost;
    };

    void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, std::size_t bytes) {
        const Cost cost{1, bytes};
        if (anchor != YAML::NullAnchor) {
            m_anchors[anchor] = cost;
        }
        add(mark, cost, {});
    }

    void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
        count(mark, Cost{1, 0}, {});
        m_open.push_back(Open{anchor, Cost{1, 0}});
    }

    // A node's count goes to the node around it once it is complete.
    void close() {
        const Open done = m_open.back();
        m_open.pop_back();
        if (done.anchor != YAML::NullAnchor) {
            m_anchors[done.anchor] = done.cost;
        }
        credit(done.cost);
    }

    // A leaf, or an alias (then `alias` is its text), in the document and in the open node.
    void add(const YAML::Mark& mark, const Cost& cost, std::string_view alias) {
        count(mark, cost, alias);
        credit(cost);
    }

    void credit(const Cost& cost) {
        if (!m_open.empty()) {
            m_open.back().cost.values += cost.values;
            m_open.back().cost.bytes += cost.bytes;
        }
    }

    void count(const YAML::Mark& mark, const Cost& cost, std::string_view alias) {
        m_total.values += cost.values;
        m_total.bytes += cost.bytes;
        const bool too_many = m_total.values > m_limits.max_values;
        if (!too_many && m_total.bytes <= m_limits.max_value_bytes) {
            return;
        }
        const std::string what = alias.empty()
                                     ? std::string("the document has")
                                     : fmt::format("alias '{}' expands the document to", alias);
        const std::string limit =
            too_many ? fmt::format("{} values", with_thousands(m_limits.max_values))
                     : fmt::format("{} of text", human_bytes(m_limits.max_value_bytes));
        throw Refused{{mark, fmt::format("{} more than {} (the limit of a YAML file, aliases "
                                         "expanded)",
                                         what, limit)}};
    }

    // "*name" as written at the alias.
    std::string alias_text(const YAML::Mark& mark) const {
        const std::string_view rest =
            m_text.substr(static_cast<std::size_t>(std::max(mark.pos, 0)));
        return std::string(rest.substr(0, rest.find_first_of(" \t\r\n,]}")));
    }

    std::string_view m_text;
    const YamlLimits& m_limits;
    int m_documents = 0;
    Cost m_total;
    std::vector<Open> m_open;
    std::unordered_map<YAML::anchor_t, Cost> m_anchors;
};

}  // namespace

std::expected<YAML::Node, YamlError> load_yaml(std::string_view text, const YamlLimits& limits) {
    if (text.size() > limits.max_bytes) {
        return std::unexpected(
            YamlError{YAML::Mark::null_mark(),
                      fmt::format("the file is {}; a YAML file may be at most {}",
                                  human_bytes(text.size()), human_bytes(limits.max_bytes))});
    }
    if (auto error = unprintable(text)) {
        return std::unexpected(std::move(*error));
    }
    const std::string copy(text);
    try {
        std::istringstream stream(copy);
        YAML::Parser parser(stream);
        Census census(text, limits);
        while (parser.HandleNextDocument(census)) {
        }
        return YAML::Load(copy);
    } catch (const Refused& refused) {
        return std::unexpected(refused.error);
    } catch (const YAML::Exception& e) {
        return std::unexpected(YamlError{e.mark, e.msg});
    }
}

Result<YAML::Node> parse_yaml(std::string_view text, std::string_view file) {
    auto node = load_yaml(text);
    if (!node) {
        const YAML::Mark& mark = node.error().mark;
        if (mark.is_null()) {
            return usage_error("{}: {}", file, node.error().message);
        }
        return usage_error("{}:{}:{}: {}", file, mark.line + 1, mark.column + 1,
                           node.error().message);
    }
    return std::move(*node);
}

std::string yaml_position(const YAML::Node& node, std::string_view file) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) {
        return std::string(file);
    }
    return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

}  // namespace ferry::util
