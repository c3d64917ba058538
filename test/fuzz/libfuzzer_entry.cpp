// The libFuzzer entry point of one fuzz binary; SIGHTLINE_FUZZ_TARGET names the
// function of fuzz_targets.hpp it drives (set per binary in fuzz.cmake).
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sightline::fuzz::SIGHTLINE_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
