/* report_tool.c: myofeed-report SESSION_DIR renders a session's report.html and plots again from its
 * summary.json and recording.bdf (after a crash, or with a newer myofeed). Exit 0, 1 usage, 2 failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records/report.h"
#include "records/summary.h"

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(
            argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
            "usage: myofeed-report SESSION_DIR\n  renders SESSION_DIR/report.html and one PNG per muscle again from "
            "its summary.json and recording.bdf\n");
        return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 1;
    }
    summary *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "myofeed-report: out of memory\n");
        return 2;
    }
    char path[4200], err[600];
    snprintf(path, sizeof path, "%s/summary.json", argv[1]);
    int rc = summary_read(s, path, err, sizeof err) == 0 && report_render(argv[1], s, err, sizeof err) == 0 ? 0 : 2;
    if (rc == 0)
        printf("%s/report.html: %d muscles, %d reps\n", argv[1], s->n_muscles, s->n_reps);
    else
        fprintf(stderr, "myofeed-report: %s\n", err);
    free(s);
    report_cleanup();
    return rc;
}
