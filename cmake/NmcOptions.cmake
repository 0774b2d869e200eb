option(NMC_WITH_CUDA "Build the CUDA backend when nvcc is found" ON)
option(NMC_SANITIZE "Build with -fsanitize=address,undefined" OFF)
option(NMC_BUILD_TESTS "Build the test suite" ON)
option(NMC_BUILD_BENCH "Build the benchmarks (Google Benchmark)" ON)
option(NMC_BUILD_FUZZERS "Build libFuzzer targets (needs clang)" OFF)

if(NMC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Warnings for our own code.
set(NMC_WARNINGS -Wall -Wextra -Wno-unused-parameter)

# Every layer is an OBJECT library linked PRIVATE so its headers do not leak
# upward; nmc_layer() applies the common settings.
function(nmc_layer target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX,C>:${NMC_WARNINGS}>)
endfunction()
