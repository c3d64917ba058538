# libFuzzer targets (clang only; SIGHTLINE_FUZZ=ON, see CMakePresets.json "fuzz" and
# scripts/fuzz.sh). The whole core is instrumented for coverage; each binary drives one
# function of fuzz_targets.hpp.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "SIGHTLINE_FUZZ needs clang (libFuzzer): configure with the fuzz preset")
endif()
# -Wno-restrict (for g++) is unknown to clang: quiet about it.
target_compile_options(sightline_options INTERFACE -fsanitize=fuzzer-no-link -Wno-unknown-warning-option)
# clang 14 fails on UBSan checks inside coroutines ("Cannot represent a difference across
# sections"), so the preset asks for ASan only and UBSan is added here to every core file
# without a coroutine (all the code the targets reach) and to the targets themselves.
get_target_property(sightline_core_sources sightline_core SOURCES)
foreach(src IN LISTS sightline_core_sources)
  file(READ ${src} text)
  string(FIND "${text}" "co_await" at)
  if(at EQUAL -1)
    set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS -fsanitize=undefined)
  endif()
endforeach()
# name:source file (the four parsers share one file).
foreach(entry line_splitter:line_splitter config:config http_request:http_request client_message:client_message
        frame_splitter:frame_splitter parse_syslog:parsers parse_json:parsers parse_logfmt:parsers parse_regex:parsers)
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 name)
  list(GET parts 1 file)
  add_executable(fuzz_${name} test/fuzz/libfuzzer_entry.cpp test/fuzz/${file}_fuzz.cpp)
  target_compile_definitions(fuzz_${name} PRIVATE SIGHTLINE_FUZZ_TARGET=${name}_input)
  target_compile_options(fuzz_${name} PRIVATE -fsanitize=undefined)
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,undefined)
  target_link_libraries(fuzz_${name} PRIVATE sightline_core)
endforeach()
