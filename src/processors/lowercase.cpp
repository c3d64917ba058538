#include "case_convert.hpp"
#include "sightline/processors/registry.hpp"

namespace sightline {
namespace {

/// Lower-cases ASCII letters in place.
class lowercase final : public processor {
public:
    void process(line_context& line) override {
        detail::ascii_to_lower(line.mutable_text());
        line.emit();
    }
    bool mutates_in_place() const override { return true; }
};

}  // namespace

processor_descriptor lowercase_descriptor() {
    return {{"lowercase", "Converts ASCII letters to lower case; other bytes pass through untouched.", {}},
            [](const boost::json::object&, build_context&) { return std::make_unique<lowercase>(); }};
}

}  // namespace sightline
