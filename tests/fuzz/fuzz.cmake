# The front-end fuzzer (ACT_FUZZ=ON with clang): the compiler's sources are
# compiled again with libFuzzer and ASan instrumentation (ACT_HAVE_LIBFUZZER:
# tests/CMakeLists.txt).
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

# The codec: round-trip and hostile-input unit tests (Criterion), and in
# the fuzz build a libFuzzer target on the decoder for every descriptor
# shape, built from runtime/src/value alone so that coverage and the
# sanitizers reach the codec (fuzz_runtime.c supplies memory and faults).
if(TARGET PkgConfig::CRITERION)
  add_executable(test_codec ${CMAKE_CURRENT_LIST_DIR}/test_codec.c)
  target_link_libraries(test_codec PRIVATE act PkgConfig::CRITERION)
  add_test(NAME unit_codec COMMAND test_codec)
  set_tests_properties(unit_codec PROPERTIES LABELS runtime)
else()
  act_test_left_out("unit_codec" "Criterion (libcriterion-dev)")
endif()
if(ACT_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  file(GLOB _fuzz_value_src CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/runtime/src/value/*.c)
  add_executable(fuzz_codec ${CMAKE_CURRENT_LIST_DIR}/fuzz_codec.c ${CMAKE_CURRENT_LIST_DIR}/fuzz_runtime.c
                 ${_fuzz_value_src})
  target_include_directories(fuzz_codec PRIVATE ${CMAKE_SOURCE_DIR}/runtime/include ${CMAKE_SOURCE_DIR}/runtime/src)
  target_compile_definitions(fuzz_codec PRIVATE _GNU_SOURCE)
  pkg_check_modules(FUZZ_GC REQUIRED IMPORTED_TARGET bdw-gc)
  target_link_libraries(fuzz_codec PRIVATE PkgConfig::FUZZ_GC m)
  target_compile_options(fuzz_codec PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_codec PRIVATE -fsanitize=fuzzer,address,undefined)
endif()
