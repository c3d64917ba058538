#include <exception>
#include <iostream>

#include "sightline/app/application.hpp"

int main(int argc, char** argv) {
    try {
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
