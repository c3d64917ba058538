#include "sightline/web/static_files.hpp"

namespace sightline {

namespace fs = std::filesystem;

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::optional<fs::path> resolve_static_path(const fs::path& root, std::string_view target) {
    auto query = target.find_first_of("?#");
    if (query != std::string_view::npos) target = target.substr(0, query);
    if (target.empty() || target.front() != '/') return std::nullopt;
    auto decoded = percent_decode(target);
    if (!decoded) return std::nullopt;
    std::string path = *decoded;
    if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) return std::nullopt;
    if (path.size() > 1 && path[1] == '/') return std::nullopt;  // "//etc/passwd"
    // Refuse any ".." segment outright rather than normalising it away.
    std::size_t start = 1;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        if (path.compare(start, end - start, "..") == 0) return std::nullopt;
        start = end + 1;
    }
    if (path.back() == '/') path += "index.html";
    std::error_code ec;
    auto canonical_root = fs::canonical(root, ec);
    if (ec) return std::nullopt;
    auto candidate = fs::canonical(canonical_root / path.substr(1), ec);
    if (ec) return std::nullopt;
    auto rel = candidate.lexically_relative(canonical_root);
    if (rel.empty() || *rel.begin() == "..") return std::nullopt;  // a symlink that leads out
    if (!fs::is_regular_file(candidate, ec)) return std::nullopt;
    return candidate;
}

std::string_view content_type_for(const fs::path& p) {
    auto ext = p.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".json" || ext == ".map") return "application/json";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

}  // namespace sightline
