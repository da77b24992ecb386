# wactor_add_guest(NAME SOURCES... [REACTOR] [OUTPUT_DIR dir] [FLAGS flag...])
# Builds C sources into OUTPUT_DIR/NAME.wasm (default ${CMAKE_CURRENT_BINARY_DIR}) with clang
# --target=wasm32-wasi and Debian's wasi-libc, and adds a target guest_NAME that is part of
# `all`. REACTOR makes a component without main (-mexec-model=reactor). The path is stored in
# the NAME_WASM variable.
#
# Every guest compiles with -I sdk/c, so `#include <wactor.h>` is the guest SDK. Guests never
# get the project's include/ directory: its wactor.h (same file name) is the embedding header.
find_program(WASM_CLANG NAMES clang clang-14 REQUIRED)
set(WASI_SYSROOT /usr CACHE PATH "wasi-libc sysroot")
get_filename_component(WACTOR_GUEST_SDK_DIR ${CMAKE_CURRENT_LIST_DIR}/../sdk/c ABSOLUTE)

function(wactor_add_guest name)
  cmake_parse_arguments(G "REACTOR" "OUTPUT_DIR" "FLAGS" ${ARGN})
  if(G_OUTPUT_DIR)
    get_filename_component(dir ${G_OUTPUT_DIR} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  else()
    set(dir ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set(out ${dir}/${name}.wasm)
  set(srcs)
  foreach(s ${G_UNPARSED_ARGUMENTS})
    get_filename_component(abs ${s} ABSOLUTE)
    list(APPEND srcs ${abs})
  endforeach()
  set(flags --target=wasm32-wasi --sysroot=${WASI_SYSROOT} -O2 -Wall -Wextra -Werror
      -I${WACTOR_GUEST_SDK_DIR})
  if(G_REACTOR)
    list(APPEND flags -mexec-model=reactor -Wl,--no-entry)
  endif()
  # The SDK is the one header every guest may include; list it so edits to it rebuild guests.
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${WASM_CLANG} ${flags} ${G_FLAGS} -o ${out} ${srcs}
    DEPENDS ${srcs} ${WACTOR_GUEST_SDK_DIR}/wactor.h
    COMMENT "wasm32-wasi ${name}.wasm"
    VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
  set(${name}_WASM ${out} PARENT_SCOPE)
endfunction()
