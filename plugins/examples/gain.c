/* gain: a complete minimal filter plugin, the example to start from (a gain in dB).
 * Build it out of tree against the installed SDK:
 *   cc -std=c11 -O2 -fPIC -shared -fvisibility=hidden $(pkg-config --cflags myofeed-plugin) gain.c -o gain.so -lm
 * then put gain.so in a directory listed in plugins.path and use { plugin = "gain"; gain_db = 6; }. */
#include <math.h>
#include <myofeed/plugin.h>
#include <stdlib.h>

static const mf_param_info params[] = {
    {"gain_db", MF_PARAM_FLOAT, 0, -60, 60, "dB", "gain applied to every sample", MF_PARAM_RUNTIME, NULL}};
typedef struct {
    double g;
} gain;
static void *create(const mf_host *h, double fs, const double *p, mf_error *e)
{
    (void)h, (void)fs, (void)e;
    gain *g = malloc(sizeof *g);
    if (g) g->g = pow(10.0, p[0] / 20.0);
    return g;
}
static void destroy(void *s) { free(s); }
static mf_status set_param(void *s, uint32_t i, double v)
{
    if (i != 0) return MF_ERR_ARG;
    ((gain *)s)->g = pow(10.0, v / 20.0);
    return MF_OK;
}
static void process(void *s, const mf_sample *in, mf_sample *out, uint32_t n)
{
    double g = ((gain *)s)->g;
    for (uint32_t i = 0; i < n; i++) out[i] = in[i] * g;
}
/* Designated initializers: fields appended by later minor ABI versions start out NULL (not offered). */
static const mf_filter_ops ops = {.process = process};
MF_EXPORT const mf_plugin mf_plugin_entry = {
    .abi_major = MF_ABI_MAJOR,
    .abi_minor = MF_ABI_MINOR,
    .struct_size = sizeof(mf_plugin),
    .kind = MF_KIND_FILTER,
    .name = "gain",
    .version = "1.0.0",
    .summary = "multiplies by a gain",
    .params = params,
    .n_params = 1,
    .create = create,
    .destroy = destroy,
    .set_param = set_param,
    .filter = &ops,
};
