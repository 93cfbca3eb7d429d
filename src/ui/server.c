/* server.c -- rmn-ui's HTTP server on libmicrohttpd (server.h): routing, the Host check, the
 * security headers, one internal polling thread. */
#include "ui/server.h"

#include "core/error.h"
#include "ui/api.h"
#include "ui/assets.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

struct rmn_ui_server {
    struct MHD_Daemon *daemon;
    rmn_store         *store;
    int                port, loopback;
};

/* pages the shell serves (app.js reads the path) */
static int is_page(const char *url) {
    return strcmp(url, "/") == 0 || strcmp(url, "/compare") == 0 ||
           strcmp(url, "/report") == 0 || (strncmp(url, "/run/", 5) == 0 && url[5]);
}

static const rmn_ui_asset *asset(const char *name) {
    for (const rmn_ui_asset *a = rmn_ui_assets; a->name; ++a)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

/* Host header names this machine's loopback: localhost, 127.x.y.z or [::1], any port */
static int loopback_host(const char *host) {
    if (!host)
        return 0;
    size_t n = strlen(host);
    const char *colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
    if (colon)
        n = (size_t)(colon - host) + (host[0] == '[');
    if ((n == 9 && strncasecmp(host, "localhost", 9) == 0) || (n == 5 && strncmp(host, "[::1]", 5) == 0))
        return 1;
    char ip[64];
    struct in_addr a;
    if (n == 0 || n >= sizeof ip)
        return 0;
    memcpy(ip, host, n);
    ip[n] = '\0';
    return inet_pton(AF_INET, ip, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, unsigned status, const char *type,
                                  void *body, size_t len, enum MHD_ResponseMemoryMode mode,
                                  int api) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                            "base-uri 'none'; form-action 'none'");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, api ? "no-store" : "no-cache");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text) {
    return send_reply(c, status, "text/plain; charset=utf-8", (void *)text, strlen(text),
                      MHD_RESPMEM_PERSISTENT, 0);
}

static const char *query_arg(void *ctx, const char *key) {
    return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_size, void **con_cls) {
    (void)version;
    (void)upload_data;
    (void)upload_size;
    (void)con_cls;
    rmn_ui_server *srv = cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "rmn-ui only reads: GET and HEAD\n");
    if (srv->loopback &&
        !loopback_host(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)))
        return send_text(c, MHD_HTTP_MISDIRECTED_REQUEST,
                         "rmn-ui answers only to localhost, 127.0.0.1 or [::1]\n");
    if (strncmp(url, "/api/", 5) == 0) {
        rmn_ui_reply r;
        rmn_ui_api(srv->store, url, query_arg, c, &r);
        if (!r.body)
            return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
        return send_reply(c, (unsigned)r.status, r.type, r.body, r.len, MHD_RESPMEM_MUST_FREE, 1);
    }
    const rmn_ui_asset *a = NULL; /* the shell under the pages' paths, the rest under /static/ */
    if (is_page(url))
        a = asset("index.html");
    else if (strncmp(url, "/static/", 8) == 0 && strcmp(url + 8, "index.html") != 0)
        a = asset(url + 8);
    if (!a)
        return send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return send_reply(c, MHD_HTTP_OK, a->type, (void *)a->text, strlen(a->text),
                      MHD_RESPMEM_PERSISTENT, 0);
}

int rmn_ui_start(rmn_store *s, const rmn_ui_options *o, rmn_ui_server **out) {
    *out = NULL;
    const char *bind = o && o->bind ? o->bind : "127.0.0.1";
    int port = o ? o->port : 0;
    if (port < 0 || port > 65535)
        return RMN_ERROR(RMN_EINVAL, "port %d: give 0 to 65535", port);
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    const struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    int loopback;
    if (inet_pton(AF_INET, bind, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons((uint16_t)port);
        sa = (const struct sockaddr *)&v4;
        loopback = (ntohl(v4.sin_addr.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, bind, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons((uint16_t)port);
        sa = (const struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;
        loopback = IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr);
    } else {
        return RMN_ERROR(RMN_EINVAL, "'%s' is not a numeric IPv4 or IPv6 address", bind);
    }
    rmn_ui_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return RMN_ERROR(RMN_ENOMEM, "out of memory starting the server");
    srv->store = s;
    srv->loopback = loopback;
    srv->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, srv,
                                   MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_LIMIT,
                                   (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                                   MHD_OPTION_END);
    if (!srv->daemon) {
        free(srv);
        return RMN_ERROR(RMN_EIO, "cannot listen on %s port %d (in use, or not this machine's "
                                  "address?)", bind, port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : port;
    *out = srv;
    return RMN_OK;
}

int rmn_ui_port(const rmn_ui_server *srv) { return srv ? srv->port : 0; }

void rmn_ui_stop(rmn_ui_server *srv) {
    if (!srv)
        return;
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
