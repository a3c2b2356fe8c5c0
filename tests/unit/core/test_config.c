/* Unit tests of src/core/config.c: the layering defaults < file < env < flags, and errors that
 * name the key and the value. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/util.h"
#include "test.h"

TEST(defaults_are_valid_and_match_the_example_file) {
  pheme_config c;
  config_init(&c);
  CHECK_STR(c.listen, "127.0.0.1:4000");
  CHECK_STR(c.database, "sqlite:./data/pheme.db");
  CHECK_INT(c.body_limit, 1048576);
  CHECK_INT(c.log_requests, 1);
  /* conf/pheme.conf.example documents every key, each with its default. */
  FILE *f = fopen(TEST_DATA_DIR "/../../conf/pheme.conf.example", "r");
  REQUIRE(f != NULL);
  char text[65536];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  for (size_t i = 0; i < conf_key_count; i++) {
    char line[256];
    snprintf(line, sizeof line, "# %s = %s\n", conf_keys[i].key, conf_keys[i].def);
    if (!strstr(text, line)) {
      fprintf(stderr, "conf/pheme.conf.example lacks the line '# %s = %s'\n", conf_keys[i].key, conf_keys[i].def);
      CHECK(0);
    }
  }
  /* The example, with its comments removed, parses. */
  char err[256];
  CHECK_INT(config_parse_text(&c, text, n, "example", err, sizeof err), 0);
  config_release(&c);
}

TEST(file_env_flags_layer_in_order) {
  pheme_config c;
  config_init(&c);
  char path[] = "/tmp/pheme-conf-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const char *file = "# comment\nthreads = 3\nlisten = 0.0.0.0:5000\npublic_url = \"https://x.example\"\n";
  REQUIRE(write(fd, file, strlen(file)) == (ssize_t)strlen(file));
  close(fd);
  char cfgflag[64];
  snprintf(cfgflag, sizeof cfgflag, "--config=%s", path);
  char *env[] = {"PHEME_THREADS=4", "PHEME_UNRELATED_SCRIPT_VAR=1", "HOME=/root", NULL};
  char *argv[] = {cfgflag, "--listen", "127.0.0.1:6000", "--log-requests", "extra", NULL};
  char *rest[8];
  int nrest;
  char err[256];
  CHECK_INT(config_load(&c, 5, argv, env, rest, &nrest, err, sizeof err), 0);
  CHECK_INT(c.threads, 4);                   /* env over file */
  CHECK_STR(c.listen, "127.0.0.1:6000");     /* flag over file */
  CHECK_STR(c.public_url, "https://x.example"); /* file over default, quotes removed */
  CHECK_INT(c.log_requests, 1);
  CHECK_INT(nrest, 1);
  CHECK_STR(rest[0], "extra");
  unlink(path);
  config_release(&c);
}

TEST(errors_name_key_and_value) {
  pheme_config c;
  config_init(&c);
  char err[256];
  CHECK_INT(config_set(&c, "threads", "abc", "flag --threads", err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "'abc'") && strstr(err, "threads"));
  CHECK_INT(config_set(&c, "body_limit", "1", "environment PHEME_BODY_LIMIT", err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "body_limit") && strstr(err, "1024"));
  CHECK_INT(config_set(&c, "log_level", "loud", "flag", err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "debug|info|warn|error|off") != NULL);
  CHECK_INT(config_set(&c, "nope", "1", "flag", err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "unknown configuration key 'nope'") != NULL);
  const char *bad = "threads = 2\nthis line is wrong\n";
  CHECK_INT(config_parse_text(&c, bad, strlen(bad), "f.conf", err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "f.conf:2") != NULL);
  CHECK_INT(c.threads, 2); /* lines before the bad one were applied; start-up stops anyway */
  char *argv[] = {"--listen", NULL};
  char *rest[2];
  int nrest;
  CHECK_INT(config_read_flags(&c, 1, argv, rest, &nrest, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "--listen needs a value") != NULL);
  config_release(&c);
}

static void masked(const char *in, const char *want) {
  char out[512];
  config_mask_credentials(in, out, sizeof out);
  if (strcmp(out, want) != 0) fprintf(stderr, "'%s' -> '%s', want '%s'\n", in, out, want);
  CHECK_STR(out, want);
}

TEST(passwords_in_urls_and_conninfo_are_masked) {
  masked("postgresql://pheme:s3cret@db.example:5432/pheme", "postgresql://pheme:***@db.example:5432/pheme");
  masked("postgresql://pheme:p@ss:w@rd@db/pheme?sslmode=require", "postgresql://pheme:***@db/pheme?sslmode=require");
  masked("postgresql://pheme@db/pheme", "postgresql://pheme@db/pheme");
  masked("postgresql://db/pheme?user=u&password=hunter2&sslmode=require",
         "postgresql://db/pheme?user=u&password=***&sslmode=require");
  masked("host=db user=pheme password=hunter2 dbname=pheme", "host=db user=pheme password=*** dbname=pheme");
  masked("password = 'two words\\' x' host=db", "password = *** host=db");
  masked("PASSWORD=abc", "PASSWORD=***");
  masked("sqlite:./data/pheme.db", "sqlite:./data/pheme.db");
  masked("https://rpc.example/v3/key", "https://rpc.example/v3/key");
  masked("https://user:token@rpc.example/", "https://user:***@rpc.example/");
  masked("host=db passwordless=1", "host=db passwordless=1");
  masked("", "");
}

TEST(config_show_masks_the_database_password) {
  pheme_config c;
  config_init(&c);
  char err[256];
  CHECK_INT(config_set(&c, "database", "postgresql://pheme:s3cret@db/pheme", "test", err, sizeof err), 0);
  CHECK_INT(config_set(&c, "database_replica", "host=r password=hunter2", "test", err, sizeof err), 0);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  REQUIRE(f);
  config_print_values(&c, f);
  fclose(f);
  CHECK(strstr(text, "s3cret") == NULL);
  CHECK(strstr(text, "hunter2") == NULL);
  CHECK(strstr(text, "database = postgresql://pheme:***@db/pheme\n") != NULL);
  CHECK(strstr(text, "database_replica = host=r password=***\n") != NULL);
  free(text);
  config_release(&c);
}

TEST(secrets_as_flags_must_name_a_file) {
  pheme_config c;
  config_init(&c);
  char err[512], *rest[4];
  int nrest;
  char *clear[] = {"--jwt-keys", "k1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"};
  CHECK_INT(config_read_flags(&c, 2, clear, rest, &nrest, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "ps") != NULL);
  CHECK(strstr(err, "PHEME_JWT_KEYS") != NULL);
  CHECK(strstr(err, "00112233") == NULL); /* the error does not echo it either */
  char *eq[] = {"--jwt-keys=k1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"};
  CHECK_INT(config_read_flags(&c, 1, eq, rest, &nrest, err, sizeof err), PHEME_SYS_CONFIG);
  char *file[] = {"--jwt-keys", "@/run/secrets/jwt"};
  CHECK_INT(config_read_flags(&c, 2, file, rest, &nrest, err, sizeof err), 0);
  CHECK_STR(c.jwt_keys, "@/run/secrets/jwt");
  config_release(&c);
}

TEST_MAIN(RUN(defaults_are_valid_and_match_the_example_file); RUN(file_env_flags_layer_in_order);
          RUN(errors_name_key_and_value); RUN(passwords_in_urls_and_conninfo_are_masked);
          RUN(config_show_masks_the_database_password); RUN(secrets_as_flags_must_name_a_file))
