# The front-end fuzzer (ACT_FUZZ=ON with clang): the compiler's sources are
# compiled again with libFuzzer and ASan instrumentation. clang alone is not
# enough: Debian ships libFuzzer's runtime in a separate package, so a tiny
# fuzz target is linked first to see that it is there.
if(ACT_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
  set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
  check_c_source_compiles("
    #include <stddef.h>
    #include <stdint.h>
    int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
    ACT_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
endif()
if(ACT_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    act_test_left_out("fuzz_front" "clang as the C compiler (CC=clang)")
  elseif(NOT ACT_HAVE_LIBFUZZER)
    act_test_left_out("fuzz_front" "clang's libFuzzer runtime (libclang-rt-14-dev)")
  else()
    get_target_property(_fuzz_src actorc_lib SOURCES)
    add_executable(fuzz_front ${CMAKE_CURRENT_LIST_DIR}/fuzz_front.c ${_fuzz_src})
    target_include_directories(fuzz_front PRIVATE ${CMAKE_SOURCE_DIR}/compiler ${CMAKE_BINARY_DIR}/gen)
    target_compile_options(fuzz_front PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_front PRIVATE -fsanitize=fuzzer,address,undefined)
    add_dependencies(fuzz_front actorc_lib)   # generates the lexer and parser
    set_source_files_properties(${CMAKE_BINARY_DIR}/gen/act_parse.c ${CMAKE_BINARY_DIR}/gen/act_lex.c
                                PROPERTIES GENERATED TRUE)
    target_compile_definitions(fuzz_front PRIVATE ACT_VERSION="fuzz" ACT_SANITIZE_FLAGS="" ACT_LINK_LIBS="")
  endif()
endif()
