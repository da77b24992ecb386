# AssemblyScript components (sdk/assemblyscript, docs/ASSEMBLYSCRIPT.md), built when node and
# the compiler that scripts/install-deps.sh installs with `npm ci` (pinned by
# sdk/assemblyscript/package-lock.json) are there. Without them WACTOR_ASC is OFF and nothing
# AssemblyScript is built or tested.
#
# wactor_add_as_guest(NAME SOURCE [OUTPUT_DIR dir]) compiles one .ts component with
# sdk/assemblyscript/asc.sh into OUTPUT_DIR/NAME.wasm; target as_NAME, path in NAME_WASM.
get_filename_component(WACTOR_AS_SDK_DIR ${CMAKE_CURRENT_LIST_DIR}/../sdk/assemblyscript ABSOLUTE)
find_program(WACTOR_NODE node)
set(WACTOR_ASC OFF)
if(WACTOR_NODE AND EXISTS ${WACTOR_AS_SDK_DIR}/node_modules/assemblyscript/bin/asc.js)
  set(WACTOR_ASC ON)
  message(STATUS "AssemblyScript components: ${WACTOR_AS_SDK_DIR}/node_modules (node ${WACTOR_NODE})")
else()
  message(STATUS "AssemblyScript components: off (no node, or no sdk/assemblyscript/node_modules; "
                 "scripts/install-deps.sh installs them)")
endif()

function(wactor_add_as_guest name source)
  cmake_parse_arguments(G "" "OUTPUT_DIR" "" ${ARGN})
  if(G_OUTPUT_DIR)
    get_filename_component(dir ${G_OUTPUT_DIR} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  else()
    set(dir ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  get_filename_component(src ${source} ABSOLUTE)
  set(out ${dir}/${name}.wasm)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND sh ${WACTOR_AS_SDK_DIR}/asc.sh ${out} ${src} > ${dir}/${name}.asc.log
    DEPENDS ${src} ${WACTOR_AS_SDK_DIR}/wactor.ts ${WACTOR_AS_SDK_DIR}/asc.sh
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    COMMENT "asc ${name}.wasm"
    VERBATIM)
  add_custom_target(as_${name} ALL DEPENDS ${out})
  set(${name}_WASM ${out} PARENT_SCOPE)
endfunction()
