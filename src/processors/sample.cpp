#include "sightline/processors/registry.hpp"

namespace sightline {
namespace {

/// Keeps the 1st, (N+1)th, (2N+1)th... line it sees: deterministic, so reruns agree.
class sample final : public processor {
public:
    explicit sample(std::uint64_t every) : every_(every) {}
    void process(line_context& line) override {
        if (seen_++ % every_ == 0)
            line.emit();
        else
            line.drop(drop_reason::sampled);
    }

private:
    std::uint64_t every_;
    std::uint64_t seen_ = 0;
};

}  // namespace

processor_descriptor sample_descriptor() {
    return {{"sample",
             "Keeps one line in N (the 1st, N+1th, ...); the others are dropped, counted as sampled.",
             {{.name = "every", .type = param_type::integer, .default_value = 10, .doc = "Keep one line in this many.", .min = 1, .max = 1e9}}},
            [](const boost::json::object& p, build_context&) -> std::unique_ptr<processor> {
                return std::make_unique<sample>(p.at("every").to_number<std::uint64_t>());
            }};
}

}  // namespace sightline
