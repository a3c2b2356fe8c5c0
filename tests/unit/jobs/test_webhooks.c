/* Webhook delivery's pure parts (jobs/webhooks.h): which addresses are public, the target check
 * (schemes, credentials, literal and resolved addresses), and the signature against a vector
 * computed independently (Python's hmac module:
 *   hmac.new(b'whsec_test', b'1700000000.{"id":1}', hashlib.sha256).hexdigest()). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "jobs/webhooks.h"
#include "test.h"

static int pub4(const char *a) {
  struct sockaddr_in s = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, a, &s.sin_addr) != 1) return -1;
  return webhook_addr_public((struct sockaddr *)&s);
}

static int pub6(const char *a) {
  struct sockaddr_in6 s = {.sin6_family = AF_INET6};
  if (inet_pton(AF_INET6, a, &s.sin6_addr) != 1) return -1;
  return webhook_addr_public((struct sockaddr *)&s);
}

TEST(addresses_that_are_not_public) {
  const char *v4[] = {"127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1",
                      "172.31.255.255", "192.168.0.1", "169.254.169.254", "169.254.0.1", "0.0.0.0",
                      "0.1.2.3", "100.64.0.1", "100.127.255.255", "192.0.0.8", "192.0.2.1",
                      "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
                      "239.255.255.250", "240.0.0.1", "255.255.255.255"};
  for (size_t i = 0; i < sizeof v4 / sizeof *v4; i++)
    if (pub4(v4[i]) != 0) CHECK_STR(v4[i], "(refused)");
  const char *v6[] = {"::1", "::", "::ffff:127.0.0.1", "::ffff:8.8.8.8", "::127.0.0.1", "fe80::1",
                      "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1", "64:ff9b::7f00:1",
                      "2002:7f00:1::1", "2001:0:4136:e378::1", "fec0::1"};
  for (size_t i = 0; i < sizeof v6 / sizeof *v6; i++)
    if (pub6(v6[i]) != 0) CHECK_STR(v6[i], "(refused)");
}

TEST(addresses_that_are_public) {
  const char *v4[] = {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.0", "169.253.255.255",
                      "100.63.255.255", "100.128.0.0", "192.169.0.1", "11.0.0.1", "223.255.255.254"};
  for (size_t i = 0; i < sizeof v4 / sizeof *v4; i++)
    if (pub4(v4[i]) != 1) CHECK_STR(v4[i], "(allowed)");
  const char *v6[] = {"2606:4700:4700::1111", "2a00:1450:4001:800::200e", "2001:4860::8888"};
  for (size_t i = 0; i < sizeof v6 / sizeof *v6; i++)
    if (pub6(v6[i]) != 1) CHECK_STR(v6[i], "(allowed)");
}

TEST(the_target_check) {
  webhook_target t;
  char msg[400];
  CHECK_INT(webhook_target_check("http://127.0.0.1:9000/x", 0, &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK(strstr(msg, "127.0.0.1") != NULL);
  CHECK_INT(webhook_target_check("http://localhost:9000/x", 0, &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(webhook_target_check("http://[::1]/x", 0, &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(webhook_target_check("http://0x7f000001/x", 0, &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(webhook_target_check("http://[fe80::1%25eth0]/x", 0, &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(webhook_target_check("gopher://8.8.8.8/x", 0, &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(webhook_target_check("http://a:b@8.8.8.8/x", 0, &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(webhook_target_check("not a url", 0, &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  /* a public literal passes and keeps the address and port to connect to */
  CHECK_INT(webhook_target_check("https://8.8.8.8/hook", 0, &t, msg, sizeof msg), 0);
  CHECK_STR(t.addr, "8.8.8.8");
  CHECK_INT(t.port, 443);
  CHECK_INT(webhook_target_check("http://[2606:4700:4700::1111]:8080/h", 0, &t, msg, sizeof msg), 0);
  CHECK_STR(t.addr, "2606:4700:4700::1111");
  CHECK_STR(t.host, "2606:4700:4700::1111");
  CHECK_INT(t.port, 8080);
  /* allowed when configured */
  CHECK_INT(webhook_target_check("http://127.0.0.1:9000/x", 1, &t, msg, sizeof msg), 0);
  CHECK_STR(t.addr, "127.0.0.1");
  CHECK_INT(t.port, 9000);
}

TEST(the_url_split) {
  webhook_target t;
  char msg[400];
  CHECK_INT(webhook_url_split("https://hooks.example.com/p?q=1", &t, msg, sizeof msg), 0);
  CHECK_STR(t.host, "hooks.example.com");
  CHECK_INT(t.port, 443);
  CHECK_INT(webhook_url_split("http://example.com:8080", &t, msg, sizeof msg), 0);
  CHECK_INT(t.port, 8080);
  CHECK_INT(webhook_url_split("http://example.com:0/", &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(webhook_url_split("http://example.com:99999/", &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(webhook_url_split("http://:80/", &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
  CHECK_INT(webhook_url_split("HTTPS://EXAMPLE.COM/", &t, msg, sizeof msg), 0);
  char longurl[WEBHOOK_URL_MAX + 16];
  memset(longurl, 'a', sizeof longurl - 1);
  memcpy(longurl, "http://", 7);
  longurl[sizeof longurl - 1] = 0;
  CHECK_INT(webhook_url_split(longurl, &t, msg, sizeof msg), PHEME_API_BAD_REQUEST);
}

TEST(the_signature) {
  char sig[65];
  webhook_sign("whsec_test", 1700000000, "{\"id\":1}", 8, sig);
  CHECK_STR(sig, "2f441ba4b3b2d50d28a9ab9d9fd8880376ecd1eb5d0435401553f5d8d0a5dcf8");
  webhook_sign("whsec_test", 1700000001, "{\"id\":1}", 8, sig);
  CHECK(strcmp(sig, "2f441ba4b3b2d50d28a9ab9d9fd8880376ecd1eb5d0435401553f5d8d0a5dcf8") != 0);
}

TEST_MAIN(RUN(addresses_that_are_not_public); RUN(addresses_that_are_public); RUN(the_target_check);
          RUN(the_url_split); RUN(the_signature))
