/* port_find.c: see port_find.h. */
#include "sources/port_find.h"

#include "config/config.h"

#include <errno.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int port_find(const char *port, const char *usb, char *path, size_t n, char *err, size_t en)
{
    if (port && *port) {
        char real[PATH_MAX];
        if (!realpath(port, real)) {
            snprintf(err, en, "%s: %s", port, strerror(errno));
            return -1;
        }
        snprintf(path, n, "%s", real);
        return 0;
    }
    int vid, pid;
    char serial[128];
    if (!usb || config_parse_usb(usb, &vid, &pid, serial, sizeof serial) != 0) {
        snprintf(err, en, "source.usb \"%s\" is not VID:PID[:serial] (hex, e.g. 0403:6015)", usb ? usb : "");
        return -1;
    }
    struct sp_port **ports = NULL;
    if (sp_list_ports(&ports) != SP_OK) {
        snprintf(err, en, "cannot list serial ports: %s", sp_last_error_message());
        return -1;
    }
    int found = -1;
    for (int i = 0; ports[i]; i++) {
        int v = 0, p = 0;
        if (sp_get_port_transport(ports[i]) != SP_TRANSPORT_USB) continue;
        if (sp_get_port_usb_vid_pid(ports[i], &v, &p) != SP_OK || v != vid || p != pid) continue;
        const char *s = sp_get_port_usb_serial(ports[i]);
        if (serial[0] && (!s || strcmp(s, serial) != 0)) continue;
        snprintf(path, n, "%s", sp_get_port_name(ports[i]));
        found = 0;
        break;
    }
    sp_free_port_list(ports);
    if (found) snprintf(err, en, "no USB serial device %s is plugged in", usb);
    return found;
}
