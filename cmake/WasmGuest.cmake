# wactor_add_guest(NAME SOURCES... [REACTOR] [FLAGS flag...])
# Builds C sources into ${CMAKE_CURRENT_BINARY_DIR}/NAME.wasm with clang
# --target=wasm32-wasi and Debian's wasi-libc, and adds a target guest_NAME
# that is part of `all`. REACTOR makes a component without main
# (-mexec-model=reactor). The path is stored in the NAME_WASM variable.
find_program(WASM_CLANG NAMES clang clang-14 REQUIRED)
set(WASI_SYSROOT /usr CACHE PATH "wasi-libc sysroot")

function(wactor_add_guest name)
  cmake_parse_arguments(G "REACTOR" "" "FLAGS" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm)
  set(srcs)
  foreach(s ${G_UNPARSED_ARGUMENTS})
    get_filename_component(abs ${s} ABSOLUTE)
    list(APPEND srcs ${abs})
  endforeach()
  set(flags --target=wasm32-wasi --sysroot=${WASI_SYSROOT} -O2 -Wall -Wextra -Werror)
  if(G_REACTOR)
    list(APPEND flags -mexec-model=reactor -Wl,--no-entry)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${WASM_CLANG} ${flags} ${G_FLAGS} -o ${out} ${srcs}
    DEPENDS ${srcs}
    COMMENT "wasm32-wasi ${name}.wasm"
    VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
  set(${name}_WASM ${out} PARENT_SCOPE)
endfunction()
