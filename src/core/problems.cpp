#include "sightline/core/problems.hpp"

namespace sightline {

void problems::add(std::string path, std::string message) {
    items_.push_back(path.empty() ? message : path + ": " + message);
    paths_.push_back(std::move(path));
    messages_.push_back(std::move(message));
}

config_error::config_error(problems p) : problems_(std::move(p)) {
    for (const auto& item : problems_.items()) {
        if (!text_.empty()) text_ += '\n';
        text_ += item;
    }
}

}  // namespace sightline
