#include "case_convert.hpp"
#include "sightline/processors/registry.hpp"

namespace sightline {
namespace {

/// Upper-cases ASCII letters in place.
class uppercase final : public processor {
public:
    void process(line_context& line) override {
        detail::ascii_to_upper(line.mutable_text());
        line.emit();
    }
    bool mutates_in_place() const override { return true; }
};

}  // namespace

processor_descriptor uppercase_descriptor() {
    return {{"uppercase", "Converts ASCII letters to upper case; other bytes pass through untouched.", {}},
            [](const boost::json::object&, build_context&) { return std::make_unique<uppercase>(); }};
}

}  // namespace sightline
