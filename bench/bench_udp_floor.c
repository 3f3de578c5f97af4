/* bench_udp_floor: what one loopback UDP datagram costs the sender on this machine, the floor under any fan-out
 * figure. Sends datagrams of a given size to N loopback sockets (not read, as in bench_fanout) with sendmmsg in
 * batches, or one sendto each, and prints the sender's CPU time (user + system, getrusage) per datagram and
 * what the daemon's fan-out cases would cost at that price.
 *   bench_udp_floor [-n DATAGRAMS] [-t TARGETS]
 * Prints numbers only; it asserts nothing. */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 256

static double cpu_s(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec * 1e-6 + (double)r.ru_stime.tv_sec +
           (double)r.ru_stime.tv_usec * 1e-6;
}

/* ns of CPU per datagram of `size` bytes, round-robin over the targets, batched or not. */
static double per_datagram_ns(int fd, const struct sockaddr_in *to, int targets, int size, long n, int batched)
{
    static char data[1400];
    memset(data, 'x', sizeof data);
    struct mmsghdr mm[BATCH];
    struct iovec iov[BATCH];
    double c0 = cpu_s();
    for (long i = 0; i < n;) {
        int k = 0;
        for (; k < BATCH && i + k < n; k++) {
            iov[k] = (struct iovec){data, (size_t)size};
            mm[k].msg_hdr = (struct msghdr){.msg_name = (void *)&to[(i + k) % targets],
                                            .msg_namelen = sizeof to[0],
                                            .msg_iov = &iov[k],
                                            .msg_iovlen = 1};
        }
        if (batched) {
            if (sendmmsg(fd, mm, (unsigned)k, MSG_DONTWAIT) < 0) perror("sendmmsg");
        } else {
            for (int j = 0; j < k; j++)
                sendto(fd, data, (size_t)size, MSG_DONTWAIT, mm[j].msg_hdr.msg_name, sizeof to[0]);
        }
        i += k;
    }
    return (cpu_s() - c0) / (double)n * 1e9;
}

int main(int argc, char **argv)
{
    long n = 200000;
    int targets = 16;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-n"))
            n = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "-t"))
            targets = atoi(argv[i + 1]);
    }
    if (n < 1000 || targets < 1 || targets > 64) {
        fprintf(stderr, "usage: bench_udp_floor [-n DATAGRAMS >= 1000] [-t TARGETS 1..64]\n");
        return 1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to[64];
    int rx[64];
    for (int t = 0; t < targets; t++) {
        rx[t] = socket(AF_INET, SOCK_DGRAM, 0);
        to[t] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof to[t];
        if (bind(rx[t], (struct sockaddr *)&to[t], len) != 0 || getsockname(rx[t], (struct sockaddr *)&to[t], &len)) {
            perror("bench_udp_floor: a loopback socket");
            return 2;
        }
    }
    printf("loopback UDP, sender CPU per datagram, %ld datagrams over %d unread sockets\n", n, targets);
    printf("%6s %12s %12s\n", "bytes", "sendmmsg ns", "sendto ns");
    double at40 = 0, at1400 = 0;
    static const int sizes[] = {40, 200, 1400};
    for (int s = 0; s < 3; s++) {
        double b = per_datagram_ns(fd, to, targets, sizes[s], n, 1);
        double u = per_datagram_ns(fd, to, targets, sizes[s], n, 0);
        printf("%6d %12.0f %12.0f\n", sizes[s], b, u);
        if (sizes[s] == 40) at40 = b;
        if (sizes[s] == 1400) at1400 = b;
    }
    /* the daemon's cases: 16 muscles, 50 ticks/s; plain muscles = 65 messages of about 40 bytes per tick per
     * subscriber; muscles+bundle = 3 bundles of at most 1400 bytes per tick per subscriber */
    printf("at these prices, 16 subscribers, 16 muscles, 50 ticks/s:\n");
    printf("  muscles (52,000 datagrams/s of ~40 B):  %.1f %% of a core in the kernel alone\n",
           52000 * at40 * 1e-9 * 100);
    printf("  muscles+bundle (2,400 datagrams/s of <= 1400 B): %.2f %% of a core\n", 2400 * at1400 * 1e-9 * 100);
    for (int t = 0; t < targets; t++) close(rx[t]);
    close(fd);
    return 0;
}
