/*
 * cli.h: what the parts of the `wactor` command-line tool share.
 *
 * main.c dispatches to one function per command (exec.c, inspect.c); util.c
 * holds file reading, error reporting and the printing of names and types;
 * component.c checks a module against the component ABI (ABI.md).
 *
 * Exit status conventions (README.md, "Exit status"): 0 success; for exec,
 * the guest's own exit code; CLI_EXIT_TRAP when the guest traps;
 * CLI_EXIT_BAD for usage errors and for modules that cannot be read,
 * decoded, validated or linked. Every error is one line on standard error,
 * starting with "wactor: ".
 */
#ifndef WACTOR_CLI_H
#define WACTOR_CLI_H

#include "wasm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_EXIT_BAD 4    /* bad usage, or a module that is unreadable, invalid or unlinkable */
#define CLI_EXIT_TRAP 134 /* the guest trapped: 128 + SIGABRT, as wasmtime does */
#define CLI_EXIT_RANGE 1  /* proc_exit with a code a process cannot return (> 255) */

/* Commands: argv[0] is the command's name, flags follow it. They return the
 * process's exit status. */
int cli_exec(int argc, char **argv);
int cli_inspect(int argc, char **argv);

/* Prints "wactor: " and the formatted message as one line to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads and loads the module at path. On failure reports it (naming the
 * file, and for a bad module the section and byte offset) and returns NULL.
 * *size, if not NULL, receives the file's size. */
wa_module *cli_load_module(const char *path, size_t *size);

/* Printing names (escaping bytes that are not printable ASCII) and types. */
void cli_print_name(FILE *out, wa_name name);
void cli_print_functype(FILE *out, const wa_functype *t);
void cli_print_externtype(FILE *out, const wa_externtype *t);
const char *cli_kind_name(wa_externkind kind);
bool cli_functype_eq(const wa_functype *a, const wa_functype *b);

/* Prints to out (if not NULL) one line "  - REASON" for every way module m
 * falls short of a wactor component, and returns how many there are. */
int cli_component_problems(const wa_module *m, FILE *out);

#endif
