/* IPFS content identifiers (CIDs), computed exactly as kubo's
 * `ipfs add --cid-version 1 --raw-leaves` computes them with its defaults (chunker size-262144,
 * balanced layout, at most 174 links per node), so a file stored by PHEME has the CID any IPFS
 * node gives the same bytes (docs/internals/content.md):
 *
 *  - a file of at most one chunk (the empty file included) is one raw block: CIDv1, codec raw
 *    (0x55), sha2-256 — "bafkrei…" in base32;
 *  - a larger file is a UnixFS DAG: raw leaves of 262144 bytes (the last one shorter) under
 *    dag-pb (0x70) nodes of at most 174 links, built bottom-up like kubo's balanced builder —
 *    "bafybei…".
 *
 * The builder is streaming: bytes are fed as they arrive and never kept; it holds one SHA-256
 * state for the current chunk and at most 174 pending links per tree level (about 210 KiB in all,
 * whatever the file's size).
 *
 * Only the CIDs this computation makes are accepted as text: CIDv1, codec raw or dag-pb, sha2-256,
 * in base32 lower case ("b…"). Anything else (CIDv0 "Qm…", other bases, codecs or hashes) is
 * refused with a message that says which part is wrong. */
#ifndef PHEME_CONTENT_CID_H
#define PHEME_CONTENT_CID_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CID_CODEC_RAW 0x55
#define CID_CODEC_DAG_PB 0x70
#define CID_CHUNK_SIZE 262144u
#define CID_MAX_LINKS 174
/* 1 + 1 + 1 + 1 + 32: version, codec, multihash code and length, digest (all one-byte varints). */
#define CID_BIN_LEN 36
/* "b" + 36 bytes in base32 without padding, and a NUL. */
#define CID_TEXT_LEN 59
#define CID_TEXT_SIZE (CID_TEXT_LEN + 1)

/* A CID, typed: everything past the text edge works on this. */
typedef struct {
  uint8_t codec;      /* CID_CODEC_RAW or CID_CODEC_DAG_PB */
  uint8_t digest[32]; /* sha2-256 of the block */
} cid;

/* The binary form (CID_BIN_LEN bytes): 0x01, codec, 0x12, 0x20, digest. */
void cid_to_bytes(const cid *c, uint8_t out[CID_BIN_LEN]);
/* Reads the binary form; 0, or -1 when it is not a CID this module makes. */
int cid_from_bytes(cid *c, const uint8_t *p, size_t n) PHEME_MUST_CHECK;

/* Writes the text form ("bafk…"/"bafy…", CID_TEXT_LEN characters and a NUL). */
void cid_format(const cid *c, char out[CID_TEXT_SIZE]);
/* Parses the text form of n bytes (not NUL-terminated). Returns 0, or -1 with why set to a
 * lower-case message naming the fault ("not base32 (multibase prefix 'Q')", …). */
pheme_err cid_parse(cid *c, const char *s, size_t n, char *why, size_t whylen) PHEME_MUST_CHECK;
/* 1 when a and b are the same CID. */
int cid_equal(const cid *a, const cid *b);

/* The streaming computation. */
typedef struct cid_builder cid_builder;

/* A new builder with kubo's defaults, or NULL when memory is short; free it with
 * cid_builder_free. */
cid_builder *cid_builder_new(void);
/* A builder with another chunk size (1 or more bytes) and fan-out (2 to CID_MAX_LINKS): the
 * same layout at a small scale, so tests reach trees of several levels with small files. */
cid_builder *cid_builder_new_shaped(uint32_t chunk_size, int max_links);
void cid_builder_free(cid_builder *b);
/* Starts over (a builder may compute many CIDs one after the other). */
void cid_builder_clear(cid_builder *b);
/* Feeds the next n bytes of the file, in pieces of any size. */
void cid_builder_add(cid_builder *b, const void *p, size_t n);
/* The file's CID and size once every byte was fed; the builder must be cleared before reuse. */
void cid_builder_finish(cid_builder *b, cid *out, uint64_t *size);

/* One call for bytes in memory (tests, small files). Returns 0, or -1 when memory is short. */
int cid_of_bytes(cid *out, const void *p, size_t n) PHEME_MUST_CHECK;

#endif
