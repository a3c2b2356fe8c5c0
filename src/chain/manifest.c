/* Reading and writing the deployment manifest (format: manifest.h, Deploy.s.sol). One table
 * lists every address with its JSON place, so parsing, writing and walking cannot disagree. */
#include "chain/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "eth/address.h"
#include "core/err.h"

#include "core/banned.h"

#define F(section, key, field) {section, key, offsetof(manifest, field)}
const manifest_field manifest_fields[] = {
    F("contracts", "PhemeToken", token),
    F("contracts", "TeamVesting", team_vesting),
    F("contracts", "TimelockController", timelock),
    F("contracts", "PhemeGovernor", governor),
    F("contracts", "PhemeStaking", staking),
    F("contracts", "RewardDistributor", distributor),
    F("contracts", "ReputationOracle", oracle),
    F("contracts", "ValidatorRegistry", registry),
    F("contracts", "SkillWallet", skill_wallet),
    F("contracts", "PhemeBadges", badges),
    F("implementations", "ReputationOracle", oracle_impl),
    F("implementations", "ValidatorRegistry", registry_impl),
    F("implementations", "SkillWallet", skill_wallet_impl),
    F("implementations", "PhemeBadges", badges_impl),
    F("roles", "deployer", deployer),
    F("roles", "relayer", relayer),
    F("roles", "governance", governance),
};
#undef F
const size_t manifest_field_count = sizeof manifest_fields / sizeof manifest_fields[0];

static const char *const sections[] = {"contracts", "implementations", "roles"};

/* A non-negative JSON integer (forge writes numbers; a decimal string is accepted too). */
static int read_u64(const json_t *v, uint64_t *out) {
  if (json_is_integer(v)) {
    if (json_integer_value(v) < 0) return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
  }
  const char *s = json_string_value(v);
  if (!s || !*s || strlen(s) > 19 || (s[0] == '0' && s[1])) return -1;
  uint64_t x = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') return -1;
    x = x * 10 + (uint64_t)(*p - '0');
  }
  *out = x;
  return 0;
}

pheme_err manifest_parse(manifest *m, const char *text, size_t n, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  json_error_t je;
  json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    snprintf(err, errlen, "manifest is not JSON: %s (line %d)", je.text, je.line);
    return PHEME_DATA_INVALID;
  }
  pheme_err e = PHEME_DATA_INVALID;
  uint64_t version;
  if (!json_is_object(root)) {
    snprintf(err, errlen, "manifest is not a JSON object");
  } else if (read_u64(json_object_get(root, "version"), &version) || version != MANIFEST_VERSION) {
    snprintf(err, errlen, "manifest 'version' must be %d", MANIFEST_VERSION);
  } else if (read_u64(json_object_get(root, "chainId"), &m->chain_id) || m->chain_id == 0) {
    snprintf(err, errlen, "manifest 'chainId' must be a positive integer");
  } else if (read_u64(json_object_get(root, "deploymentBlock"), &m->deployment_block)) {
    snprintf(err, errlen, "manifest 'deploymentBlock' must be a block number");
  } else {
    e = PHEME_OK;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0] && !e; i++)
      if (!json_is_object(json_object_get(root, sections[i]))) {
        snprintf(err, errlen, "manifest has no '%s' object", sections[i]);
        e = PHEME_DATA_INVALID;
      }
    for (size_t i = 0; i < manifest_field_count && !e; i++) {
      const manifest_field *f = &manifest_fields[i];
      const char *s = json_string_value(json_object_get(json_object_get(root, f->section), f->key));
      pheme_error ee;
      if (!s) {
        snprintf(err, errlen, "manifest has no address '%s.%s'", f->section, f->key);
        e = PHEME_DATA_INVALID;
      } else if (address_parse((uint8_t *)m + f->offset, s, strlen(s), 0, &ee)) {
        snprintf(err, errlen, "manifest '%s.%s': %s", f->section, f->key, ee.msg);
        e = PHEME_DATA_INVALID;
      }
    }
  }
  json_decref(root);
  return e;
}

pheme_err manifest_load(manifest *m, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot open manifest '%s': %s", path, strerror(errno));
    return errno == ENOENT ? PHEME_DATA_NOT_FOUND : PHEME_SYS_IO;
  }
  enum { CAP = 1 << 20 };
  char *text = malloc(CAP + 1);
  size_t n = text ? fread(text, 1, CAP + 1, f) : 0;
  int bad = ferror(f);
  fclose(f);
  if (!text) {
    snprintf(err, errlen, "out of memory reading manifest '%s'", path);
    return PHEME_SYS_NOMEM;
  }
  pheme_err e;
  if (bad) {
    snprintf(err, errlen, "cannot read manifest '%s'", path);
    e = PHEME_SYS_IO;
  } else if (n > CAP) {
    snprintf(err, errlen, "manifest '%s' is larger than 1 MiB", path);
    e = PHEME_DATA_INVALID;
  } else {
    char why[384];
    e = manifest_parse(m, text, n, why, sizeof why);
    if (e) snprintf(err, errlen, "%s: %s", path, why);
  }
  free(text);
  return e;
}

pheme_err manifest_format(buf *out, const manifest *m) {
  json_t *root = json_object();
  json_t *sec[3] = {json_object(), json_object(), json_object()};
  int bad = !root || !sec[0] || !sec[1] || !sec[2];
  for (size_t i = 0; !bad && i < manifest_field_count; i++) {
    const manifest_field *f = &manifest_fields[i];
    char t[ADDRESS_TEXT];
    json_t *s = NULL;
    for (int k = 0; k < 3; k++)
      if (strcmp(sections[k], f->section) == 0) s = sec[k];
    bad = !s || json_object_set_new(s, f->key, json_string(address_to_checksum(t, manifest_address(m, f))));
  }
  if (!bad)
    bad = json_object_set_new(root, "version", json_integer(MANIFEST_VERSION)) ||
          json_object_set_new(root, "chainId", json_integer((json_int_t)m->chain_id)) ||
          json_object_set_new(root, "deploymentBlock", json_integer((json_int_t)m->deployment_block));
  for (int k = 0; k < 3; k++)
    if (!bad) bad = json_object_set(root, sections[k], sec[k]);
  char *text = bad ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
  for (int k = 0; k < 3; k++) json_decref(sec[k]);
  json_decref(root);
  if (!text) return PHEME_SYS_NOMEM;
  int rc = buf_adds(out, text);
  free(text);
  return rc ? PHEME_SYS_NOMEM : PHEME_OK;
}

pheme_err manifest_save(const manifest *m, const char *path, char *err, size_t errlen) {
  buf b;
  buf_init(&b, 1 << 20);
  if (manifest_format(&b, m)) {
    buf_release(&b);
    snprintf(err, errlen, "out of memory writing manifest '%s'", path);
    return PHEME_SYS_NOMEM;
  }
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  int ok = f && fwrite(b.data, 1, b.len, f) == b.len;
  if (f && fclose(f)) ok = 0;
  if (ok && rename(tmp, path)) ok = 0;
  buf_release(&b);
  if (!ok) {
    snprintf(err, errlen, "cannot write manifest '%s': %s", path, strerror(errno));
    unlink(tmp);
    return PHEME_SYS_IO;
  }
  return PHEME_OK;
}
