/* wire.h: encoders for the amplifiers' wire formats (the inverse of the decoder plugins), used by the
 * fake amplifier and the decoder tests. Values in uV, converted with the same scales as the decoders'
 * defaults; returns the number of bytes written. */
#ifndef MF_WIRE_H
#define MF_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum wire_format { WIRE_CYTON, WIRE_CYTON_DAISY, WIRE_P2, WIRE_BITALINO, WIRE_ASCII };

/* Bytes of one packet carrying one frame (Cyton Daisy: two packets). */
size_t wire_encode(enum wire_format f, int nc, const double *uv, uint32_t counter, uint8_t *out);
/* Frame period in packets per frame (Daisy: 2). */
int wire_packets_per_frame(enum wire_format f);
int wire_parse_format(const char *name, enum wire_format *f);

/* Scales used (uV per count) */
double wire_cyton_scale(void);
double wire_p2_scale(void);
double wire_bitalino_scale(void);

#endif
