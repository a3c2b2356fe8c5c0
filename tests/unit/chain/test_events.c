/* Tests of src/chain/events.c against the committed ABIs: every event of every contract in
 * contracts/artifacts/ (every .json) has an entry for each contract of the suite that emits it, with the
 * same topic and the same indexed parameters; every entry is emitted by the contracts it names;
 * entries without a projection say why. */
#include <dirent.h>
#include <jansson.h>

#include "chain/events.h"
#include "core/buf.h"
#include "test.h"
#include "core/banned.h"

#define ARTIFACTS TEST_DATA_DIR "/../../contracts/artifacts"

/* The contracts whose events an artifact describes (an ERC-1967 proxy's are every proxied one's). */
static unsigned contracts_of(const char *artifact) {
  unsigned m = 0;
  for (int c = 0; c < CC__COUNT; c++) {
    if (strcmp(chain_contracts[c].artifact, artifact) == 0) m |= CC_BIT(c);
    if (strcmp(artifact, "ERC1967Proxy") == 0 && chain_contracts[c].proxied) m |= CC_BIT(c);
  }
  return m;
}

/* "Name(type [indexed] name,…)" of an ABI event entry. */
static int abi_signature(const json_t *ev, buf *out) {
  int bad = buf_adds(out, json_string_value(json_object_get(ev, "name"))) || buf_addc(out, '(');
  size_t i;
  json_t *in;
  json_array_foreach(json_object_get(ev, "inputs"), i, in) {
    bad |= (i && buf_addc(out, ',')) || buf_adds(out, json_string_value(json_object_get(in, "type")));
    if (json_is_true(json_object_get(in, "indexed"))) bad |= buf_adds(out, " indexed");
    const char *name = json_string_value(json_object_get(in, "name"));
    if (name && *name) bad |= buf_addc(out, ' ') || buf_adds(out, name);
  }
  return bad || buf_addc(out, ')');
}

static int same_indexing(const abi_sig *a, const abi_sig *b) {
  if (a->params->n_fields != b->params->n_fields) return 0;
  for (size_t i = 0; i < a->params->n_fields; i++)
    if (!a->params->indexed[i] != !b->params->indexed[i]) return 0;
  return 1;
}

/* (entry, contract) pairs seen in some ABI */
static unsigned seen[256];

static void check_artifact(const char *file, arena *a) {
  char path[512], name[128];
  snprintf(path, sizeof path, "%s/%s", ARTIFACTS, file);
  snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 5), file);
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  REQUIRE(root != NULL);
  unsigned emitters = contracts_of(name);
  if (!emitters) fprintf(stderr, "artifact %s belongs to no contract of the suite\n", name);
  CHECK(emitters != 0);
  int nev;
  const chain_event *table = chain_events(&nev);
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(root, "abi"), i, item) {
    if (strcmp(json_string_value(json_object_get(item, "type")), "event") != 0) continue;
    buf sig;
    buf_init(&sig, 4096);
    CHECK(abi_signature(item, &sig) == 0);
    abi_sig parsed;
    pheme_error err;
    CHECK_INT(abi_sig_parse(a, sig.data, sig.len, &parsed, &err), 0);
    uint8_t topic[32];
    abi_sig_topic(topic, &parsed);
    for (int c = 0; c < CC__COUNT; c++) {
      if (!(emitters & CC_BIT(c))) continue;
      const chain_event *ev = chain_event_find((chain_contract)c, topic);
      if (!ev) {
        fprintf(stderr, "no entry for %s of %s\n", sig.data, chain_contracts[c].manifest_name);
        CHECK(ev != NULL);
        continue;
      }
      if (!same_indexing(&ev->sig, &parsed))
        fprintf(stderr, "entry '%s' indexes other parameters than %s\n", ev->signature, sig.data);
      CHECK(same_indexing(&ev->sig, &parsed));
      seen[ev - table] |= CC_BIT(c);
    }
    buf_release(&sig);
  }
  json_decref(root);
}

TEST(every_abi_event_has_an_entry) {
  REQUIRE(chain_events_init() == 0);
  arena a;
  arena_init(&a, 0);
  DIR *d = opendir(ARTIFACTS);
  REQUIRE(d != NULL);
  struct dirent *e;
  int files = 0;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
    check_artifact(e->d_name, &a);
    files++;
  }
  closedir(d);
  CHECK(files >= 10);
  arena_release(&a);
}

TEST(every_entry_is_emitted_and_explained) {
  int n;
  const chain_event *table = chain_events(&n);
  REQUIRE(n < 256);
  for (int i = 0; i < n; i++) {
    if (seen[i] != table[i].contracts)
      fprintf(stderr, "entry '%s' names contracts that do not emit it (%x of %x)\n",
              table[i].signature, seen[i], table[i].contracts);
    CHECK_INT(seen[i], table[i].contracts);
    CHECK(table[i].why_none == NULL || table[i].why_none[0] != 0); /* NULL: projected (init checks) */
  }
}

TEST(erc20_and_erc721_transfer_are_told_apart_by_contract) {
  const chain_event *t20 = NULL, *t721 = NULL;
  int n;
  const chain_event *table = chain_events(&n);
  for (int i = 0; i < n; i++)
    if (strcmp(table[i].sig.name, "Transfer") == 0) {
      if (table[i].contracts & CC_BIT(CC_TOKEN)) t20 = &table[i];
      else t721 = &table[i];
    }
  REQUIRE(t20 && t721);
  CHECK(memcmp(t20->topic, t721->topic, 32) == 0);
  CHECK(chain_event_find(CC_TOKEN, t20->topic) == t20);
  CHECK(chain_event_find(CC_SKILL_WALLET, t20->topic) == t721);
  CHECK(chain_event_find(CC_ORACLE, t20->topic) == NULL);
}

TEST(contract_names_round_trip) {
  for (int c = 0; c < CC__COUNT; c++)
    CHECK_INT(chain_contract_by_name(chain_contracts[c].manifest_name), c);
  CHECK_INT(chain_contract_by_name("Nope"), -1);
  CHECK_INT(chain_contract_by_name(NULL), -1);
}

TEST_MAIN(RUN(every_abi_event_has_an_entry); RUN(every_entry_is_emitted_and_explained);
          RUN(erc20_and_erc721_transfer_are_told_apart_by_contract);
          RUN(contract_names_round_trip))
