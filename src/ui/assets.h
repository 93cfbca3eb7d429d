/* assets.h -- rmn-ui's page, script and style sheet, compiled in from src/ui/www/ (assets.c is
 * generated from them by embed.awk at build time), so the server reads no file. */
#ifndef RMN_UI_ASSETS_H
#define RMN_UI_ASSETS_H

typedef struct {
    const char *name; /* file name in www/: "index.html", "app.js", "style.css" */
    const char *type; /* Content-Type */
    const char *text;
} rmn_ui_asset;

/* Terminated by an entry whose name is NULL. */
extern const rmn_ui_asset rmn_ui_assets[];

#endif
