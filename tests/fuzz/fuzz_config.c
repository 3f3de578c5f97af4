/* fuzz_config.c: libFuzzer target for the configuration loader. An input is configuration text, checked like a
 * file (libconfig's parser, the key table, every range and type check, plugin blocks kept as key/values); an
 * input whose first line starts with "-o " is instead one override, applied to the embedded default. Either way
 * the loader returns a configuration or problems, never crashes, and a configuration it returns is sane. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) log_init(-1, 0), quiet = 1;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    diag d;
    diag_init(&d);
    config *c;
    if (size > 3 && memcmp(text, "-o ", 3) == 0) {
        char *nl = strchr(text, '\n');
        if (nl) *nl = 0;
        const char *ov[1] = {text + 3};
        c = config_load(NULL, ov, 1, "/opt/x/bin", &d);
    } else {
        c = config_load_text(text, "/opt/x/bin", &d);
    }
    if (c) {
        /* what the rest of the daemon relies on */
        if (d.n != 0 || c->n_muscles < 1 || c->n_muscles > CFG_MAX_MUSCLES || c->osc.rate_hz < 1 ||
            c->source.sample_rate <= 0 || c->n_plugin_dirs < 1)
            abort();
        for (int i = 0; i < c->n_muscles; i++)
            if (c->muscles[i].channel < 1 || c->muscles[i].channel > 64 || !c->muscles[i].name[0]) abort();
        config_free(c);
    } else if (d.n == 0) {
        abort(); /* refused without saying why */
    }
    free(text);
    return 0;
}
