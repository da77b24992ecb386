# Rust components (sdk/rust, docs/RUST.md), built when Debian's Rust toolchain with the
# wasm32-wasi standard library is installed (packages rustc, cargo, libstd-rust-dev-wasm32;
# scripts/install-deps.sh). Without it WACTOR_RUST is OFF and nothing Rust is built or
# tested, so `make run` works on a machine without Rust.
#
# The compiler is /usr/bin/rustc by default, never the first rustc on PATH: a rustup
# toolchain there usually lacks the wasm32-wasi target, and nothing can be downloaded.
#
# wactor_add_rust_guest(NAME SOURCE [OUTPUT_DIR dir]) builds one .rs file that uses the SDK
# into OUTPUT_DIR/NAME.wasm (default ${CMAKE_CURRENT_BINARY_DIR}) with rustc directly, the SDK
# compiled once as an rlib; target rust_NAME, path in NAME_WASM. Cargo builds the same way
# (examples/rust/echo, built by wactor_add_cargo_guest, is the proof the docs rely on).
set(WACTOR_RUSTC /usr/bin/rustc CACHE FILEPATH "rustc with the wasm32-wasi standard library")
set(WACTOR_CARGO /usr/bin/cargo CACHE FILEPATH "cargo matching WACTOR_RUSTC")

set(WACTOR_RUST OFF)
if(EXISTS ${WACTOR_RUSTC} AND EXISTS ${WACTOR_CARGO})
  execute_process(COMMAND ${WACTOR_RUSTC} --print sysroot OUTPUT_VARIABLE rust_sysroot
                  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rust_status)
  if(rust_status EQUAL 0 AND IS_DIRECTORY ${rust_sysroot}/lib/rustlib/wasm32-wasi/lib)
    set(WACTOR_RUST ON)
  endif()
endif()
if(WACTOR_RUST)
  message(STATUS "Rust components: ${WACTOR_RUSTC} (wasm32-wasi)")
else()
  message(STATUS "Rust components: off (no ${WACTOR_RUSTC} with wasm32-wasi; "
                 "scripts/install-deps.sh installs it)")
endif()

get_filename_component(WACTOR_RUST_SDK_DIR ${CMAKE_CURRENT_LIST_DIR}/../sdk/rust ABSOLUTE)
set(WACTOR_RUST_FLAGS --edition 2021 --target wasm32-wasi -C opt-level=s -C panic=abort
    -C codegen-units=1 -D warnings)

if(WACTOR_RUST)
  file(GLOB wactor_rust_sdk_sources ${WACTOR_RUST_SDK_DIR}/src/*.rs)
  set(WACTOR_RUST_SDK_RLIB ${CMAKE_BINARY_DIR}/rust/libwactor.rlib)
  add_custom_command(OUTPUT ${WACTOR_RUST_SDK_RLIB}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/rust
    COMMAND ${WACTOR_RUSTC} ${WACTOR_RUST_FLAGS} --crate-type rlib --crate-name wactor
            -o ${WACTOR_RUST_SDK_RLIB} ${WACTOR_RUST_SDK_DIR}/src/lib.rs
    DEPENDS ${wactor_rust_sdk_sources}
    COMMENT "rustc sdk/rust (libwactor.rlib)"
    VERBATIM)
  add_custom_target(rust_sdk ALL DEPENDS ${WACTOR_RUST_SDK_RLIB})
endif()

function(wactor_add_rust_guest name source)
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
    COMMAND ${WACTOR_RUSTC} ${WACTOR_RUST_FLAGS} --crate-type cdylib --crate-name ${name}
            -C lto -C strip=symbols --extern wactor=${WACTOR_RUST_SDK_RLIB} -o ${out} ${src}
    DEPENDS ${src} ${WACTOR_RUST_SDK_RLIB}
    COMMENT "rustc ${name}.wasm"
    VERBATIM)
  add_custom_target(rust_${name} ALL DEPENDS ${out})
  set(${name}_WASM ${out} PARENT_SCOPE)
endfunction()

# wactor_add_cargo_guest(NAME DIR [OUTPUT_DIR dir]): `cargo build --release` of the package
# in DIR (a cdylib), offline, with the build's own CARGO_HOME and target folder; the module is
# copied to OUTPUT_DIR/NAME.wasm. Target cargo_NAME, path in NAME_WASM.
function(wactor_add_cargo_guest name package)
  cmake_parse_arguments(G "" "OUTPUT_DIR" "" ${ARGN})
  if(G_OUTPUT_DIR)
    get_filename_component(dir ${G_OUTPUT_DIR} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  else()
    set(dir ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  get_filename_component(pkg ${package} ABSOLUTE)
  set(target_dir ${CMAKE_BINARY_DIR}/rust/cargo-target)
  set(out ${dir}/${name}.wasm)
  file(GLOB pkg_sources ${pkg}/src/*.rs)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${CMAKE_COMMAND} -E env CARGO_HOME=${CMAKE_BINARY_DIR}/rust/cargo-home
            RUSTC=${WACTOR_RUSTC} CARGO_TARGET_DIR=${target_dir}
            ${WACTOR_CARGO} build --quiet --offline --release --target wasm32-wasi
            --manifest-path ${pkg}/Cargo.toml
    COMMAND ${CMAKE_COMMAND} -E copy ${target_dir}/wasm32-wasi/release/${name}.wasm ${out}
    DEPENDS ${pkg}/Cargo.toml ${pkg_sources} ${wactor_rust_sdk_sources}
    COMMENT "cargo ${name}.wasm"
    VERBATIM)
  add_custom_target(cargo_${name} ALL DEPENDS ${out})
  set(${name}_WASM ${out} PARENT_SCOPE)
endfunction()
