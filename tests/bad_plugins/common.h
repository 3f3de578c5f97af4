/* common.h: pieces shared by the deliberately broken plugins (each .c is one defect). */
#include <myofeed/plugin.h>
#include <stdio.h>
#include <stdlib.h>

static void *ok_create(const mf_host *h, double fs, const double *p, mf_error *e)
{
    (void)h, (void)fs, (void)p, (void)e;
    return malloc(1);
}
static void ok_destroy(void *s) { free(s); }
static void ok_process(void *s, const mf_sample *in, mf_sample *out, uint32_t n)
{
    (void)s;
    for (uint32_t i = 0; i < n; i++) out[i] = in[i];
}
static const mf_filter_ops ok_ops = {ok_process, NULL};
