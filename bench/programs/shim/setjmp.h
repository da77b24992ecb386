/* Bookworm's wasi-libc has no setjmp.h (its setjmp needs the exception-handling proposal, which
 * the engine does not run). Lua's ldo.c includes it unconditionally; run.py builds Lua with
 * LUAI_THROW/LUAI_TRY defined so that nothing from it is used (a Lua error aborts). */
