/* port_find.h: turns the configuration's port into a device path: source.port through realpath()
 * (libserialport 0.1.1 refuses /dev/serial/by-id symlinks), or source.usb = "VID:PID[:serial]" by
 * enumerating USB serial ports (the spec is parsed by config_parse_usb), so a replugged amplifier that comes back as another ttyUSB is found again.
 * Owns: lookup only; no I/O on the device. */
#ifndef MF_PORT_FIND_H
#define MF_PORT_FIND_H

#include <stddef.h>

/* Finds the device for port or usb (one of them non-empty). Returns 0 with the path, or -1 with the
 * reason in err (not present is normal while searching). */
int port_find(const char *port, const char *usb, char *path, size_t n, char *err, size_t en);

#endif
