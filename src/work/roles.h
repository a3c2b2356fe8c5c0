/* Roles a person holds, as a bitmask (users.roles stores the number; the wire and the CLI use the
 * names). Admin passes every role check. */
#ifndef PHEME_WORK_ROLES_H
#define PHEME_WORK_ROLES_H

enum {
  ROLE_USER = 1,
  ROLE_CREATOR = 2,
  ROLE_VALIDATOR = 4,
  ROLE_ADMIN = 8,
};
/* "user", "creator", "validator", "admin" <-> bit; 0 for an unknown name, "unknown" for a bit
 * that is not exactly one role. */
unsigned role_from_name(const char *name);
const char *role_name(unsigned bit);
/* Does roles satisfy a route or rule that needs `need` (0 = nothing)? Admin satisfies everything. */
int role_allows(unsigned roles, unsigned need);

#endif
