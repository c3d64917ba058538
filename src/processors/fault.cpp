#include <boost/json/value_to.hpp>
#include <stdexcept>
#include <unordered_map>

#include "regex_param.hpp"

namespace sightline {
namespace {

/// Fails lines that contain `pattern`, for demos and tests of error handling. With
/// `transient_failures` N > 0 each such line fails N times and then passes, which is
/// what a retry policy has to get through.
class fault final : public processor {
public:
    fault(text_matcher m, std::string message, std::string error_type, std::uint64_t transient, bool throws)
        : matcher_(std::move(m)),
          message_(std::move(message)),
          error_type_(std::move(error_type)),
          transient_(transient),
          throws_(throws) {}

    void process(line_context& line) override {
        if (!matcher_.matches(line.text())) {
            line.emit();
            return;
        }
        // A processor with a bug throws: the stage must catch it and keep running.
        if (throws_) throw std::runtime_error(message_);
        if (transient_ == 0) {
            line.fail(message_, error_type_);
            return;
        }
        // Bounded memory: if many distinct lines are mid-way, forget them all; they then
        // fail again from the start, which is still "fails N times, then passes".
        if (attempts_.size() >= max_tracked) attempts_.clear();
        auto& n = attempts_[std::string(line.text())];
        if (n < transient_) {
            ++n;
            line.fail(message_, error_type_);
            return;
        }
        attempts_.erase(std::string(line.text()));
        line.emit();
    }

private:
    static constexpr std::size_t max_tracked = 100'000;
    text_matcher matcher_;
    std::string message_;
    std::string error_type_;
    std::uint64_t transient_;
    bool throws_;
    std::unordered_map<std::string, std::uint64_t> attempts_;
};

}  // namespace

processor_descriptor fault_descriptor() {
    using boost::json::value_to;
    return {{"fault",
             "Fails lines containing a pattern with a given message (error handling demos and tests).",
             {{.name = "pattern", .type = param_type::string, .doc = "Substring (or regex) of the lines to fail.", .required = true},
              {.name = "regex", .type = param_type::boolean, .default_value = false, .doc = "Treat pattern as a Perl regex."},
              {.name = "message", .type = param_type::string, .default_value = "injected fault", .doc = "Error message recorded."},
              {.name = "error_type", .type = param_type::string, .default_value = "fault", .doc = "Error type recorded."},
              {.name = "transient_failures",
               .type = param_type::integer,
               .default_value = 0,
               .doc = "Fail each matching line this many times, then let it pass (0: always fail).",
               .min = 0,
               .max = 1000},
              {.name = "throw", .type = param_type::boolean, .default_value = false,
               .doc = "Throw an exception instead of reporting the failure (tests the stage's guard)."}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                auto m = detail::make_matcher(ctx, path_join(ctx.path, "pattern"), value_to<std::string>(p.at("pattern")),
                                              p.at("regex").as_bool(), false);
                if (!m) return nullptr;
                return std::make_unique<fault>(std::move(*m), value_to<std::string>(p.at("message")),
                                               value_to<std::string>(p.at("error_type")),
                                               p.at("transient_failures").to_number<std::uint64_t>(),
                                               p.at("throw").as_bool());
            }};
}

}  // namespace sightline
