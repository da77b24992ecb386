/*
 * main.c: the `wactor` command: global flags and dispatch to a command.
 * README.md ("Command line") describes the commands, docs/MANIFEST.md the
 * manifest. Flags come right after the command name.
 */
#include "cli.h"
#include "wactor.h"

#include <string.h>

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* NULL: not available yet */
    const char *summary;
} cli_command;

static const cli_command cli_commands[] = {
    {"exec", cli_exec, "run a WASI command module's _start (like wasmtime run; --dir, --env)"},
    {"compile", cli_compile, "compile a module to native code for the ahead-of-time tier"},
    {"inspect", cli_inspect, "describe a module; check it against the component ABI"},
    {"run", cli_run,
     "start the components of a manifest and serve its control socket until stopped"},
    {"call", cli_call,
     "send a request to a component (of the running system, if any) and print the answer"},
    {"send", cli_send, "send a message to a component (of the running system, if any)"},
    {"validate", cli_validate, "check a manifest and its modules without running them"},
    {"status", cli_status, "list the components of a running system"},
    {"top", cli_top, "watch a running system's components live"},
    {"stop", cli_stop, "stop a running system, or one of its components"},
    {"reload", cli_reload_cmd, "apply a changed manifest to the running system"},
    {"hosts", cli_hosts, "list the live hosts of a manifest's lattice and their components"},
};
#define CLI_NCOMMANDS (sizeof cli_commands / sizeof cli_commands[0])

static void cli_usage(FILE *out)
{
    fputs("usage: wactor COMMAND [FLAGS] ARGS...\n"
          "       wactor --version | --help\n"
          "\ncommands:\n",
          out);
    for (size_t i = 0; i < CLI_NCOMMANDS; i++)
        fprintf(out, "  %-9s %s%s\n", cli_commands[i].name, cli_commands[i].summary,
                cli_commands[i].run ? "" : " (not available yet)");
    fputs("\n`wactor COMMAND --help` describes a command.\n", out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr);
        return CLI_EXIT_BAD;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        printf("wactor %s\n", WACTOR_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        cli_usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < CLI_NCOMMANDS; i++) {
        if (strcmp(cmd, cli_commands[i].name) != 0)
            continue;
        if (cli_commands[i].run == NULL) {
            cli_error("%s: not available in wactor %s yet (it arrives with the actor runtime)", cmd,
                      WACTOR_VERSION);
            return CLI_EXIT_BAD;
        }
        return cli_commands[i].run(argc - 1, argv + 1);
    }
    cli_error("unknown %s %s (try wactor --help)", cmd[0] == '-' ? "flag" : "command", cmd);
    return CLI_EXIT_BAD;
}
