/*
 * validate.c: `wactor validate MANIFEST` checks a manifest and every module
 * it names without running anything: the manifest's syntax and values
 * (mf_load), then each distinct module once: that it can be read, decoded
 * and validated (wactor_module_load_file); then, per component, the
 * component ABI's check with the component's limits (wactor_module_check,
 * the check wactor_spawn makes).
 *
 * Every problem is one line on standard error:
 *   wactor: MANIFEST:LINE:COLUMN: component NAME: WASM: PROBLEM
 * (the line and column of the component's key in the manifest). A module
 * shared by several components is reported for each of them. A valid
 * manifest prints one line on standard output.
 */
#include "cli.h"
#include "manifest.h"
#include "wactor.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char cli_validate_usage[] =
    "usage: wactor validate MANIFEST\n"
    "\n"
    "Checks MANIFEST (a wactor.yaml) and every module it names without running\n"
    "anything: the manifest's keys and values, and that each module can be read,\n"
    "decoded and validated, is a wactor component, imports only what the runtime\n"
    "provides, and fits the component's limits. Lists every problem, one line each.\n"
    "\n"
    "  --help  show this help\n"
    "\n"
    "Exit status: 0 valid; 4 with every problem listed, or on a usage error.\n";

/* What is known of one distinct module. */
typedef struct cli_checked {
    wactor_module *m; /* NULL if it could not be loaded */
    char *why;        /* then: why, naming the file */
} cli_checked;

/* "wactor: MANIFEST:LINE:COLUMN: component NAME: " and the text. */
static void cli_problem(const mf_manifest *mf, const mf_component *c, const char *text)
{
    fprintf(stderr, "wactor: %s:%u:%u: component %s: %s\n", mf->path, c->line, c->column, c->name,
            text);
}

/* Reports component c's problems (the module's, with c's limits); returns
 * how many. */
static int cli_validate_component(const mf_manifest *mf, const mf_component *c,
                                  const cli_checked *k)
{
    if (k->m == NULL) {
        cli_problem(mf, c, k->why ? k->why : "out of memory");
        return 1;
    }
    wactor_limits limits = cli_limits(c);
    wactor_problems problems;
    int n = wactor_module_check(k->m, &limits, &problems);
    if (n < 0) {
        fprintf(stderr, "wactor: %s:%u:%u: component %s: %s: %s\n", mf->path, c->line, c->column,
                c->name, c->wasm, wactor_errmsg(NULL));
        return 1;
    }
    for (size_t i = 0; i < problems.n; i++)
        fprintf(stderr, "wactor: %s:%u:%u: component %s: %s: %s\n", mf->path, c->line, c->column,
                c->name, c->wasm, problems.v[i].text);
    wactor_problems_free(&problems);
    return n;
}

int cli_validate(int argc, char **argv)
{
    cli_flags f = {0};
    int first = 0;
    int rc = cli_parse_flags(argc, argv, cli_validate_usage, 0, &f, &first);
    if (rc >= 0)
        return rc;
    if (argc - first != 1) {
        cli_error("validate: expected one MANIFEST (try wactor validate --help)");
        return CLI_EXIT_BAD;
    }
    mf_manifest *mf = cli_manifest_check(argv[first]);
    if (mf == NULL) {
        return CLI_EXIT_BAD;
    }
    cli_checked *checked = calloc(mf->ncomponents ? mf->ncomponents : 1, sizeof *checked);
    size_t *which = calloc(mf->ncomponents ? mf->ncomponents : 1, sizeof *which);
    if (checked == NULL || which == NULL) {
        free(checked);
        free(which);
        mf_free(mf);
        cli_error("validate: out of memory");
        return CLI_EXIT_BAD;
    }
    size_t modules = 0;
    int problems = 0;
    for (size_t i = 0; i < mf->ncomponents; i++) {
        const mf_component *c = &mf->components[i];
        size_t j = cli_first_with_module(mf, i);
        if (j == i) { /* the first component to name this module */
            which[i] = modules++;
            cli_checked *k = &checked[which[i]];
            if ((k->m = wactor_module_load_file_limit(NULL, c->wasm, mf->max_module)) == NULL)
                k->why = cli_load_error(NULL);
        } else {
            which[i] = which[j];
        }
        problems += cli_validate_component(mf, c, &checked[which[i]]);
    }
    for (size_t i = 0; i < mf->ntemplates; i++) { /* each checked on its own */
        cli_checked k = {0};
        if ((k.m = wactor_module_load_file_limit(NULL, mf->templates[i].wasm, mf->max_module)) ==
            NULL)
            k.why = cli_load_error(NULL);
        problems += cli_validate_component(mf, &mf->templates[i], &k);
        wactor_module_free(k.m);
        free(k.why);
    }
    if (problems == 0)
        printf("%s: valid: %zu component%s, %zu module%s\n", mf->path, mf->ncomponents,
               mf->ncomponents == 1 ? "" : "s", modules, modules == 1 ? "" : "s");
    for (size_t i = 0; i < modules; i++) {
        wactor_module_free(checked[i].m);
        free(checked[i].why);
    }
    free(checked);
    free(which);
    mf_free(mf);
    return problems == 0 ? 0 : CLI_EXIT_BAD;
}
