
/*
 * Ten: users and groups in Plan 9 fossil format, `uid:name:leader:members`.
 */

#ifndef _USERS_H_INCLUDED_
#define _USERS_H_INCLUDED_


#include <stddef.h>


typedef struct users_s  users_t;


/*
 * Parses a users file's text; malformed lines are reported through
 * complain (file line and reason) and skipped.  NULL only without memory.
 */
users_t *users_parse(const char *text, size_t len, const char *file,
    void (*complain)(const char *file, int line, const char *why));
void users_free(users_t *u);

int users_exists(const users_t *u, const char *name);

/* Every user is a member of the group of its own name. */
int users_member(const users_t *u, const char *group, const char *user);

/* A group without a leader is led by all of its members. */
int users_leader(const users_t *u, const char *group, const char *user);


#endif /* _USERS_H_INCLUDED_ */
