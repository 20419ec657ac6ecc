
/*
 * Ten: users and groups in Plan 9 fossil format.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tenkey.h"
#include "users.h"


typedef struct {
    char       *name;
    char       *leader;         /* "" when the group has none */
    char      **members;
    size_t      nmembers;
} user_t;


struct users_s {
    user_t     *entries;
    size_t      n;
    char       *text;           /* the strings point into it */
};


static int parse_line(char *line, user_t *e, const char **why);
static const user_t *find(const users_t *u, const char *name);


users_t *
users_parse(const char *text, size_t len, const char *file,
    void (*complain)(const char *file, int line, const char *why))
{
    int          lineno;
    char        *line, *next;
    size_t       cap;
    user_t      *e, entry;
    users_t     *u;
    const char  *why;

    u = calloc(1, sizeof(users_t));
    if (u == NULL || (u->text = malloc(len + 1)) == NULL) {
        free(u);
        return NULL;
    }

    memcpy(u->text, text, len);
    u->text[len] = '\0';
    cap = 0;
    lineno = 0;

    for (line = u->text; line && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');

        if (next) {
            *next++ = '\0';
        }

        if (line[0] == '\0' || line[0] == '#') {
            continue;
        }

        if (parse_line(line, &entry, &why) < 0) {
            complain(file, lineno, why);
            continue;
        }

        if (find(u, entry.name)) {
            complain(file, lineno, "user listed twice");
            free(entry.members);
            continue;
        }

        if (u->n == cap) {
            cap = cap ? 2 * cap : 16;
            e = realloc(u->entries, cap * sizeof(user_t));
            if (e == NULL) {
                free(entry.members);
                users_free(u);
                return NULL;
            }
            u->entries = e;
        }

        u->entries[u->n++] = entry;
    }

    return u;
}


/* uid:name:leader:member,member,... with uid equal to name */

static int
parse_line(char *line, user_t *e, const char **why)
{
    char    *f[4], *p, *m, *save;
    size_t   i, n;

    memset(e, 0, sizeof(user_t));

    for (i = 0, p = line; i < 4; i++) {
        f[i] = p;
        p = (i < 3) ? strchr(p, ':') : NULL;

        if (i < 3) {
            if (p == NULL) {
                *why = "expected uid:name:leader:members";
                return -1;
            }
            *p++ = '\0';
        }
    }

    if (strchr(f[3], ':')) {
        *why = "more than four fields";
        return -1;
    }

    if (!ten_valid_name(f[1], strlen(f[1])) || strcmp(f[0], f[1]) != 0) {
        *why = "invalid name, or uid differs from name";
        return -1;
    }

    if (f[2][0] && !ten_valid_name(f[2], strlen(f[2]))) {
        *why = "invalid leader";
        return -1;
    }

    e->name = f[1];
    e->leader = f[2];

    n = 1;
    for (p = f[3]; *p; p++) {
        n += (*p == ',');
    }

    e->members = calloc(n, sizeof(char *));
    if (e->members == NULL) {
        *why = "out of memory";
        return -1;
    }

    for (m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        if (!ten_valid_name(m, strlen(m))) {
            free(e->members);
            *why = "invalid member name";
            return -1;
        }
        e->members[e->nmembers++] = m;
    }

    return 0;
}


void
users_free(users_t *u)
{
    size_t  i;

    if (u == NULL) {
        return;
    }

    for (i = 0; i < u->n; i++) {
        free(u->entries[i].members);
    }

    free(u->entries);
    free(u->text);
    free(u);
}


static const user_t *
find(const users_t *u, const char *name)
{
    size_t  i;

    for (i = 0; i < u->n; i++) {
        if (strcmp(u->entries[i].name, name) == 0) {
            return &u->entries[i];
        }
    }

    return NULL;
}


int
users_exists(const users_t *u, const char *name)
{
    return find(u, name) != NULL;
}


int
users_member(const users_t *u, const char *group, const char *user)
{
    size_t         i;
    const user_t  *g;

    if (strcmp(group, user) == 0) {
        return 1;
    }

    g = find(u, group);
    if (g == NULL) {
        return 0;
    }

    for (i = 0; i < g->nmembers; i++) {
        if (strcmp(g->members[i], user) == 0) {
            return 1;
        }
    }

    return 0;
}


int
users_leader(const users_t *u, const char *group, const char *user)
{
    const user_t  *g;

    g = find(u, group);
    if (g == NULL) {
        return 0;
    }

    if (g->leader[0] == '\0') {
        return users_member(u, group, user);
    }

    return strcmp(g->leader, user) == 0;
}
