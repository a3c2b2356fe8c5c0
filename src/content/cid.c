/* CIDs the way kubo makes them; see cid.h and docs/internals/content.md.
 *
 * The tree is built level by level as chunks complete: level 0 collects the leaves, and a level
 * that reaches CID_MAX_LINKS entries becomes one dag-pb node, an entry of the level above. At the
 * end, each level from the bottom that still holds entries is closed the same way unless it is the
 * last one standing with a single entry: that entry is the root. This gives the same tree as
 * kubo's balanced builder (and ipfs-unixfs-importer's): complete subtrees filled left to right,
 * the rightmost path possibly thinner, a lone trailing child wrapped in a node of its own. */
#include "content/cid.h"

#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/banned.h"

/* Levels enough for any 64-bit size at kubo's shape (174^8 chunks of 256 KiB is far beyond 2^64
 * bytes), and for test shapes of fan-out 2 up to 2^20 chunks. */
#define CID_LEVELS 20
/* The largest node: 174 links of at most 2 + 2 + 36 + 2 + 11 bytes, and its Data field. */
#define NODE_MAX 16384

typedef struct {
  cid c;
  uint64_t tsize; /* bytes of the block and every block under it */
  uint64_t fsize; /* bytes of the file it holds */
} cid_link;

struct cid_builder {
  uint32_t chunk_size;
  int max_links;
  struct sha256_ctx leaf;
  uint32_t leaf_len;     /* bytes in the current chunk */
  uint64_t size;         /* bytes fed */
  uint64_t chunks;       /* chunks completed */
  int nlevel[CID_LEVELS];
  cid_link level[CID_LEVELS][CID_MAX_LINKS];
  uint8_t node[NODE_MAX];
};

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* ---------- binary and text forms ---------- */

void cid_to_bytes(const cid *c, uint8_t out[CID_BIN_LEN]) {
  out[0] = 0x01;
  out[1] = c->codec;
  out[2] = 0x12; /* sha2-256 */
  out[3] = 0x20; /* 32 bytes */
  memcpy(out + 4, c->digest, 32);
}

int cid_from_bytes(cid *c, const uint8_t *p, size_t n) {
  if (n != CID_BIN_LEN || p[0] != 0x01 || (p[1] != CID_CODEC_RAW && p[1] != CID_CODEC_DAG_PB) ||
      p[2] != 0x12 || p[3] != 0x20)
    return -1;
  c->codec = p[1];
  memcpy(c->digest, p + 4, 32);
  return 0;
}

int cid_equal(const cid *a, const cid *b) {
  return a->codec == b->codec && memcmp(a->digest, b->digest, 32) == 0;
}

void cid_format(const cid *c, char out[CID_TEXT_SIZE]) {
  uint8_t bin[CID_BIN_LEN];
  cid_to_bytes(c, bin);
  size_t o = 0;
  out[o++] = 'b';
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < CID_BIN_LEN; i++) {
    acc = (acc << 8) | bin[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[o++] = b32[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out[o++] = b32[(acc << (5 - bits)) & 31];
  out[o] = 0;
}

static void why_set(char *why, size_t whylen, const char *msg) {
  if (why && whylen) {
    size_t n = strlen(msg);
    if (n >= whylen) n = whylen - 1;
    memcpy(why, msg, n);
    why[n] = 0;
  }
}

pheme_err cid_parse(cid *c, const char *s, size_t n, char *why, size_t whylen) {
  if (n == 0) {
    why_set(why, whylen, "empty CID");
    return PHEME_DATA_INVALID;
  }
  if (s[0] == 'Q' && n == 46) {
    why_set(why, whylen, "CIDv0 (Qm…) is not accepted: use the CIDv1 base32 form (b…)");
    return PHEME_DATA_INVALID;
  }
  if (s[0] != 'b') {
    why_set(why, whylen, "not base32: a CID here starts with the multibase prefix 'b'");
    return PHEME_DATA_INVALID;
  }
  if (n != CID_TEXT_LEN) {
    why_set(why, whylen, "wrong length: a CIDv1 sha2-256 in base32 has 59 characters");
    return PHEME_DATA_INVALID;
  }
  uint8_t bin[CID_BIN_LEN];
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 1; i < n; i++) {
    char ch = s[i];
    int v;
    if (ch >= 'a' && ch <= 'z') v = ch - 'a';
    else if (ch >= '2' && ch <= '7') v = ch - '2' + 26;
    else {
      why_set(why, whylen, "not base32: only a-z and 2-7 may follow the prefix 'b'");
      return PHEME_DATA_INVALID;
    }
    acc = (acc << 5) | (uint32_t)v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bin[o++] = (uint8_t)(acc >> bits);
    }
  }
  /* 58 digits carry 290 bits: 36 bytes and 2 bits that must be zero (canonical form) */
  if (o != CID_BIN_LEN || (acc & ((1u << bits) - 1)) != 0) {
    why_set(why, whylen, "not canonical base32: the trailing bits are not zero");
    return PHEME_DATA_INVALID;
  }
  if (bin[0] != 0x01) {
    why_set(why, whylen, "not a CIDv1");
    return PHEME_DATA_INVALID;
  }
  if (bin[1] != CID_CODEC_RAW && bin[1] != CID_CODEC_DAG_PB) {
    why_set(why, whylen, "unsupported codec: only raw (0x55) and dag-pb (0x70)");
    return PHEME_DATA_INVALID;
  }
  if (bin[2] != 0x12 || bin[3] != 0x20) {
    why_set(why, whylen, "unsupported multihash: only sha2-256 (0x12, 32 bytes)");
    return PHEME_DATA_INVALID;
  }
  return cid_from_bytes(c, bin, sizeof bin);
}

/* ---------- protobuf, the little dag-pb and UnixFS need ---------- */

static size_t pb_varint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

static size_t pb_varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

/* Encodes the dag-pb node over links[0..n) into node: PBNode { Links (2), Data (1) }, links first
 * as the dag-pb spec orders them; each PBLink { Hash (1), Name (2) = "", Tsize (3) }; Data is
 * UnixFS { Type (1) = File (2), filesize (3), blocksizes (4, one per link, not packed) }. Returns
 * the length and the file size under the node. */
static size_t node_encode(uint8_t *node, const cid_link *links, int n, uint64_t *fsize) {
  size_t o = 0;
  uint64_t total = 0;
  for (int i = 0; i < n; i++) {
    size_t link_len = 2 + CID_BIN_LEN + 2 + 1 + pb_varint_len(links[i].tsize);
    node[o++] = 0x12; /* field 2, length-delimited */
    o += pb_varint(node + o, link_len);
    node[o++] = 0x0a; /* Hash */
    node[o++] = CID_BIN_LEN;
    cid_to_bytes(&links[i].c, node + o);
    o += CID_BIN_LEN;
    node[o++] = 0x12; /* Name, empty */
    node[o++] = 0x00;
    node[o++] = 0x18; /* Tsize */
    o += pb_varint(node + o, links[i].tsize);
    total += links[i].fsize;
  }
  size_t data_len = 2 + 1 + pb_varint_len(total);
  for (int i = 0; i < n; i++) data_len += 1 + pb_varint_len(links[i].fsize);
  node[o++] = 0x0a; /* field 1, Data */
  o += pb_varint(node + o, data_len);
  node[o++] = 0x08; /* Type = File */
  node[o++] = 0x02;
  node[o++] = 0x18; /* filesize */
  o += pb_varint(node + o, total);
  for (int i = 0; i < n; i++) {
    node[o++] = 0x20; /* blocksizes */
    o += pb_varint(node + o, links[i].fsize);
  }
  *fsize = total;
  return o;
}

/* ---------- the builder ---------- */

cid_builder *cid_builder_new_shaped(uint32_t chunk_size, int max_links) {
  if (chunk_size == 0 || max_links < 2 || max_links > CID_MAX_LINKS) return NULL;
  cid_builder *b = malloc(sizeof *b);
  if (!b) return NULL;
  b->chunk_size = chunk_size;
  b->max_links = max_links;
  cid_builder_clear(b);
  return b;
}

cid_builder *cid_builder_new(void) { return cid_builder_new_shaped(CID_CHUNK_SIZE, CID_MAX_LINKS); }

void cid_builder_free(cid_builder *b) { free(b); }

void cid_builder_clear(cid_builder *b) {
  sha256_init(&b->leaf);
  b->leaf_len = 0;
  b->size = 0;
  b->chunks = 0;
  memset(b->nlevel, 0, sizeof b->nlevel);
}

/* Turns the entries of level k into one node, an entry of level k + 1. */
static void close_level(cid_builder *b, int k) {
  if (k + 1 >= CID_LEVELS) PHEME_BUG("a file too large for %d tree levels", CID_LEVELS);
  cid_link up;
  size_t len = node_encode(b->node, b->level[k], b->nlevel[k], &up.fsize);
  up.c.codec = CID_CODEC_DAG_PB;
  sha256(up.c.digest, b->node, len);
  up.tsize = len;
  for (int i = 0; i < b->nlevel[k]; i++) up.tsize += b->level[k][i].tsize;
  b->nlevel[k] = 0;
  b->level[k + 1][b->nlevel[k + 1]++] = up;
  if (b->nlevel[k + 1] == b->max_links) close_level(b, k + 1);
}

static void end_chunk(cid_builder *b) {
  cid_link *l = &b->level[0][b->nlevel[0]++];
  l->c.codec = CID_CODEC_RAW;
  sha256_digest(&b->leaf, 32, l->c.digest);
  l->tsize = l->fsize = b->leaf_len;
  b->leaf_len = 0;
  b->chunks++;
  if (b->nlevel[0] == b->max_links) close_level(b, 0);
}

void cid_builder_add(cid_builder *b, const void *p, size_t n) {
  const uint8_t *in = p;
  b->size += n;
  while (n > 0) {
    /* a chunk ends only when a byte past it arrives, so the last chunk is known to be the last */
    if (b->leaf_len == b->chunk_size) end_chunk(b);
    size_t take = b->chunk_size - b->leaf_len;
    if (take > n) take = n;
    sha256_update(&b->leaf, take, in);
    b->leaf_len += (uint32_t)take;
    in += take;
    n -= take;
  }
}

void cid_builder_finish(cid_builder *b, cid *out, uint64_t *size) {
  *size = b->size;
  if (b->chunks == 0) {
    /* one chunk at most (the empty file too): the raw block is the file */
    out->codec = CID_CODEC_RAW;
    sha256_digest(&b->leaf, 32, out->digest);
    return;
  }
  end_chunk(b);
  for (int k = 0; k < CID_LEVELS; k++) {
    int above = 0;
    for (int j = k + 1; j < CID_LEVELS; j++) above |= b->nlevel[j] > 0;
    if (b->nlevel[k] == 0) continue;
    if (b->nlevel[k] == 1 && !above) {
      *out = b->level[k][0].c;
      return;
    }
    close_level(b, k);
  }
  PHEME_BUG("the tree has no root");
}

int cid_of_bytes(cid *out, const void *p, size_t n) {
  cid_builder *b = cid_builder_new();
  if (!b) return -1;
  uint64_t size;
  cid_builder_add(b, p, n);
  cid_builder_finish(b, out, &size);
  cid_builder_free(b);
  return 0;
}
