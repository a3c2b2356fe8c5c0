/* The CID of a file, as an upload computes it (src/content/cid.c fed by read() in 1 MiB pieces),
 * timed: prints "cid <CID>" and "seconds <wall time>" for bench/content/run.sh, which compares it
 * with sha256sum of the same file in the same run. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "content/cid.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench_cid FILE\n");
    return 2;
  }
  static char piece[1 << 20];
  double t0 = now();
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  cid_builder *b = cid_builder_new();
  if (!b) return 1;
  ssize_t n;
  while ((n = read(fd, piece, sizeof piece)) > 0) cid_builder_add(b, piece, (size_t)n);
  close(fd);
  if (n < 0) {
    perror(argv[1]);
    return 1;
  }
  cid c;
  uint64_t size;
  cid_builder_finish(b, &c, &size);
  double t1 = now();
  char text[CID_TEXT_SIZE];
  cid_format(&c, text);
  printf("cid %s\nbytes %llu\nseconds %.6f\n", text, (unsigned long long)size, t1 - t0);
  cid_builder_free(b);
  return 0;
}
