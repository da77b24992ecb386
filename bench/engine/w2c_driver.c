/*
 * w2c_driver.c: runs one engine benchmark translated by wabt's wasm2c, the
 * unmetered wasm-to-C reference of run.py's wasm2c table. The module is the
 * program's bench(n) variant (bench.h, built with -DBENCH_EXPORT_N: no
 * imports), translated with `wasm2c X.wasm -n W2C_NAME`; W2C_HEADER names the
 * header it wrote. One source serves every program: the generated names are
 * pasted together from W2C_NAME. Like the native build, it takes the work
 * size as argv[1] and prints "checksum N".
 */
#include <stdio.h>
#include <stdlib.h>

#include W2C_HEADER

#define W2C_PASTE2(a, b) a##b
#define W2C_PASTE(a, b) W2C_PASTE2(a, b)
#define W2C_MODULE(suffix) W2C_PASTE(W2C_PASTE(Z_, W2C_NAME), suffix)

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s WORK_SIZE\n", argv[0]);
        return 2;
    }
    u32 n = (u32)strtoul(argv[1], NULL, 10);
    static W2C_MODULE(_instance_t) inst;
    wasm_rt_init();
    W2C_MODULE(_init_module)();
    W2C_MODULE(_instantiate)(&inst);
    unsigned sum = (unsigned)W2C_MODULE(Z_bench)(&inst, n);
    printf("checksum %u\n", sum);
    W2C_MODULE(_free)(&inst);
    wasm_rt_free();
    return 0;
}
