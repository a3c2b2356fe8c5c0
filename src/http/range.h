/* Conditional and partial GETs of immutable files (RFC 9110 §13.1.2 and §14): If-None-Match
 * against an entity tag, and single byte ranges. Pure functions of header text, so the fuzz target
 * (tests/fuzz/fuzz_range.c) can drive them. */
#ifndef PHEME_HTTP_RANGE_H
#define PHEME_HTTP_RANGE_H

#include <stdint.h>

typedef enum {
  RANGE_NONE,          /* no Range, or one we ignore (another unit, several ranges, bad syntax):
                        * answer 200 with the whole file */
  RANGE_PARTIAL,       /* answer 206 with [start, start + len) */
  RANGE_UNSATISFIABLE, /* answer 416 with Content-Range: bytes * / size */
} range_result;

/* Reads a Range header (NULL when absent) against a file of size bytes: "bytes=A-B", "bytes=A-"
 * and "bytes=-N" (the last N bytes), with optional spaces around the numbers. A range that starts
 * past the end, a suffix of 0 bytes, or any range of an empty file is unsatisfiable. */
range_result http_range_parse(const char *header, uint64_t size, uint64_t *start, uint64_t *len);

/* 1 when an If-None-Match header (a list of entity tags, weak ones included, or "*") matches
 * etag (quoted, as sent in ETag), else 0. Weak comparison, as the RFC asks for this header. */
int http_etag_match(const char *header, const char *etag);

#endif
