/*
 * w2c_driver.c: runs one engine benchmark translated by wabt's wasm2c, the
 * unmetered wasm-to-C reference of run.py's wasm2c table. The module is the
 * program's bench() variant (bench.h, built with -DBENCH_N=n: no imports),
 * translated with `wasm2c X.wasm -n W2C_NAME`; W2C_HEADER names the header it
 * wrote. One source serves every program: the generated names are pasted
 * together from W2C_NAME. Prints "checksum N" as the native build does.
 */
#include <stdio.h>

#include W2C_HEADER

#define W2C_PASTE2(a, b) a##b
#define W2C_PASTE(a, b) W2C_PASTE2(a, b)
#define W2C_MODULE(suffix) W2C_PASTE(W2C_PASTE(Z_, W2C_NAME), suffix)

int main(void)
{
    static W2C_MODULE(_instance_t) inst;
    wasm_rt_init();
    W2C_MODULE(_init_module)();
    W2C_MODULE(_instantiate)(&inst);
    unsigned sum = (unsigned)W2C_MODULE(Z_bench)(&inst);
    printf("checksum %u\n", sum);
    W2C_MODULE(_free)(&inst);
    wasm_rt_free();
    return 0;
}
