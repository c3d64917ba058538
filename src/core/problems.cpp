#include "sightline/core/problems.hpp"

namespace sightline {

void problems::add(std::string path, std::string message) {
    items_.push_back(path.empty() ? std::move(message) : path + ": " + message);
}

config_error::config_error(problems p) : problems_(std::move(p)) {
    for (const auto& item : problems_.items()) {
        if (!text_.empty()) text_ += '\n';
        text_ += item;
    }
}

}  // namespace sightline
