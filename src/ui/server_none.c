/* server_none.c -- rmn-ui built without libmicrohttpd (server.h): starting says what to install. */
#include "ui/server.h"

#include "core/error.h"

int rmn_ui_start(rmn_store *s, const rmn_ui_options *o, rmn_ui_server **out) {
    (void)s;
    (void)o;
    *out = NULL;
    return RMN_ERROR(RMN_ENOTFOUND, "built without libmicrohttpd, so there is no web server: "
                                    "install libmicrohttpd-dev, then ./configure and make again");
}

int rmn_ui_port(const rmn_ui_server *srv) {
    (void)srv;
    return 0;
}

void rmn_ui_stop(rmn_ui_server *srv) { (void)srv; }
