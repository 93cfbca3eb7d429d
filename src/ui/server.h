/* server.h -- rmn-ui's HTTP server (libmicrohttpd): the pages (assets.h), the JSON views of the
 * store (api.h), nothing else.
 *   GET/HEAD /, /run/RUN, /compare, /report   the page (one HTML shell; app.js draws each)
 *   GET/HEAD /static/NAME                      the embedded script and style sheet
 *   GET/HEAD /api/...                          api.h
 * Anything else is 404; a method other than GET and HEAD is 405 (nothing is ever written: the
 * store is opened read-only by the caller and no path reaches a file). While bound to a loopback
 * address, a request whose Host header is not a loopback name (localhost, 127.0.0.1, [::1]) is
 * refused with 421, so a web page elsewhere cannot read the store through DNS rebinding.
 * Requests are answered one at a time on the server's one thread, which alone uses the store
 * while the server runs. Built without libmicrohttpd (server_none.c), rmn_ui_start says how to
 * get it. */
#ifndef RMN_UI_SERVER_H
#define RMN_UI_SERVER_H

#include "store/store.h"

typedef struct {
    const char *bind; /* numeric IPv4 or IPv6 address (NULL: 127.0.0.1) */
    int         port; /* 0: a free port chosen by the system */
} rmn_ui_options;

typedef struct rmn_ui_server rmn_ui_server;

/* Listens and serves s (borrowed until rmn_ui_stop) on a thread of its own. RMN_EINVAL for an
 * address that is not numeric, RMN_EIO when it cannot listen (port taken), RMN_ENOTFOUND when
 * built without libmicrohttpd. */
int  rmn_ui_start(rmn_store *s, const rmn_ui_options *o, rmn_ui_server **out);
/* The port it listens on (the one chosen when asked for 0). */
int  rmn_ui_port(const rmn_ui_server *srv);
void rmn_ui_stop(rmn_ui_server *srv);

#endif
