/* fuzz_decoder.c: libFuzzer target for one decoder plugin, compiled with the plugin's source
 * (-DDECODER_SOURCE="openbci_cyton.c"). The first input byte picks parameter variants and a chunk size;
 * the rest is fed in chunks into a small output buffer. Checks: progress, bounds, counters. */
#include DECODER_SOURCE

#include <assert.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t sel = data[0];
    data++, size--;
    double v[N_PARAMS];
    for (int i = 0; i < N_PARAMS; i++) v[i] = params[i].def;
    /* vary the parameters that change framing */
    for (int i = 0; i < N_PARAMS; i++) {
        const mf_param_info *q = &params[i];
        if (q->type == MF_PARAM_BOOL) v[i] = (sel >> (i % 8)) & 1;
        if (q->type == MF_PARAM_INT && !strcmp(q->name, "channels")) v[i] = q->min + (sel % (int)(q->max - q->min + 1));
    }
    mf_error e;
    void *d = mf_plugin_entry.create(NULL, 250, v, &e);
    if (!d) return 0;
    const mf_decoder_ops *ops = mf_plugin_entry.decoder;
    uint32_t nc = ops->channels(d);
    assert(nc >= 1 && nc <= 16);
    double frames[64 * 16];
    size_t chunk = 1 + sel % 40, used = 0;
    uint64_t total = 0;
    while (used < size) {
        size_t len = size - used < chunk ? size - used : chunk;
        uint32_t nf = 0;
        size_t c = ops->decode(d, data + used, len, frames, 64, &nf);
        assert(c <= len);
        assert(nf <= 64);
        assert(c > 0 || nf > 0); /* progress */
        for (uint32_t k = 0; k < nf * nc; k++) assert(frames[k] == frames[k] || frames[k] != frames[k]);
        used += c;
        total += nf;
    }
    mf_decoder_stats st;
    ops->stats(d, &st);
    assert(st.bytes == size);
    if (ops->resync) ops->resync(d);
    mf_plugin_entry.destroy(d);
    (void)total;
    return 0;
}
