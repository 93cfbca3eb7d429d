# src/ui/local.mk -- rmn-ui: the store's JSON views (api.c, in the library) and the web server
# with its pages (only in the program: it alone needs libmicrohttpd). Without libmicrohttpd
# server_none.c says how to get it. The pages in www/ are compiled in as assets.c by embed.awk.
src_librmn_a_SOURCES += %D%/api.h %D%/api.c

UI_WWW = %D%/www/index.html %D%/www/app.js %D%/www/style.css
EXTRA_DIST += %D%/embed.awk $(UI_WWW)

bin_PROGRAMS += src/rmn-ui
src_rmn_ui_SOURCES = src/cli/rmn-ui.c %D%/server.h %D%/assets.h
nodist_src_rmn_ui_SOURCES = %D%/assets.c
CLEANFILES += %D%/assets.c
if HAVE_MICROHTTPD
src_rmn_ui_SOURCES += %D%/server.c
src_rmn_ui_CPPFLAGS = $(AM_CPPFLAGS) $(MHD_CFLAGS)
src_rmn_ui_LDADD = $(LDADD) $(MHD_LIBS)
else
src_rmn_ui_SOURCES += %D%/server_none.c
endif

%D%/assets.c: %D%/embed.awk $(UI_WWW)
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(AWK) -f $(srcdir)/%D%/embed.awk $(UI_WWW:%=$(srcdir)/%) > $@-t && mv -f $@-t $@
