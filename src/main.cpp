#include <malloc.h>

#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include "sightline/app/application.hpp"
#include "sightline/app/pipeline_test_runner.hpp"

int main(int argc, char** argv) {
    // Batches are allocated on reader threads and freed on sink threads. By default glibc
    // hands freed arena tops back to the kernel, so every new batch faults its pages in
    // again: about a fifth of the CPU at 5 M lines/s. Keep freed memory for reuse
    // (in-flight memory is bounded by backpressure, so the peak stays what it was).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    try {
        // `sightline test FILE...`: pipeline tests (README "Testing a pipeline").
        if (argc > 1 && std::string_view(argv[1]) == "test")
            return sightline::run_test_command(std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
        return sightline::run_application(sightline::parse_cli(argc, argv));
    } catch (const sightline::usage_error& e) {
        std::cerr << "sightline: " << e.what() << "\nTry 'sightline --help'.\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "sightline: " << e.what() << "\n";
        return 1;
    } catch (...) {
        std::cerr << "sightline: unknown error\n";
        return 1;
    }
}
