#!/bin/sh
# check_zoo_pth.sh -- every zoo architecture's rmn-export --torch against tools/pth/zoo_torch.py
# (the references' module trees): torch.load, load_state_dict(strict=True), and eval-mode logits
# within 1e-4 of rmn's on sample images (tools/export/check_pth.py --zoo). Needs PyTorch 1.13 at
# /usr/bin/python3; run from a built tree.
#   tools/export/check_zoo_pth.sh 48 [WIDTH]   every architecture, small width (default 4)
#   tools/export/check_zoo_pth.sh 224          full size (299 for inception_v3), all but
#                                              resmasking50_dropout1 (7.5 GB); slow
# Prints one line per architecture; exit 1 when any fails.
profile=${1:-48}
width=${2:-4}
bin=${RMN_BIN:-src}
py=${PYTHON:-/usr/bin/python3}
here=$(dirname "$0")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
for a in $("$bin/rmn-exp" models --json | grep "\"profile\": \"$profile\"" | sed 's/.*"name": *"\([^"]*\)".*/\1/'); do
    case "$a" in democnn) continue ;; esac
    if [ "$profile" = 48 ]; then
        opts="--width $width --warm 2 --n 4"; zoo="--profile 48 --width $width"
    else
        [ "$a" = resmasking50_dropout1 ] && continue
        s=224; [ "$a" = inception_v3 ] && s=299
        opts="--image-size $s --in-channels 3 --warm 1 --n 2"; zoo="--profile 224"
    fi
    if ! "$bin/rmn-export" --arch "$a" $opts --torch "$tmp/a.pth" --dump "$tmp/a.bin" 2>"$tmp/err"; then
        echo "$a: export failed: $(cat "$tmp/err")"; fail=1; continue
    fi
    out=$("$py" "$here/check_pth.py" "$tmp/a.pth" "$a" --zoo $zoo --dump "$tmp/a.bin" 2>&1) || fail=1
    echo "$a: $(echo "$out" | tr '\n' ' ' | sed "s|$tmp/a.pth: ||")"
done
exit $fail
