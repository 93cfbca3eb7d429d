#!/bin/sh
# autogen.sh -- regenerate configure and Makefile.in (needs autoconf, automake, autoconf-archive).
# Serialised with flock so that concurrent builds in one tree do not clash.
set -e
cd "$(dirname "$0")"
if command -v flock >/dev/null 2>&1; then
    exec flock /tmp/rmn-autogen.lock autoreconf -fi
fi
exec autoreconf -fi
