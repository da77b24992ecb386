/* The classic first program, compiled to wasm32-wasi: build/examples/hello.wasm. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("Hello from WebAssembly!\n");
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    return 0;
}
