#pragma once
#include <string>
#include <vector>

namespace sightline {

/// Every problem found in a configuration, each tied to the JSON path where it is,
/// so a user fixes them all in one pass instead of one per run.
class problems {
public:
    /// Records `message` found at JSON path `path` (e.g. `processors[2].routes.error`).
    void add(std::string path, std::string message);
    /// Appends every problem of `other`.
    void merge(const problems& other) {
        items_.insert(items_.end(), other.items_.begin(), other.items_.end());
        paths_.insert(paths_.end(), other.paths_.begin(), other.paths_.end());
        messages_.insert(messages_.end(), other.messages_.begin(), other.messages_.end());
    }
    bool empty() const { return items_.empty(); }
    std::size_t size() const { return items_.size(); }
    /// Each problem as "path: message", in the order found.
    const std::vector<std::string>& items() const { return items_; }
    /// The JSON path and the message of problem `i` apart (for answers as JSON).
    const std::string& path(std::size_t i) const { return paths_.at(i); }
    const std::string& message(std::size_t i) const { return messages_.at(i); }

private:
    std::vector<std::string> items_;
    std::vector<std::string> paths_;
    std::vector<std::string> messages_;
};

/// Thrown when a configuration is invalid; what() lists every problem, one per line.
class config_error : public std::exception {
public:
    explicit config_error(problems p);
    const char* what() const noexcept override { return text_.c_str(); }
    const problems& details() const { return problems_; }

private:
    problems problems_;
    std::string text_;
};

}  // namespace sightline
