#!/bin/sh
# cli-video.sh -- rmn-detect on videos end to end. The test videos are made here from the test
# photos with rmn's own encoder (tests/video-make): per-frame CSV boxes match the photo's
# detection, JSON lines, the annotated video decodes again with every frame, --every, a face
# moving across the frames keeps one id, the summary per track, and bad inputs (truncated,
# not a video, missing) give errors naming the file. Skips when built without FFmpeg.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
D=$RMN_BIN/rmn-detect
MK=${RMN_BUILDDIR:-.}/tests/video-make
P=$RMN_SRCDIR/tests/data/photos
CASCADE=/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml
RMN_PROGRESS=off
export RMN_PROGRESS
unset RMN_MODEL RMN_CASCADE
jqcheck() { # DESCRIPTION FILE FILTER (slurped JSON lines): passes when the filter yields true
    if command -v jq > /dev/null 2>&1; then jq -e -s "$3" "$2" > /dev/null; ok $? "$1"; else skip "no jq: $1"; fi
}
have_cnn=0
"$RMN_BUILDDIR/tests/test-facenet" --print "$P/coffee.jpg" > /dev/null 2>&1 && have_cnn=1
if [ ! -r "$CASCADE" ]; then
    skip "opencv-data is not installed"
    done_testing
fi
V=$tap_tmp/astro.mp4
"$MK" "$V" 256 256 25 "$P/astronaut.png:0:0:5:0" "-:0:0:3:0" 2> "$tap_tmp/mk.err"
rc=$?
if [ $rc -eq 77 ]; then
    "$D" --faces-only "$P/astronaut.mp4" > /dev/null 2> "$tap_tmp/nov.err"
    [ $? -eq 1 ] && grep -q "built without FFmpeg.*libavformat-dev" "$tap_tmp/nov.err"
    ok $? "without FFmpeg a video says what to install: $(cat "$tap_tmp/nov.err")"
    skip "rmn was built without FFmpeg: install libavformat-dev libavcodec-dev libavdevice-dev libswscale-dev and reconfigure"
    done_testing
fi
ok $rc "video-make writes an 8-frame 256x256 video (5 frames of astronaut.png, 3 empty)"

# --- per-frame boxes against the photo's, for each detector ----------------------------------
# the astronaut.png box of detector $1 found in frames 0-4 of the video (codec loss: 3 px)
frames_match() {
    "$D" --faces-only --detector "$1" --json "$P/astronaut.png" > "$tap_tmp/photo-$1.json"
    set -- "$1" $(sed -n 's/.*"\(xmin\|ymin\|xmax\|ymax\)": \([0-9]*\).*/\2/p' "$tap_tmp/photo-$1.json")
    "$D" --faces-only --detector "$1" "$V" --csv "$tap_tmp/a-$1.csv" > "$tap_tmp/a-$1.sum" 2> "$tap_tmp/a-$1.err"
    ok $? "--detector $1 on the video exits 0"
    awk -F, -v x0="$2" -v y0="$3" -v x1="$4" -v y1="$5" '
        function d(a, b) { return a > b ? a - b : b - a }
        NR > 1 { n++; if ($1 != n - 1 || $3 != 1 || d($4, x0) > 3 || d($5, y0) > 3 || d($6, x1) > 3 || d($7, y1) > 3) bad++
                 if (d($2, (n - 1) / 25) > 1e-4) bad++ }
        END { exit !(n == 5 && bad == 0) }' "$tap_tmp/a-$1.csv"
    ok $? "$1: frames 0-4 have one face each within 3 px of the photo's box ($2 $3 $4 $5), times i/25 s, none in 5-7: $(tail -n +2 "$tap_tmp/a-$1.csv" | cut -d, -f1-7 | tr '\n' ' ')"
    grep -q "^8 frames, 8 processed, 5 faces, 1 track" "$tap_tmp/a-$1.sum" && grep -q "^track 1: frames 0-4, seen in 5" "$tap_tmp/a-$1.sum"
    ok $? "$1: the summary: $(tr '\n' '|' < "$tap_tmp/a-$1.sum")"
}
frames_match haar
cp "$tap_tmp/a-haar.csv" "$tap_tmp/a.csv"
[ "$(head -1 "$tap_tmp/a.csv")" = "frame,time_s,face_id,xmin,ymin,xmax,ymax,angry,disgust,fear,happy,sad,surprise,neutral,emo_label" ]
ok $? "the CSV header"
if [ $have_cnn = 1 ]; then
    frames_match tiny
    frames_match ssd
    RMN_DETECTOR= "$D" --faces-only -q "$V" > /dev/null 2> "$tap_tmp/def.err"
    [ "$(grep -c "SSD" "$tap_tmp/def.err")" -eq 1 ]
    ok $? "videos too: ssd by default, said once on stderr: $(cat "$tap_tmp/def.err")"
    "$D" --faces-only --detector tiny --input-size 320 --csv "$tap_tmp/t320.csv" "$V" > /dev/null &&
        [ "$(wc -l < "$tap_tmp/t320.csv")" -eq 6 ]
    ok $? "--input-size 320 (tiny): one face in each of frames 0-4"
else
    skip "--detector tiny and ssd on videos: face-api's weights are not installed"
fi
RMN_DETECTOR= RMN_FACE_MODELS=$tap_tmp/none "$D" --faces-only -q "$V" --csv "$tap_tmp/nw.csv" > /dev/null 2> "$tap_tmp/nw.err"
[ $? -eq 0 ] && grep -q "not installed.*HAAR" "$tap_tmp/nw.err" && cmp -s "$tap_tmp/nw.csv" "$tap_tmp/a.csv"
ok $? "without face-api's weights videos take the HAAR cascade, said on stderr: $(cat "$tap_tmp/nw.err")"
RMN_FACE_MODELS=$tap_tmp/none "$D" --faces-only --detector tiny "$V" > /dev/null 2> "$tap_tmp/nw2.err"
[ $? -eq 1 ] && grep -q "needs face-api's weights.*$tap_tmp/none" "$tap_tmp/nw2.err"
ok $? "--detector tiny on a video without the weights: exit 1 naming where it looked"
"$D" --faces-only --detector haar --input-size 320 "$V" > /dev/null 2> "$tap_tmp/is.err"
[ $? -eq 2 ] && grep -q "input size\|input-size" "$tap_tmp/is.err"
ok $? "--input-size with another detector than tiny: exit 2"
"$D" --faces-only --json "$V" > /dev/null 2> "$tap_tmp/pj.err"
[ $? -eq 2 ] && grep -q -- "--json is for photos" "$tap_tmp/pj.err"
ok $? "a photo option on a video: exit 2 ($(head -1 "$tap_tmp/pj.err"))"
"$D" --faces-only --threads 2 "$P/astronaut.png" > /dev/null 2> "$tap_tmp/vt.err"
[ $? -eq 2 ] && grep -q -- "--threads is for videos" "$tap_tmp/vt.err"
ok $? "a video option on a photo: exit 2 ($(head -1 "$tap_tmp/vt.err"))"

# --- with the shipped model: classes, JSON lines, summary, annotated video ------------------
if [ -r "$RMN_SRCDIR/models/default.safetensors" ]; then
    "$D" "$V" --csv - --jsonl "$tap_tmp/m.jsonl" -o "$tap_tmp/out.mp4" > "$tap_tmp/m.csv" 2> "$tap_tmp/m.err"
    ok $? "with the shipped model, --csv - --jsonl FILE -o OUT.mp4 exits 0 ($(cat "$tap_tmp/m.err" | tr '\n' ' '))"
    awk -F, 'NR > 1 { s = 0; for (k = 8; k <= 14; k++) s += $k; if (s < 0.999 || s > 1.001 || $15 != "happy") bad++; n++ }
             END { exit !(n == 5 && !bad) }' "$tap_tmp/m.csv"
    ok $? "5 rows, probabilities sum to 1, the astronaut is happy: $(sed -n 2p "$tap_tmp/m.csv")"
    jqcheck "JSON lines: 8 objects, frames 0..7, faces with face_id, box, emo_label, proba_list of 7" "$tap_tmp/m.jsonl" '
        length == 8 and ([.[].frame] == [0,1,2,3,4,5,6,7]) and ([.[] | .faces | length] == [1,1,1,1,1,0,0,0]) and
        (.[0].faces[0] | .face_id == 1 and .emo_label == "happy" and (.proba_list | length) == 7 and
         (.proba_list[3].happy == .emo_proba) and .xmax > .xmin)'
    grep -q "^track 1: frames 0-4, seen in 5, dominant happy; happy 100.0%" "$tap_tmp/m.err"
    ok $? "the summary goes to stderr when stdout has the CSV: $(grep '^track' "$tap_tmp/m.err")"
    "$D" --faces-only "$tap_tmp/out.mp4" --csv "$tap_tmp/o.csv" > "$tap_tmp/o.sum"
    ok $? "the annotated video decodes again"
    grep -q "^8 frames, 8 processed" "$tap_tmp/o.sum"
    ok $? "with all 8 frames: $(head -1 "$tap_tmp/o.sum")"
    if command -v ffprobe > /dev/null 2>&1; then
        [ "$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,avg_frame_rate -of csv=p=0 "$tap_tmp/out.mp4")" = "h264,25/1" ]
        ok $? "ffprobe: H.264 at 25/1 frames/s"
    fi
else
    skip "no shipped model (models/default.safetensors): the emotion checks"
fi

RMN_VIDEO_ENCODER=no-such-encoder "$D" --faces-only -q "$V" -o "$tap_tmp/m4.mp4" 2> "$tap_tmp/m4.err"
[ $? -eq 0 ] && grep -q "m4.mp4: this FFmpeg has no no-such-encoder encoder.*writing MPEG-4 part 2 instead" "$tap_tmp/m4.err" &&
    "$D" --faces-only "$tap_tmp/m4.mp4" | grep -q "^8 frames, 8 processed, 5 faces"
ok $? "without the H.264 encoder: MPEG-4 part 2 with a message, and it decodes again with 8 frames and 5 faces"

# --- --every, a moving face -------------------------------------------------------------------
"$D" --faces-only --every 3 "$V" --csv "$tap_tmp/e.csv" > "$tap_tmp/e.sum"
[ $? -eq 0 ] && grep -q "^8 frames, 3 processed" "$tap_tmp/e.sum" && [ "$(tail -n +2 "$tap_tmp/e.csv" | cut -d, -f1 | tr '\n' ' ')" = "0 3 " ]
ok $? "--every 3 processes frames 0, 3, 6 (faces in 0 and 3)"
"$MK" "$tap_tmp/move.mp4" 480 256 25 "$P/astronaut.png:0:0:20:10"
"$D" --faces-only "$tap_tmp/move.mp4" --csv "$tap_tmp/mv.csv" > "$tap_tmp/mv.sum"
awk -F, 'NR > 1 { n++; if ($3 != 1) bad++; if (NR > 2 && ($4 - px < 6 || $4 - px > 14)) bad++; px = $4 }
         END { exit !(n == 20 && !bad) }' "$tap_tmp/mv.csv"
ok $? "a face shifted 10 px per frame over 20 frames keeps id 1 and moves 6-14 px a frame: $(tail -n +2 "$tap_tmp/mv.csv" | cut -d, -f3,4 | tr '\n' ' ')"
"$D" --faces-only --threads 2 "$tap_tmp/move.mp4" --csv "$tap_tmp/mv2.csv" > /dev/null
cmp -s "$tap_tmp/mv.csv" "$tap_tmp/mv2.csv"
ok $? "--threads 2 gives the same CSV"
if [ $have_cnn = 1 ] && [ -r "$RMN_SRCDIR/models/default.safetensors" ]; then
    "$D" -q --detector tiny --max-frames 8 "$tap_tmp/move.mp4" --csv "$tap_tmp/mt1.csv" &&
        "$D" -q --detector tiny --max-frames 8 --threads 2 "$tap_tmp/move.mp4" --csv "$tap_tmp/mt2.csv" &&
        cmp -s "$tap_tmp/mt1.csv" "$tap_tmp/mt2.csv" && [ "$(wc -l < "$tap_tmp/mt1.csv")" -eq 9 ]
    ok $? "tiny, aligned and classified: --threads 2 (a copy of the nets per thread) gives the same CSV"
else
    skip "--threads 2 with a CNN detector: face-api's weights or the shipped model are not installed"
fi
"$MK" "$tap_tmp/none.mp4" 160 120 10 "$P/coffee.jpg:-40:-30:6:0"
"$D" --faces-only "$tap_tmp/none.mp4" --csv "$tap_tmp/n.csv" > "$tap_tmp/n.sum"
[ $? -eq 0 ] && [ "$(wc -l < "$tap_tmp/n.csv")" -eq 1 ] && grep -q "0 faces, 0 tracks" "$tap_tmp/n.sum"
ok $? "a video without faces is not an error (header only, 0 tracks)"

# --- Ctrl-C: the outputs are finished properly ----------------------------------------------------
"$MK" "$tap_tmp/long.mp4" 256 256 25 "$P/astronaut.png:0:0:400:0"
"$D" --faces-only "$tap_tmp/long.mp4" -o "$tap_tmp/int.mp4" --csv "$tap_tmp/int.csv" > /dev/null 2> "$tap_tmp/int.err" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
"$D" --faces-only -q "$tap_tmp/int.mp4" --csv "$tap_tmp/int2.csv"
[ $rc -eq 0 ] && grep -q "stopped on request after" "$tap_tmp/int.err" && [ "$(wc -l < "$tap_tmp/int.csv")" -gt 1 ] &&
    [ "$(wc -l < "$tap_tmp/int.csv")" = "$(wc -l < "$tap_tmp/int2.csv")" ]
ok $? "SIGINT stops cleanly: the CSV and the annotated video (decoded again) hold the same $(($(wc -l < "$tap_tmp/int.csv") - 1)) frames"

# --- rmn-bench --video ---------------------------------------------------------------------------
"$RMN_BIN/rmn-bench" --video --faces-only --frames 6 --detector haar --detector lbp "$V" > "$tap_tmp/bench.out" 2>&1
[ $? -eq 0 ] && [ "$(grep -c ' frames/s, [0-9.]* CPU ms/frame (decode + detect + encode .*2 threads; 6 frames' "$tap_tmp/bench.out")" -eq 2 ]
ok $? "rmn-bench --video prints frames/s for the HAAR and LBP cascades: $(tr '\n' '|' < "$tap_tmp/bench.out")"
if [ $have_cnn = 1 ] && [ -r "$RMN_SRCDIR/models/default.safetensors" ]; then
    "$RMN_BIN/rmn-bench" --video --frames 4 --rounds 3 --detector tiny --input-size 320 --detector ssd --json "$V" > "$tap_tmp/bench.json" 2>&1
    jqcheck "rmn-bench --video --rounds 3 with the CNNs (classify, aligned): tiny at 320 and ssd, each a median over 3 rounds" "$tap_tmp/bench.json" '
        length == 2 and .[0].detector == "tiny" and .[0].input_size == 320 and .[1].detector == "ssd" and
        all(.[]; .align and .frames == 4 and .faces == 4 and (.rounds | length) == 3 and .model != null and
                 .frames_per_s_min <= .frames_per_s and .frames_per_s <= .frames_per_s_max)'
else
    skip "rmn-bench --video with the CNNs: face-api's weights or the shipped model are not installed"
fi

# --- bad inputs ---------------------------------------------------------------------------------
head -c 3000 "$V" > "$tap_tmp/trunc.mp4"
"$D" --faces-only "$tap_tmp/trunc.mp4" > /dev/null 2> "$tap_tmp/t.err"
[ $? -eq 1 ] && grep -q "rmn-detect: error: .*trunc.mp4: " "$tap_tmp/t.err"
ok $? "a truncated video: $(cat "$tap_tmp/t.err")"
"$MK" "$tap_tmp/long.mkv" 256 256 25 "$P/astronaut.png:0:0:40:2"
head -c 30000 "$tap_tmp/long.mkv" > "$tap_tmp/cut.mkv"
"$D" --faces-only "$tap_tmp/cut.mkv" --csv "$tap_tmp/cut.csv" > /dev/null 2> "$tap_tmp/cut.err"
[ $? -eq 1 ] && grep -q "rmn-detect: error: .*cut.mkv: truncated: the video ends after [0-9]* of the 40 frames" "$tap_tmp/cut.err"
ok $? "a Matroska video cut in the middle (header intact): $(cat "$tap_tmp/cut.err")"
"$D" --faces-only --threads 2 --every 2 "$tap_tmp/cut.mkv" --csv "$tap_tmp/cut2.csv" > /dev/null 2>&1
[ $? -eq 1 ] && n=$(($(wc -l < "$tap_tmp/cut.csv") - 1)) && [ $n -ge 5 ] && [ "$(wc -l < "$tap_tmp/cut2.csv")" -eq $(((n + 1) / 2 + 1)) ]
ok $? "its frames before the cut are in the CSV ($n rows; with --threads 2 --every 2 every other one)"
echo "this is not a video" > "$tap_tmp/text.mp4"
"$D" --faces-only "$tap_tmp/text.mp4" > /dev/null 2> "$tap_tmp/x.err"
[ $? -eq 1 ] && grep -q "rmn-detect: error: .*text.mp4: " "$tap_tmp/x.err"
ok $? "a text file named .mp4: $(cat "$tap_tmp/x.err")"
"$D" --faces-only "$tap_tmp/missing.mp4" > /dev/null 2> "$tap_tmp/mi.err"
[ $? -eq 1 ] && grep -q "rmn-detect: error: .*missing.mp4: cannot open the video: No such file" "$tap_tmp/mi.err"
ok $? "a missing video: $(cat "$tap_tmp/mi.err")"
"$D" --faces-only --camera /dev/video-none > /dev/null 2> "$tap_tmp/c.err"
[ $? -eq 1 ] && grep -q "/dev/video-none: cannot open the camera" "$tap_tmp/c.err"
ok $? "a missing camera: $(cat "$tap_tmp/c.err")"
"$D" --faces-only --camera 7 > /dev/null 2> "$tap_tmp/c7.err"
[ $? -eq 1 ] && grep -q "/dev/video7: cannot open the camera" "$tap_tmp/c7.err"
ok $? "--camera 7 is /dev/video7 through v4l2: $(cat "$tap_tmp/c7.err")"
"$D" --faces-only --camera "movie=$V" --camera-format lavfi --csv "$tap_tmp/cam.csv" > "$tap_tmp/cam.sum" 2> "$tap_tmp/cam.err"
if [ $? -ne 0 ] && grep -q "no 'lavfi' input\|cannot open the camera" "$tap_tmp/cam.err"; then
    skip "this FFmpeg's libavdevice has no lavfi movie source: $(cat "$tap_tmp/cam.err")"
else
    cmp -s "$tap_tmp/cam.csv" "$tap_tmp/a.csv" && grep -q "^8 frames, 8 processed, 5 faces" "$tap_tmp/cam.sum"
    ok $? "the camera path (libavdevice, here its lavfi input playing the test video) gives the file's CSV"
fi
"$D" --faces-only --camera-format lavfi "$V" > /dev/null 2>&1
[ $? -eq 2 ]
ok $? "--camera-format without --camera: exit 2"
"$D" --faces-only --smooth 1 "$V" > /dev/null 2>&1
[ $? -eq 2 ]
ok $? "--smooth 1 is a usage error"
done_testing
