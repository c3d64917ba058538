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
    void merge(const problems& other) { items_.insert(items_.end(), other.items_.begin(), other.items_.end()); }
    bool empty() const { return items_.empty(); }
    std::size_t size() const { return items_.size(); }
    /// Each problem as "path: message", in the order found.
    const std::vector<std::string>& items() const { return items_; }

private:
    std::vector<std::string> items_;
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
