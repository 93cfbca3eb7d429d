#!/bin/sh
# cli-video-show.sh -- the --show window for real: starts its own X server (Xvfb), plays a test
# video (made by tests/video-make) in rmn-detect's SDL2 window, takes a screenshot of the whole
# X display (xwd -root, converted by ImageMagick) while the last frame is held on screen
# (RMN_SHOW_READY / RMN_SHOW_HOLD_MS, src/video/window.h), and checks that the box is drawn
# where the JSON lines say, and the frames/s corner. Skips with a message where Xvfb, xwd,
# ImageMagick, FFmpeg or SDL2 is missing. RMN_KEEP_SHOT=FILE keeps the screenshot (PNG).
. "${RMN_SRCDIR:-.}/tests/tap.sh"
D=$RMN_BIN/rmn-detect
MK=${RMN_BUILDDIR:-.}/tests/video-make
P=$RMN_SRCDIR/tests/data/photos
RMN_PROGRESS=off
export RMN_PROGRESS
unset RMN_MODEL RMN_CASCADE
CONVERT=
for c in magick convert-im6.q16 convert; do
    if "$c" -version 2> /dev/null | grep -q ImageMagick; then CONVERT=$c; break; fi
done
for need in Xvfb xwd; do
    if ! command -v $need > /dev/null 2>&1; then
        skip "$need is not installed (apt-get install xvfb x11-apps): no window test"
        done_testing
    fi
done
if [ -z "$CONVERT" ]; then
    skip "ImageMagick is not installed (apt-get install imagemagick): no window test"
    done_testing
fi
"$MK" "$tap_tmp/v.mp4" 320 256 25 "$P/astronaut.png:32:0:10:0" 2> /dev/null
if [ $? -eq 77 ]; then
    skip "rmn was built without FFmpeg: no window test"
    done_testing
fi
if ! grep -q "define RMN_HAVE_SDL2 1" "${RMN_BUILDDIR:-.}/config.h" 2> /dev/null; then
    "$D" --faces-only --show "$tap_tmp/v.mp4" > /dev/null 2> "$tap_tmp/nosdl.err"
    [ $? -eq 1 ] && grep -q "without SDL2.*libsdl2-dev" "$tap_tmp/nosdl.err"
    ok $? "without SDL2 --show says what to install: $(cat "$tap_tmp/nosdl.err")"
    skip "rmn was built without SDL2: no window test"
    done_testing
fi

# our own X server on the first free display from :99
n=99
while [ -e /tmp/.X$n-lock ] || [ -e /tmp/.X11-unix/X$n ]; do n=$((n + 1)); done
Xvfb :$n -screen 0 640x480x24 -nolisten tcp > "$tap_tmp/xvfb.log" 2>&1 &
XPID=$!
trap 'kill $XPID 2> /dev/null; rm -rf "$tap_tmp"' EXIT
DISPLAY=:$n
export DISPLAY
i=0
while [ ! -e /tmp/.X11-unix/X$n ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -e /tmp/.X11-unix/X$n ]; then
    skip "Xvfb did not start: $(head -3 "$tap_tmp/xvfb.log")"
    done_testing
fi
MODEL=--faces-only
[ -r "$RMN_SRCDIR/models/default.safetensors" ] && MODEL=
# Under LeakSanitizer (--enable-sanitizers) SDL's X11 and D-Bus back ends leave a few
# allocations of their own at exit (libdbus, libraries SDL has unloaded): not rmn's, whose leaks
# the other video tests check; leak detection is off for this one run.
RMN_SHOW_READY=$tap_tmp/ready RMN_SHOW_HOLD_MS=6000 SDL_VIDEODRIVER=x11 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    "$D" $MODEL --show "$tap_tmp/v.mp4" --jsonl "$tap_tmp/s.jsonl" > "$tap_tmp/s.out" 2> "$tap_tmp/s.err" &
DPID=$!
i=0
while [ ! -e "$tap_tmp/ready" ] && [ $i -lt 300 ] && kill -0 $DPID 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
[ -e "$tap_tmp/ready" ]
ok $? "rmn-detect --show plays the video in a window on :$n $(cat "$tap_tmp/s.err")"
xwd -root -silent -display :$n > "$tap_tmp/shot.xwd" && "$CONVERT" "xwd:$tap_tmp/shot.xwd" "$tap_tmp/shot.png"
ok $? "a screenshot of the X display (xwd -root)"
[ -n "$RMN_KEEP_SHOT" ] && cp "$tap_tmp/shot.png" "$RMN_KEEP_SHOT"
wait $DPID
ok $? "rmn-detect --show exits 0 once the video ends"

# the last frame's box from the JSON lines
X0=$(tail -1 "$tap_tmp/s.jsonl" | sed -n 's/.*"xmin": *\([0-9]*\).*/\1/p')
Y0=$(tail -1 "$tap_tmp/s.jsonl" | sed -n 's/.*"ymin": *\([0-9]*\).*/\1/p')
X1=$(tail -1 "$tap_tmp/s.jsonl" | sed -n 's/.*"xmax": *\([0-9]*\).*/\1/p')
Y1=$(tail -1 "$tap_tmp/s.jsonl" | sed -n 's/.*"ymax": *\([0-9]*\).*/\1/p')
[ -n "$X0" ] && [ -n "$Y1" ]
ok $? "the JSON lines give the last frame's box: ($X0,$Y0)-($X1,$Y1)"
pix() { # X Y: "R,G,B" of the screenshot
    "$CONVERT" "$tap_tmp/shot.png" -crop "1x1+$1+$2" -depth 8 txt:- | sed -n 's/.*(\([0-9]*\),\([0-9]*\),\([0-9]*\).*/\1,\2,\3/p' | head -1
}
YM=$(((Y0 + Y1) / 2)) XM=$(((X0 + X1) / 2))
got="$(pix $X0 $YM) $(pix $((X0 - 1)) $YM) $(pix $X1 $YM) $(pix $((X1 - 1)) $YM) $(pix $XM $Y1) $(pix $XM $((Y1 - 1)))"
[ "$got" = "179,255,179 179,255,179 179,255,179 179,255,179 179,255,179 179,255,179" ]
ok $? "the box colour (179,255,179) on the screen at the JSON box's left, right and bottom edges: $got"
got="$(pix $((X0 - 3)) $YM) $(pix $((X1 + 2)) $YM) $(pix $XM $YM)"
case " $got " in *" 179,255,179 "*) false ;; *) true ;; esac
ok $? "and not beside the edges nor in the middle: $got"
[ "$(pix 1 1)" = "0,0,0" ] && [ "$(pix 400 400)" = "0,0,0" ]
ok $? "the frames/s corner is drawn (black at 1,1); outside the 320x256 window the root is black"
done_testing
