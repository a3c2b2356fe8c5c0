/* Roles and principals; see roles.h and principal.h. */
#include <string.h>

#include "core/util.h"
#include "store/store.h"
#include "work/principal.h"
#include "work/roles.h"
#include "core/banned.h"

static const char *roles[] = {"user", "creator", "validator", "admin"};

unsigned role_from_name(const char *name) {
  for (unsigned i = 0; i < ARRAY_SIZE(roles); i++)
    if (name && strcmp(name, roles[i]) == 0) return 1u << i;
  return 0;
}

const char *role_name(unsigned bit) {
  for (unsigned i = 0; i < ARRAY_SIZE(roles); i++)
    if (bit == 1u << i) return roles[i];
  return "unknown";
}

int role_allows(unsigned roles_held, unsigned need) {
  return need == 0 || (roles_held & need) != 0 || (roles_held & ROLE_ADMIN) != 0;
}

work_principal work_principal_system(void) {
  work_principal p;
  memset(&p, 0, sizeof p);
  p.system = 1;
  return p;
}

_Static_assert(ROLE_USER == STORE_NEW_USER_ROLES, "a new person's stored roles must be the user role");
