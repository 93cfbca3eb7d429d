/* test-error.c -- checks the error record: message, place, code, prefix and clearing. */
#include "core/error.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static int fails_with_place(void) { return RMN_ERROR(RMN_EFORMAT, "line %d: pixel %d out of range", 12, 256); }

static int unwinds(void) {
    RMN_TRY(fails_with_place());
    return RMN_OK;
}

int main(void) {
    rmn_error_clear();
    TAP_OK(rmn_error_code() == RMN_OK && rmn_error_message()[0] == '\0', "clear state has no message");
    int rc = unwinds();
    TAP_OK(rc == RMN_EFORMAT, "RMN_TRY returns the failing status (%d)", rc);
    TAP_OK(rmn_error_code() == RMN_EFORMAT, "code recorded");
    TAP_OK(strstr(rmn_error_message(), "line 12: pixel 256 out of range") != NULL, "message text: %s",
           rmn_error_message());
    TAP_OK(strstr(rmn_error_message(), "test-error.c") == NULL,
           "the message for users holds no source place: %s", rmn_error_message());
    TAP_OK(strstr(rmn_error_place(), "test-error.c:") != NULL, "the place is kept apart: %s",
           rmn_error_place());
    rmn_error_show_places(1);
    TAP_OK(strstr(rmn_error_message(), "out of range (") != NULL &&
               strstr(rmn_error_message(), "test-error.c:") != NULL,
           "shown places end the message: %s", rmn_error_message());
    char saved[512];
    snprintf(saved, sizeof saved, "%s", rmn_error_message());
    rmn_error_restore(RMN_EFORMAT, saved);
    TAP_OK(strcmp(rmn_error_message(), saved) == 0, "a restored message keeps its place once: %s",
           rmn_error_message());
    rmn_error_show_places(0);
    unwinds();
    rmn_error_prefix("fer2013.csv");
    TAP_OK(strncmp(rmn_error_message(), "fer2013.csv: line 12", 20) == 0, "prefix prepends context: %s",
           rmn_error_message());
    TAP_OK(strcmp(rmn_status_name(RMN_EIO), "EIO") == 0, "status names");
    TAP_OK(strcmp(rmn_status_name(99), "EUNKNOWN") == 0, "unknown status name");
    rmn_error_clear();
    TAP_OK(rmn_error_message()[0] == '\0', "cleared");
    rc = rmn_error_naming(RMN_ERROR(RMN_EINVAL, "tensor x: bad dtype"), "m.safetensors");
    TAP_OK(rc == RMN_EINVAL && strncmp(rmn_error_message(), "m.safetensors: tensor x", 23) == 0,
           "rmn_error_naming prefixes a file the message lacks (%s)", rmn_error_message());
    rc = rmn_error_naming(RMN_ERROR(RMN_EIO, "m.safetensors: cannot open"), "m.safetensors");
    TAP_OK(rc == RMN_EIO && strncmp(rmn_error_message(), "m.safetensors: cannot open", 26) == 0,
           "and leaves one that names it alone (%s)", rmn_error_message());
    TAP_OK(rmn_error_naming(RMN_OK, "m.safetensors") == RMN_OK, "success passes through");
    return tap_done();
}
